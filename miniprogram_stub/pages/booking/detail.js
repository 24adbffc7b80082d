// One booking (a notification's page): cancel it, move it to another free start of the same service, or pay the
// deposit of a booking still held for it.
const { idempotencyKey } = require("../../lib/graphql.js");
const { bookingDays, cancelBooking, freeSlots, myBooking, payDeposit, rescheduleBooking } = require("../../lib/booking.js");
const { BOOKING_STATUS } = require("../../components/labels.js");
const { call, toast } = require("../call.js");

const CHANGEABLE = ["HELD", "BOOKED"];

Component({
  data: { booking: null, changing: false, days: [], date: "", slots: [], start: "", loading: true },
  methods: {
    async onLoad(query) {
      this.bookingId = query.id;
      await this.load();
    },
    async load() {
      const booking = await call(this, (client) => myBooking(client, this.bookingId));
      this.setData({
        booking: booking ? { ...booking, statusText: BOOKING_STATUS[booking.status] } : null,
        changeable: Boolean(booking && CHANGEABLE.includes(booking.status)),
      });
    },
    async cancel() {
      const { confirm } = await wx.showModal({ title: "取消预约", content: "确定取消这次预约吗？" });
      if (!confirm) return;
      const done = await call(this, (client) => cancelBooking(client, this.bookingId), { flag: "working" });
      if (!done) return;
      toast("已取消");
      await this.load();
    },
    async change() {
      const days = bookingDays();
      this.setData({ changing: true, days, date: days[0].date, start: "" });
      await this.loadSlots();
    },
    pickDay(event) {
      this.setData({ date: event.currentTarget.dataset.date, start: "" });
      return this.loadSlots();
    },
    async loadSlots() {
      const { booking, date } = this.data;
      const choice = { storeId: booking.storeId, serviceId: booking.serviceId, date, staffId: booking.staffMemberId };
      const slots = await call(this, (client) => freeSlots(client, choice), { flag: "slotsLoading" });
      this.setData({ slots: slots || [] });
    },
    pickSlot(event) {
      this.setData({ start: event.currentTarget.dataset.start });
    },
    async reschedule() {
      const change = { bookingId: this.bookingId, start: this.data.start };
      const moved = await call(this, (client) => rescheduleBooking(client, change), { flag: "working" });
      if (!moved) return;
      toast("已改期");
      this.setData({ changing: false });
      await this.load();
    },
    async payDeposit() {
      this.key = this.key || idempotencyKey();
      const paid = await call(this, (client) => payDeposit(client, wx, this.bookingId, this.key), { flag: "working" });
      if (!paid) return;
      this.key = null;
      toast("定金已支付");
      await this.load();
    },
  },
});
