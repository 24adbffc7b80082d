// 充值: the plans on offer (pay ¥500, get ¥50 more), and buying one with WeChat Pay; the stored value lands once
// the payment's notification reaches the API, which the page waits for before saying so.
const { idempotencyKey } = require("../../lib/graphql.js");
const { waitUntilPaid } = require("../../lib/orders.js");
const { topUp, topUpPlans } = require("../../lib/topup.js");
const { call, toast } = require("../call.js");

Component({
  data: { plans: [], loading: true },
  methods: {
    async onLoad() {
      const plans = await call(this, (client) => topUpPlans(client));
      this.setData({ plans: plans || [] });
    },
    async buy(event) {
      const planId = event.currentTarget.dataset.id;
      // One key per plan tapped, kept until it is paid: a retry orders and pays nothing twice.
      if (this.planId !== planId) this.key = null;
      this.planId = planId;
      this.key = this.key || idempotencyKey();
      const paid = await call(
        this,
        async (client) => {
          const { order } = await topUp(client, wx, planId, this.key);
          return waitUntilPaid(client, order.id);
        },
        { flag: "working" },
      );
      if (!paid) return;
      this.key = null;
      toast("充值成功");
      wx.navigateBack({ delta: 1 });
    },
  },
});
