const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");
const { PAID_WITH, connection, coupon, order, payOrder, price } = require("./answers.js");

// 扫码买单's API: quotes priced from the choice (¥128, 满100减20, 300 points), orders made from it, paid as it signed.
function scanPayApi(over = {}) {
  const priced = ({ input }) => ({
    quote: {
      lines: [{ itemId: "amount", kind: "AMOUNT", name: "买单", unitPriceFen: input.amountFen, quantity: 1 }],
      price: price({
        listFen: input.amountFen,
        couponDiscountFen: input.couponId ? 2000 : 0,
        payableFen: input.amountFen - (input.couponId ? 2000 : 0),
        pointsUsed: input.usePoints ? 300 : 0,
        pointsFen: input.usePoints ? 300 : 0,
        dueFen: input.amountFen - (input.couponId ? 2000 : 0) - (input.usePoints ? 300 : 0),
      }),
    },
    userErrors: [],
  });
  const made = order({ id: "o-1", couponId: "c1", price: price({ dueFen: 10500 }) });
  const paid = { ...made, status: "PAID", paidAt: "2026-11-24T10:01:00+08:00" };
  return {
    myCoupons: connection([coupon()]),
    quoteOrder: priced,
    createOrder: { order: made, userErrors: [] },
    payOrder: payOrder(made),
    order: { order: paid, payments: [], refunds: [] },
    ...over,
  };
}

async function choose(page) {
  await page.fire(".amount", "change", "128");
  await page.tap(".coupon-c1");
  await page.fire(".points", "change", true);
}

test("扫码买单: each choice is priced by the API without making anything, and 确认支付 orders and pays it", async () => {
  // given the member's coupon that fits ¥128 at this store
  const { open, api, asked } = member(scanPayApi());
  const page = await open("pages/pay/index", { storeId: "store-3" });

  // when the member types 128, picks the coupon and switches points on
  await choose(page);

  // then every change was quoted, the page shows the last quote, and nothing was ordered yet
  assert.deepEqual(
    api.calls("quoteOrder").map((a) => a.input),
    [
      { storeId: "store-3", amountFen: 12800, couponId: null, usePoints: false },
      { storeId: "store-3", amountFen: 12800, couponId: "c1", usePoints: false },
      { storeId: "store-3", amountFen: 12800, couponId: "c1", usePoints: true },
    ],
  );
  assert.ok(page.text().includes("实付"), page.text());
  assert.ok(page.text().includes("¥105.00"));
  assert.deepEqual(api.calls("createOrder"), []);

  // when they tap 确认支付
  await page.tap(".pay");

  // then one order of exactly that choice was made under the tap's key, paid under the same key's pay step, and
  // WeChat Pay got the API's parameters
  const [made] = api.calls("createOrder");
  const key = made.input.idempotencyKey.replace(/:order$/, "");
  assert.deepEqual(made.input, {
    storeId: "store-3",
    amountFen: 12800,
    bookingId: null,
    topUpPlanId: null,
    couponId: "c1",
    usePoints: true,
    idempotencyKey: `${key}:order`,
  });
  assert.deepEqual(api.calls("payOrder").map((a) => a.input), [
    { orderId: "o-1", method: "WECHAT_PAY", idempotencyKey: `${key}:pay` },
  ]);
  assert.deepEqual(asked.requestPayment, [PAID_WITH]);
  assert.ok(page.text().includes("支付成功"));
});

test("扫码买单: a closed WeChat Pay sheet is paid again under the same key, and a changed choice gets a new one", async () => {
  // given a member who closes the first two WeChat Pay sheets
  let sheets = 0;
  const { open, api } = member(scanPayApi(), {
    wxAnswers: {
      requestPayment: () => {
        sheets += 1;
        if (sheets <= 2) throw new Error("cancel");
        return {};
      },
    },
  });
  const page = await open("pages/pay/index", { storeId: "store-3" });
  await choose(page);

  // when they tap 确认支付 twice, then put the coupon back and tap again
  await page.tap(".pay");
  await page.tap(".pay");
  await page.tap(".coupon-c1");
  await page.tap(".pay");

  // then both taps of the same choice sent the same key, and the changed choice a new one
  const keys = api.calls("createOrder").map((a) => a.input.idempotencyKey);
  assert.equal(keys.length, 3);
  assert.equal(keys[0], keys[1]);
  assert.notEqual(keys[1], keys[2]);
  assert.equal(api.calls("createOrder")[2].input.couponId, null);
  assert.ok(page.text().includes("支付成功"));
});

test("扫码买单 with no store named and one store prices at that store without asking", async () => {
  const stores = [{ id: "store-a", name: "静安店", timezone: "Asia/Shanghai" }];
  const { open, api } = member(scanPayApi({ stores }), { settings: { storeId: "" } });
  const page = await open("pages/pay/index");
  assert.ok(!page.has(".stores"));

  await page.fire(".amount", "change", "128");

  assert.equal(api.calls("quoteOrder")[0].input.storeId, "store-a");
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
