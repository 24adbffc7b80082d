// A friend opened a forwarded coupon's share card (the API's path, ?token=…): who sent it, what it is, and
// accepting it, which makes it theirs.
const { acceptForward, forwardPreview } = require("../../lib/forward.js");
const { call } = require("../call.js");

Component({
  data: { preview: null, accepted: null, loading: true },
  methods: {
    async onLoad(query) {
      this.token = query.token;
      const preview = await call(this, (client) => forwardPreview(client, this.token));
      this.setData({ preview });
    },
    async accept() {
      const accepted = await call(this, (client) => acceptForward(client, this.token), { flag: "working" });
      if (accepted) this.setData({ accepted });
    },
    openCoupons() {
      wx.switchTab({ url: "/pages/coupons/index" });
    },
  },
});
