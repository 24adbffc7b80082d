// 会员卡: level, points, stored value and count cards, and the member code staff scan, asked for again every
// minute (or at its expiry, if sooner) while the card is on screen.
const { memberCode, memberCodeRefreshIn, myCard } = require("../../lib/card.js");
const { call } = require("../call.js");

Component({
  data: { loading: true, card: null, code: null },
  methods: {
    async onShow() {
      const found = await call(this, (client) => myCard(client));
      if (found) this.setData({ card: found.card, nickname: found.nickname });
      await this.refreshCode();
    },
    onHide() {
      clearTimeout(this.timer);
      this.timer = null;
    },
    onUnload() {
      this.onHide();
    },
    async refreshCode() {
      clearTimeout(this.timer);
      const code = await call(this, (client) => memberCode(client), { flag: "codeLoading" });
      if (code) this.setData({ code });
      this.timer = setTimeout(() => this.refreshCode(), code ? memberCodeRefreshIn(code) : 60 * 1000);
    },
    openPoints() {
      wx.navigateTo({ url: "/pages/card/points" });
    },
    openTopUp() {
      wx.navigateTo({ url: "/pages/card/topup" });
    },
  },
});
