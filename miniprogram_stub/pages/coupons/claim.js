// 领券: the claim page of a template someone shared — what it gives, how many are left, why it cannot be claimed
// now (the API's own words), and the claim itself under one key per tap.
const { idempotencyKey } = require("../../lib/graphql.js");
const { claim, claimPage } = require("../../lib/coupons.js");
const { call } = require("../call.js");

Component({
  data: { page: null, claimed: null, loading: true },
  methods: {
    async onLoad(query) {
      this.templateId = query.templateId;
      const page = await call(this, (client) => claimPage(client, this.templateId));
      this.setData({ page });
    },
    async claim() {
      // The same key until the claim succeeds: a retried tap after a dropped answer claims nothing twice.
      this.key = this.key || idempotencyKey();
      const claimed = await call(this, (client) => claim(client, this.templateId, this.key), { flag: "working" });
      if (!claimed) return;
      this.key = null;
      this.setData({ claimed });
    },
    openCoupons() {
      wx.switchTab({ url: "/pages/coupons/index" });
    },
  },
});
