// 扫码买单: the member types the amount, picks one of their coupons that fits and whether to use points; the API
// prices that as an order (its rules, not a copy here), and 确认支付 pays it with WeChat Pay. A changed choice is
// a new quote (the old order closed, its coupon free again); one key per quote and one per pay tap.
const { idempotencyKey } = require("../../lib/graphql.js");
const { waitUntilPaid } = require("../../lib/orders.js");
const { pay, quote, usableCoupons } = require("../../lib/scanpay.js");
const { call, toast } = require("../call.js");

Component({
  data: { amount: "", coupons: [], couponId: null, usePoints: false, order: null, paid: null },
  methods: {
    onLoad(query) {
      this.storeId = (query && (query.storeId || query.s)) || getApp().settings.storeId;
    },
    amountFen() {
      return Math.round(parseFloat(this.data.amount || "0") * 100);
    },
    async onAmount(event) {
      this.setData({ amount: event.detail, couponId: null });
      await this.requote(false);
      const amountFen = this.amountFen();
      if (!amountFen) return;
      const coupons = await call(this, (client) => usableCoupons(client, { storeId: this.storeId, amountFen }), {
        flag: "couponsLoading",
      });
      this.setData({ coupons: coupons || [] });
    },
    pickCoupon(event) {
      const id = event.currentTarget.dataset.id;
      this.setData({ couponId: this.data.couponId === id ? null : id });
      return this.requote(true);
    },
    onPoints(event) {
      this.setData({ usePoints: event.detail });
      return this.requote(true);
    },
    // A changed choice drops the quote; with `now` the new one is asked for at once.
    async requote(now) {
      this.replacing = (this.data.order && this.data.order.id) || this.replacing || null;
      this.setData({ order: null });
      this.payKey = null;
      if (now && this.amountFen()) await this.price();
    },
    async price() {
      const choice = {
        storeId: this.storeId,
        amountFen: this.amountFen(),
        couponId: this.data.couponId,
        usePoints: this.data.usePoints,
      };
      const key = idempotencyKey();
      const replacing = this.replacing;
      const order = await call(this, (client) => quote(client, choice, key, { replacing }), { flag: "working" });
      if (!order) return;
      this.replacing = null;
      this.setData({ order });
    },
    async pay() {
      const orderId = this.data.order.id;
      this.payKey = this.payKey || idempotencyKey();
      const paid = await call(
        this,
        async (client) => {
          await pay(client, wx, orderId, this.payKey);
          return waitUntilPaid(client, orderId);
        },
        { flag: "working" },
      );
      if (!paid) return;
      this.payKey = null;
      toast("支付成功");
      this.setData({ paid });
    },
    openOrders() {
      wx.redirectTo({ url: "/pages/orders/index" });
    },
  },
});
