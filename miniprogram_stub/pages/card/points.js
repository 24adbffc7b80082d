// 积分明细: each change to the member's points, newest first (a POINTS_CHANGED notification opens it).
const { myLedger } = require("../../lib/card.js");
const { LEDGER_KIND } = require("../../components/labels.js");
const { call } = require("../call.js");

Component({
  data: { entries: [], loading: true },
  methods: {
    async onLoad() {
      const found = await call(this, (client) => myLedger(client, { account: "POINTS" }));
      if (found) this.setData({ entries: found.entries.map((e) => ({ ...e, kindText: LEDGER_KIND[e.kind] })) });
    },
  },
});
