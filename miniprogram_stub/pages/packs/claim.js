// A friend opened a shared pack's card (the API's path, ?token=…): what is in it, how many are left, and taking
// one — which also binds them under the sharer on their first touch. Taking again shows the same coupon.
const { claimFromPack, packPreview } = require("../../lib/packs.js");
const { call } = require("../call.js");

Component({
  data: { preview: null, taken: null, loading: true },
  methods: {
    async onLoad(query) {
      this.token = query.token;
      const preview = await call(this, (client) => packPreview(client, this.token));
      this.setData({ preview, taken: preview && preview.myCoupon });
    },
    async take() {
      const taken = await call(this, (client) => claimFromPack(client, this.token), { flag: "working" });
      if (taken) this.setData({ taken });
    },
    openCoupons() {
      wx.switchTab({ url: "/pages/coupons/index" });
    },
  },
});
