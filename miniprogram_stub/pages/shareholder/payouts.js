// 提现记录: the member's payouts; one with transfers waiting is confirmed here, each transfer through
// wx.requestMerchantTransfer with exactly what the API returned (WeChat returns an unconfirmed one after a day).
const { myPayouts, receivePayout } = require("../../lib/shareholder.js");
const { PAYOUT_STATUS } = require("../../components/labels.js");
const { call, toast } = require("../call.js");

Component({
  data: { payouts: [], loading: true },
  methods: {
    async onShow() {
      const found = await call(this, (client) => myPayouts(client));
      if (found) this.setData({ payouts: found.payouts.map((p) => ({ ...p, statusText: PAYOUT_STATUS[p.status] })) });
    },
    async receive(event) {
      const payoutId = event.currentTarget.dataset.id;
      const done = await call(this, (client) => receivePayout(client, wx, payoutId), { flag: "working" });
      if (!done) return;
      toast("已确认收款");
      await this.onShow();
    },
  },
});
