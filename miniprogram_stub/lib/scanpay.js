// 扫码买单: the member scans the store's code, types the amount, picks a coupon and whether to use points; the API
// quotes that choice (level discount, coupon, points: its rules, not a copy here) without making anything, so the
// choice can change freely. Only the tap on 确认支付 makes the order and pays it (WeChat Pay or stored value).

const { CREATE_ORDER, QUOTE_ORDER } = require("./documents.js");
const { myCoupons } = require("./coupons.js");
const { payloadOf, stepKey } = require("./graphql.js");
const { payWithStoredValue, payWithWeChat } = require("./pay.js");

// The coupon list comes in pages of 20; a member rarely holds more than a few, so five pages is every one in
// practice while a runaway list still costs a bounded number of calls.
const COUPON_PAGES = 5;

/**
 * The member's ACTIVE coupons that can take money off this amount at this store (满减 / 折扣, threshold met, not
 * held by another unpaid order), from their first 100 active coupons.
 * @param {{storeId: string, amountFen: number}} choice
 * @returns {Promise<object[]>} coupons as coupons.myCoupons returns them
 */
async function usableCoupons(client, { storeId, amountFen }) {
  const held = [];
  let after = null;
  for (let page = 0; page < COUPON_PAGES; page += 1) {
    const { coupons, hasNextPage, endCursor } = await myCoupons(client, { status: "ACTIVE", after });
    held.push(...coupons);
    if (!hasNextPage) break;
    after = endCursor;
  }
  return held.filter(
    (c) =>
      !c.lockedForOrder &&
      (c.template.benefit.kind === "AMOUNT_OFF" || c.template.benefit.kind === "PERCENT_OFF") &&
      c.template.benefit.minimumSpendFen <= amountFen &&
      (c.template.allStores || c.template.stores.some((s) => s.id === storeId)),
  );
}

/**
 * Prices a choice; nothing is made and the coupon is not held. The page shows `price` (list, level discount,
 * coupon, points, due) and asks again whenever the amount, coupon or points switch changes. A choice the API
 * refuses (a coupon below its threshold…) throws the ApiError createOrder would, with the field at fault.
 * @param {{storeId: string, amountFen: number, couponId?: string|null, usePoints?: boolean}} choice
 * @returns {Promise<{lines: object[], price: {listFen: number, levelDiscountFen: number, couponDiscountFen: number,
 *   payableFen: number, pointsUsed: number, pointsFen: number, dueFen: number, prepaidFen: number}}>}
 */
async function quote(client, { storeId, amountFen, couponId = null, usePoints = false }) {
  const input = { storeId, amountFen, couponId, usePoints };
  const { quoteOrder } = await client.call(QUOTE_ORDER, { input });
  const { quote: priced } = payloadOf(quoteOrder);
  return priced;
}

/**
 * 确认支付: makes the order of the quoted choice and pays it. Keep the key while the choice stays the same: after
 * a dropped network or a closed WeChat Pay sheet, tapping again with it finds the same order and the same payment
 * (the sheet opens again); a changed choice is a new intent with a new key.
 * @param {{storeId: string, amountFen: number, couponId?: string|null, usePoints?: boolean}} choice
 * @param {string} key one per tap on 确认支付, kept across retries of that tap
 * @param {{method?: "WECHAT_PAY"|"STORED_VALUE"}} [options]
 * @returns {Promise<{order: object, paid: {id: string, status: string, paidAt: string|null, price: {dueFen: number}}}>}
 *   order: the order made, with its price; paid: the order after paying (PAID at once for stored value; WeChat
 *   Pay's turns PAID when its notification arrives, see orders.waitUntilPaid)
 */
async function pay(client, wx, choice, key, { method = "WECHAT_PAY" } = {}) {
  const { storeId, amountFen, couponId = null, usePoints = false } = choice;
  const input = { storeId, amountFen, couponId, usePoints, idempotencyKey: stepKey(key, "order") };
  const { order } = await client.mutate(CREATE_ORDER, { input }, "createOrder");
  const paid =
    method === "STORED_VALUE"
      ? await payWithStoredValue(client, order.id, stepKey(key, "pay"))
      : await payWithWeChat(client, wx, order.id, stepKey(key, "pay"));
  return { order, paid: paid.order };
}

module.exports = { pay, quote, usableCoupons };
