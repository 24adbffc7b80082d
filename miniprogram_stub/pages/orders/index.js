// 我的订单: the member's orders, newest first — what kind, where, what was paid and what was refunded.
const { myOrders } = require("../../lib/orders.js");
const { ORDER_KIND, ORDER_STATUS } = require("../../components/labels.js");
const { call } = require("../call.js");

Component({
  data: { orders: [], loading: true },
  methods: {
    async onShow() {
      const found = await call(this, (client) => myOrders(client));
      if (!found) return;
      const orders = found.orders.map((o) => ({ ...o, kindText: ORDER_KIND[o.kind], statusText: ORDER_STATUS[o.status] }));
      this.setData({ orders });
    },
  },
});
