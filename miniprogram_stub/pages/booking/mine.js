// 我的预约: the member's bookings, newest first; one opens its detail (cancel, reschedule, pay a held deposit).
const { myBookings } = require("../../lib/booking.js");
const { BOOKING_STATUS } = require("../../components/labels.js");
const { call } = require("../call.js");

Component({
  data: { bookings: [], loading: true },
  methods: {
    async onShow() {
      const found = await call(this, (client) => myBookings(client));
      if (found) this.setData({ bookings: found.bookings.map((b) => ({ ...b, statusText: BOOKING_STATUS[b.status] })) });
    },
    open(event) {
      wx.navigateTo({ url: `/pages/booking/detail?id=${event.currentTarget.dataset.id}` });
    },
  },
});
