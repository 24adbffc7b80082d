// Paying the merchant from the mini-program: a member tops up with a plan that gives a bonus (充500送50), and
// another pays a 扫码买单 bill with a coupon after weighing quotes; each time the answer to the order is lost once
// on the way back, and the retry under the same key orders nothing twice.

const assert = require("node:assert/strict");
const { test } = require("node:test");

const { myCard, myLedger } = require("../../lib/card.js");
const { claim } = require("../../lib/coupons.js");
const { idempotencyKey } = require("../../lib/graphql.js");
const { myOrders, waitUntilPaid } = require("../../lib/orders.js");
const scanpay = require("../../lib/scanpay.js");
const { start } = require("../../lib/session.js");
const { topUp, topUpPlans } = require("../../lib/topup.js");
const { journey, nodeWx } = require("./wx_node.js");

const given = journey();
const live = { skip: !given && "runs from tests/miniprogram/test_journeys.py against the live API" };

test("a top-up with bonus lands on the card, paid part and bonus, once", live, async () => {
  // given a member signed in on the 充值 page, its plans on show
  const wx = nodeWx({ user: "topper", sandboxUrl: given.sandboxUrl });
  const { client, ready } = start({ baseUrl: given.apiUrl, wx, merchantId: given.merchantId, retryDelayMs: 20 });
  await ready;
  const plans = await topUpPlans(client);
  const plan = plans.find((p) => p.name === "充500送50");
  assert.deepEqual([plan.payFen, plan.bonusFen], [50000, 5000]);

  // when they tap 立即充值 and the network loses the API's answer to the order once
  wx.loseAnswers("CreateOrder");
  const { order } = await topUp(client, wx, plan.id, idempotencyKey());
  const paid = await waitUntilPaid(client, order.id, { everyMs: 100, tries: 50 });

  // then the order was sent twice under one key, paid through WeChat Pay's sheet, and the card shows ¥550
  const orders = wx.calls.requests.filter((r) => r.operation === "CreateOrder");
  assert.equal(orders.length, 2);
  assert.equal(orders[0].variables.input.idempotencyKey, orders[1].variables.input.idempotencyKey);
  assert.equal(wx.calls.payments.length, 1);
  assert.equal(paid.status, "PAID");
  assert.equal(order.price.dueFen, 50000);
  const { card } = await myCard(client);
  assert.deepEqual([card.storedValue, card.storedValueBonus], [55000, 5000]);
  const { entries } = await myLedger(client, { account: "STORED_VALUE" });
  assert.deepEqual(
    entries.map((e) => [e.kind, e.amount, e.balanceAfter]),
    [["TOP_UP", 55000, 55000]],
  );
});

test("a 扫码买单 is quoted as the choice changes, made only on 确认支付, and charged what was quoted", live, async () => {
  // given a member at the store's pay page holding a 满100减20 coupon
  const wx = nodeWx({ user: "scanner", sandboxUrl: given.sandboxUrl });
  const { client, ready } = start({ baseUrl: given.apiUrl, wx, merchantId: given.merchantId, retryDelayMs: 20 });
  await ready;
  const held = await claim(client, given.templateId, idempotencyKey());

  // when they type ¥80 (below the coupon's threshold), then ¥150 and pick the coupon, then weigh it against none
  const storeId = given.storeId;
  assert.deepEqual(await scanpay.usableCoupons(client, { storeId, amountFen: 8000 }), []);
  const offered = await scanpay.usableCoupons(client, { storeId, amountFen: 15000 });
  const withCoupon = { storeId, amountFen: 15000, couponId: held.id };
  const quoted = await scanpay.quote(client, withCoupon);
  const without = await scanpay.quote(client, { storeId, amountFen: 15000 });

  // then the coupon is offered only for ¥150, takes ¥20 off, and nothing is made while they choose
  assert.deepEqual(
    offered.map((c) => c.id),
    [held.id],
  );
  assert.deepEqual([quoted.price.couponDiscountFen, quoted.price.dueFen], [2000, 13000]);
  assert.equal(without.price.dueFen, 15000);
  assert.deepEqual((await myOrders(client)).orders, []);

  // when they tap 确认支付 with the coupon and the network loses the API's answer to the order once
  wx.loseAnswers("CreateOrder");
  const { order } = await scanpay.pay(client, wx, withCoupon, idempotencyKey());
  const paid = await waitUntilPaid(client, order.id, { everyMs: 100, tries: 50 });

  // then one order under one key was charged exactly the quote, through WeChat Pay's sheet
  const orders = wx.calls.requests.filter((r) => r.operation === "CreateOrder");
  assert.equal(orders.length, 2);
  assert.equal(orders[0].variables.input.idempotencyKey, orders[1].variables.input.idempotencyKey);
  assert.deepEqual(order.price, quoted.price);
  assert.equal(wx.calls.payments.length, 1);
  assert.equal(paid.status, "PAID");
});
