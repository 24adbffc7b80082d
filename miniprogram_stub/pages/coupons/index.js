// 我的优惠券: the member's coupons by status (可用, 转赠中, 已使用, 已过期); a coupon opens its detail with the
// redeem code.
const { myCoupons } = require("../../lib/coupons.js");
const { call } = require("../call.js");

const TABS = [
  { status: "ACTIVE", label: "可用" },
  { status: "FORWARDING", label: "转赠中" },
  { status: "REDEEMED", label: "已使用" },
  { status: "EXPIRED", label: "已过期" },
];

Component({
  data: { tabs: TABS, status: "ACTIVE", coupons: [], loading: true },
  methods: {
    onLoad(query) {
      if (query && query.status) this.setData({ status: query.status });
    },
    onShow() {
      return this.load();
    },
    async load() {
      const status = this.data.status;
      const found = await call(this, (client) => myCoupons(client, { status }));
      if (found) this.setData({ coupons: found.coupons });
    },
    pickTab(event) {
      this.setData({ status: event.currentTarget.dataset.status, coupons: [] });
      return this.load();
    },
    openCoupon(event) {
      wx.navigateTo({ url: `/pages/coupons/detail?id=${event.currentTarget.dataset.id}` });
    },
  },
});
