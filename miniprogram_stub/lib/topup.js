// 充值: the top-up plans on offer, and buying one: an order for the plan, paid with WeChat Pay; the stored value
// (paid part and bonus) lands on the card once the payment's notification reaches the API.

const { CREATE_ORDER, TOP_UP_PLANS } = require("./documents.js");
const { nodes, stepKey } = require("./graphql.js");
const { payWithWeChat } = require("./pay.js");

/**
 * @returns {Promise<{id: string, name: string, payFen: number, bonusFen: number, active: boolean}[]>} active ones
 */
async function topUpPlans(client) {
  const { topUpPlans: connection } = await client.call(TOP_UP_PLANS, { first: 50 });
  return nodes(connection).filter((plan) => plan.active);
}

/**
 * Orders a plan and pays it with WeChat Pay.
 * @param {string} key one per tap on 立即充值, kept across retries of that tap
 * @returns {Promise<{order: object, paid: {id: string, status: string}}>} order: the top-up order with its price
 */
async function topUp(client, wx, planId, key) {
  const { order } = await client.mutate(
    CREATE_ORDER,
    { input: { topUpPlanId: planId, idempotencyKey: stepKey(key, "order") } },
    "createOrder",
  );
  const paid = await payWithWeChat(client, wx, order.id, stepKey(key, "pay"));
  return { order, paid: paid.order };
}

module.exports = { topUp, topUpPlans };
