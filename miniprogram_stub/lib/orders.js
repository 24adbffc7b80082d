// The member's orders (我的订单): the list, one order with its payments and refunds, and waiting for an order to
// read PAID once WeChat Pay's notification has reached the API.

const { MY_ORDERS, ORDER } = require("./documents.js");
const { ApiError, nodes } = require("./graphql.js");

/**
 * @typedef {{
 *   id: string, kind: "CONSUMPTION"|"TOP_UP"|"DEPOSIT", source: string, status: string, storeId: string,
 *   storeName: string, couponId: string|null, bookingId: string|null, refundedFen: number, createdAt: string,
 *   paidAt: string|null, lines: object[],
 *   price: {listFen: number, levelDiscountFen: number, couponDiscountFen: number, payableFen: number,
 *           pointsUsed: number, pointsFen: number, dueFen: number, prepaidFen: number}
 * }} Order
 */

/**
 * Pages of 20.
 * @param {{after?: string}} [page]
 * @returns {Promise<{orders: Order[], hasNextPage: boolean, endCursor: string|null}>}
 */
async function myOrders(client, { after = null } = {}) {
  const { myOrders: connection } = await client.call(MY_ORDERS, { after });
  return { orders: nodes(connection), ...connection.pageInfo };
}

/**
 * @returns {Promise<{order: Order, payments: object[], refunds: object[]}|null>} null for an order not the member's
 */
async function orderDetail(client, orderId) {
  const { order } = await client.call(ORDER, { id: orderId });
  return order;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks until the order reads PAID (after wx.requestPayment succeeded the notification may lag a moment).
 * @param {{tries?: number, everyMs?: number}} [options]
 * @returns {Promise<Order>}
 * @throws {ApiError} code PAYMENT_PENDING when it is still unpaid after the tries
 */
async function waitUntilPaid(client, orderId, { tries = 10, everyMs = 1000 } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    const detail = await orderDetail(client, orderId);
    if (detail && detail.order.status !== "PENDING" && detail.order.status !== "CLOSED") return detail.order;
    if (attempt >= tries) throw new ApiError("支付结果确认中，请稍后在订单中查看", { code: "PAYMENT_PENDING" });
    await pause(everyMs);
  }
}

module.exports = { myOrders, orderDetail, waitUntilPaid };
