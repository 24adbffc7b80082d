// A member tops up with a plan that gives a bonus (充500送50) and pays with WeChat Pay; the answer to the order
// is lost once on the way back, and the retry under the same key orders nothing twice.

const assert = require("node:assert/strict");
const { test } = require("node:test");

const { myCard, myLedger } = require("../../lib/card.js");
const { idempotencyKey } = require("../../lib/graphql.js");
const { waitUntilPaid } = require("../../lib/orders.js");
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
