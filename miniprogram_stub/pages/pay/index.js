// 扫码买单: the member types the amount, picks one of their coupons that fits and whether to use points; the API
// prices each choice (its rules, not a copy here) without making anything, so the choice can change freely. Only
// 确认支付 makes the order and pays it: one key per tap, kept while the choice stays the same so a retry after a
// dropped network or a closed WeChat Pay sheet finds the same order and payment; a changed choice gets a new key.
const { idempotencyKey } = require("../../lib/graphql.js");
const { waitUntilPaid } = require("../../lib/orders.js");
const { pay, quote, usableCoupons } = require("../../lib/scanpay.js");
const { call, toast } = require("../call.js");
const { storeFor } = require("../store.js");

Component({
  data: { stores: [], amount: "", coupons: [], couponId: null, usePoints: false, price: null, paid: null },
  methods: {
    async onLoad(query) {
      this.asked = 0;
      this.storeId = await storeFor(this, query);
    },
    pickStore(event) {
      this.storeId = event.currentTarget.dataset.id;
      this.setData({ stores: [] });
    },
    amountFen() {
      return Math.round(parseFloat(this.data.amount || "0") * 100) || 0;
    },
    choice() {
      const { couponId, usePoints } = this.data;
      return { storeId: this.storeId, amountFen: this.amountFen(), couponId, usePoints };
    },
    async onAmount(event) {
      this.setData({ amount: event.detail, couponId: null, coupons: [] });
      await this.requote();
      const amountFen = this.amountFen();
      if (!amountFen || !this.storeId) return;
      const coupons = await call(this, (client) => usableCoupons(client, { storeId: this.storeId, amountFen }), {
        flag: "couponsLoading",
      });
      if (amountFen === this.amountFen()) this.setData({ coupons: coupons || [] });
    },
    pickCoupon(event) {
      const id = event.currentTarget.dataset.id;
      this.setData({ couponId: this.data.couponId === id ? null : id });
      return this.requote();
    },
    onPoints(event) {
      this.setData({ usePoints: event.detail });
      return this.requote();
    },
    // A changed choice is a new intent (a new key on the next 确认支付) and a new price; only the latest quote
    // asked for is shown, however the answers arrive.
    async requote() {
      this.payKey = null;
      this.setData({ price: null });
      const choice = this.choice();
      if (!choice.amountFen || !choice.storeId) return;
      this.asked += 1;
      const asked = this.asked;
      const quoted = await call(this, (client) => quote(client, choice), { flag: "quoting" });
      if (quoted && asked === this.asked) this.setData({ price: quoted.price });
    },
    async pay() {
      const choice = this.choice();
      this.payKey = this.payKey || idempotencyKey();
      const key = this.payKey;
      const paid = await call(
        this,
        async (client) => {
          const { order } = await pay(client, wx, choice, key);
          return waitUntilPaid(client, order.id);
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
