// Paying an order the API made (a deposit, a top-up, 扫码买单): payOrder under the intent's key, then WeChat Pay
// with exactly the parameters the API signed. The order turns PAID when the payment's notification reaches the
// API, so a page that must show PAID asks again (orders.waitUntilPaid).

const { CLOSE_ORDER, PAY_ORDER } = require("./documents.js");
const { requestPayment } = require("./wechat.js");

/**
 * @typedef {{id: string, status: string, paidAt: string|null, price: {dueFen: number}}} PaidOrder
 */

/**
 * Pays with WeChat Pay; nothing to pay (points and coupon covered it) settles at once without the sheet.
 * @param {string} key the intent's idempotency key: the same key on a retry returns the same payment
 * @returns {Promise<{order: PaidOrder, paymentId: string|null, wechatPay: object|null}>}
 */
async function payWithWeChat(client, wx, orderId, key) {
  const paid = await client.mutate(
    PAY_ORDER,
    { input: { orderId, method: "WECHAT_PAY", idempotencyKey: key } },
    "payOrder",
  );
  if (paid.wechatPay) await requestPayment(wx, paid.wechatPay);
  return { order: paid.order, paymentId: paid.payment && paid.payment.id, wechatPay: paid.wechatPay };
}

/**
 * Pays from the member's stored value (储值), settled at once.
 * @returns {Promise<{order: PaidOrder, paymentId: string|null}>}
 */
async function payWithStoredValue(client, orderId, key) {
  const paid = await client.mutate(
    PAY_ORDER,
    { input: { orderId, method: "STORED_VALUE", idempotencyKey: key } },
    "payOrder",
  );
  return { order: paid.order, paymentId: paid.payment && paid.payment.id };
}

/**
 * Drops an unpaid order; its coupon is free again.
 * @returns {Promise<{id: string, status: string}>}
 */
async function closeOrder(client, orderId) {
  const { order } = await client.mutate(CLOSE_ORDER, { input: { orderId } }, "closeOrder");
  return order;
}

module.exports = { closeOrder, payWithStoredValue, payWithWeChat };
