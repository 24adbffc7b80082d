const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");
const { PAID_WITH, connection, coupon, order, payOrder, price } = require("./answers.js");

test("扫码买单: the amount, a coupon and points are priced by the API, and paying opens WeChat Pay as it signed", async () => {
  // given the member's coupon that fits ¥128 at this store, and the API's quotes
  const quoted = (input) =>
    order({
      id: `o-${input.couponId || "none"}-${input.usePoints}`,
      couponId: input.couponId,
      price: price({ listFen: 12800, couponDiscountFen: input.couponId ? 2000 : 0, payableFen: 10800, pointsUsed: input.usePoints ? 300 : 0, pointsFen: input.usePoints ? 300 : 0, dueFen: input.usePoints ? 10500 : 10800 }),
    });
  const paid = order({ id: "o-c1-true", status: "PAID", paidAt: "2026-11-24T10:01:00+08:00", price: price({ dueFen: 10500 }) });
  const { open, api, asked } = member({
    myCoupons: connection([coupon()]),
    createOrder: ({ input }) => ({ order: quoted(input), userErrors: [] }),
    closeOrder: ({ input }) => ({ order: order({ id: input.orderId, status: "CLOSED" }), userErrors: [] }),
    payOrder: payOrder(order({ id: "o-c1-true" })),
    order: { order: paid, payments: [], refunds: [] },
  });
  const page = await open("pages/pay/index", { storeId: "store-3" });

  // when the member types 128, picks the coupon and switches points on, then pays
  await page.fire(".amount", "change", "128");
  await page.tap(".coupon-c1");
  await page.fire(".points", "change", true);
  assert.ok(page.text().includes("实付"), page.text());
  assert.ok(page.text().includes("¥105.00"));
  await page.tap(".pay");

  // then the last quote carried that choice, the superseded one was closed, and WeChat Pay got the API's
  // parameters for the order shown
  const last = api.calls("createOrder").at(-1).input;
  assert.deepEqual({ ...last, idempotencyKey: "k" }, {
    storeId: "store-3",
    amountFen: 12800,
    bookingId: null,
    topUpPlanId: null,
    couponId: "c1",
    usePoints: true,
    idempotencyKey: "k",
  });
  assert.deepEqual(api.calls("closeOrder"), [{ input: { orderId: "o-c1-false" } }]);
  assert.equal(api.calls("payOrder")[0].input.orderId, "o-c1-true");
  assert.equal(api.calls("payOrder")[0].input.method, "WECHAT_PAY");
  assert.deepEqual(asked.requestPayment, [PAID_WITH]);
  assert.ok(page.text().includes("支付成功"));
});

test("充值: a plan is ordered and paid with the API's parameters, and the page waits for it to read PAID", async () => {
  const plan = { id: "plan-500", name: "充500送50", payFen: 50000, bonusFen: 5000, active: true };
  const topUp = order({ id: "o-top", kind: "TOP_UP", source: "TOP_UP", price: price({ listFen: 50000, payableFen: 50000, dueFen: 50000 }) });
  const { open, api, asked } = member({
    topUpPlans: connection([plan, { ...plan, id: "old", name: "旧方案", active: false }]),
    createOrder: { order: topUp, userErrors: [] },
    payOrder: payOrder(topUp),
    order: { order: { ...topUp, status: "PAID" }, payments: [], refunds: [] },
  });
  const page = await open("pages/card/topup");
  assert.ok(page.text().includes("充 ¥500.00 送 ¥50.00"));
  assert.ok(!page.text().includes("旧方案"));

  await page.tap(".buy-plan-500");

  assert.equal(api.calls("createOrder")[0].input.topUpPlanId, "plan-500");
  assert.deepEqual(asked.requestPayment, [PAID_WITH]);
  assert.deepEqual(api.calls("order"), [{ id: "o-top" }]);
  assert.deepEqual(asked.showToast.map((t) => t.title), ["充值成功"]);
});

test("a payment the member backs out of says so and a second tap pays under the same key", async () => {
  const plan = { id: "plan-100", name: "充100", payFen: 10000, bonusFen: 0, active: true };
  const topUp = order({ id: "o-top", kind: "TOP_UP", source: "TOP_UP" });
  let sheets = 0;
  const { open, api, asked } = member(
    {
      topUpPlans: connection([plan]),
      createOrder: { order: topUp, userErrors: [] },
      payOrder: payOrder(topUp),
      order: { order: { ...topUp, status: "PAID" }, payments: [], refunds: [] },
    },
    {
      wxAnswers: {
        requestPayment: () => {
          sheets += 1;
          if (sheets === 1) throw new Error("cancel");
          return {};
        },
      },
    },
  );
  const page = await open("pages/card/topup");

  await page.tap(".buy-plan-100");
  await page.tap(".buy-plan-100");

  assert.equal(asked.showToast[0].title, "已取消支付");
  const keys = api.calls("payOrder").map((a) => a.input.idempotencyKey);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1]);
});

test("我的订单 shows each order's kind, store, amount in yuan and refunds", async () => {
  const { open } = member({
    myOrders: connection([order({ status: "PARTIALLY_REFUNDED", refundedFen: 2000, price: price({ payableFen: 8800 }) })]),
  });

  const page = await open("pages/orders/index");

  for (const shown of ["静安店 · 消费", "部分退款", "¥88.00", "已退款 ¥20.00"]) assert.ok(page.text().includes(shown), shown);
});
