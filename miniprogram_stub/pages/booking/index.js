// 预约: service → staff (or 不限) → day → a free start → 确认预约; a service with a deposit is paid at once with
// WeChat Pay (the API holds the slot meanwhile). One key per tap on 确认预约, kept until it succeeds, so a
// retry books, orders and pays nothing twice.
const { idempotencyKey } = require("../../lib/graphql.js");
const { book, bookableServices, bookingDays, freeSlots } = require("../../lib/booking.js");
const { call } = require("../call.js");
const { storeFor } = require("../store.js");

Component({
  data: { stores: [], services: [], service: null, staffId: null, days: [], date: "", slots: [], start: "", loading: true },
  methods: {
    async onLoad(query) {
      const days = bookingDays();
      this.setData({ days, date: days[0].date });
      const storeId = await storeFor(this, query);
      if (storeId) await this.useStore(storeId);
    },
    pickStore(event) {
      return this.useStore(event.currentTarget.dataset.id);
    },
    async useStore(storeId) {
      this.storeId = storeId;
      this.setData({ stores: [] });
      const services = await call(this, (client) => bookableServices(client, storeId));
      this.setData({ services: services || [] });
    },
    pickService(event) {
      const service = this.data.services.find((s) => s.id === event.currentTarget.dataset.id);
      this.key = null;
      this.setData({ service, staffId: null, start: "" });
      return this.loadSlots();
    },
    pickStaff(event) {
      this.key = null;
      this.setData({ staffId: event.currentTarget.dataset.id || null, start: "" });
      return this.loadSlots();
    },
    pickDay(event) {
      this.key = null;
      this.setData({ date: event.currentTarget.dataset.date, start: "" });
      return this.loadSlots();
    },
    async loadSlots() {
      const { service, date, staffId } = this.data;
      const choice = { storeId: this.storeId, serviceId: service.id, date, staffId };
      const slots = await call(this, (client) => freeSlots(client, choice), { flag: "slotsLoading" });
      this.setData({ slots: slots || [] });
    },
    pickSlot(event) {
      this.key = null;
      this.setData({ start: event.currentTarget.dataset.start });
    },
    async confirm() {
      const { service, staffId, start } = this.data;
      this.key = this.key || idempotencyKey();
      const choice = { storeId: this.storeId, serviceId: service.id, start, staffId };
      const done = await call(this, (client) => book(client, wx, choice, this.key), { flag: "working" });
      if (!done) return;
      this.key = null;
      wx.navigateTo({ url: `/pages/booking/detail?id=${done.booking.id}` });
    },
    openMine() {
      wx.navigateTo({ url: "/pages/booking/mine" });
    },
  },
});
