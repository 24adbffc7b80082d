// 我的分红: what the member's friends' spending has earned (frozen, available, in review, paid), how many friends
// they brought, who earned them most, and their share code — the 小程序码 image from the API to show or save, and
// a share card carrying the code's path.
const { myShareCode, myShareholder } = require("../../lib/shareholder.js");
const { COMMISSION_STATUS } = require("../../components/labels.js");
const { call } = require("../call.js");

Component({
  data: { figures: null, shareCode: null, loading: true },
  methods: {
    async onShow() {
      const figures = await call(this, (client) => myShareholder(client));
      if (!figures) return;
      const recent = figures.recentCommissions.map((c) => ({ ...c, statusText: COMMISSION_STATUS[c.status] }));
      this.setData({ figures: { ...figures, recentCommissions: recent } });
      const shareCode = await call(this, (client) => myShareCode(client), { flag: "codeLoading" });
      if (shareCode) this.setData({ shareCode });
    },
    openPayouts() {
      wx.navigateTo({ url: "/pages/shareholder/payouts" });
    },
    preview() {
      wx.previewImage({ urls: [this.data.shareCode.imageDataUrl] });
    },
    onShareAppMessage() {
      const { shareCode } = this.data;
      return { title: "送你一张会员卡，一起来享优惠", path: shareCode ? shareCode.path : "/pages/index/index" };
    },
  },
});
