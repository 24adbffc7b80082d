// One coupon: what it gives, its terms, the redeem QR code staff scan (核销), and forwarding it to a friend
// (转赠): the API makes the link, the share card carries exactly the path it returned; an unaccepted forward can
// be taken back.
const { coupon } = require("../../lib/coupons.js");
const { forwardCoupon, recallForward } = require("../../lib/forward.js");
const { call, toast } = require("../call.js");

Component({
  data: { coupon: null, share: null, loading: true },
  methods: {
    async onLoad(query) {
      this.couponId = query.id;
      await this.load();
    },
    async load() {
      const found = await call(this, (client) => coupon(client, this.couponId));
      if (!found) return;
      const pending = found.pendingForward;
      const share = pending ? { title: `送你一张${found.template.title}`, path: pending.path } : null;
      this.setData({ coupon: found, share });
    },
    async forward() {
      const made = await call(this, (client) => forwardCoupon(client, this.couponId), { flag: "working" });
      if (made) this.setData({ share: { title: made.title, path: made.path }, "coupon.status": made.coupon.status });
    },
    async recall() {
      const back = await call(this, (client) => recallForward(client, this.couponId), { flag: "working" });
      if (!back) return;
      toast("已收回");
      await this.load();
    },
    onShareAppMessage() {
      const { share } = this.data;
      return share ? { title: share.title, path: share.path } : { title: "积客会员", path: "/pages/index/index" };
    },
  },
});
