// 注销账号: says what closing does, lists in Chinese whatever must settle first, and closes only after the member
// confirms twice.
const { accountClosing, closeMyAccount } = require("../../lib/account.js");
const { call } = require("../call.js");

Component({
  data: { check: null, forfeits: false, closed: false, loading: true, working: false },
  methods: {
    async onLoad() {
      await this.load();
    },
    async load() {
      const check = await call(this, (client) => accountClosing(client));
      if (!check) return;
      const forfeits = Boolean(
        check.forfeitedPoints || check.forfeitedStoredValueBonus || check.forfeitedCommissionsFen,
      );
      this.setData({ check, forfeits });
    },
    async close() {
      // The button is disabled then; a tap that reaches here anyway must not close what the API would refuse.
      if (!this.data.check || this.data.check.blockers.length) return;
      const first = await wx.showModal({ title: "注销账号", content: "注销后账号无法恢复，确定继续吗？" });
      if (!first.confirm) return;
      const second = await wx.showModal({
        title: "再次确认",
        content: "您的个人信息将被删除，积分、赠送余额和未发放的分红将作废。确定注销？",
        confirmText: "确定注销",
        confirmColor: "#ee0a24",
      });
      if (!second.confirm) return;
      const closedAt = await call(this, (client) => closeMyAccount(client), { flag: "working" });
      if (closedAt) this.setData({ closed: true });
    },
  },
});
