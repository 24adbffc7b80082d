// 扫码买单: the member scans the store's code, types the amount, picks a coupon and whether to use points; the API
// prices that choice as a PENDING order (level discount, coupon, points: its rules, not a copy here), and paying
// it opens WeChat Pay (or takes stored value). A changed choice closes the old quote so its coupon is free again.

const { CREATE_ORDER } = require("./documents.js");
const { myCoupons } = require("./coupons.js");
const { closeOrder, payWithStoredValue, payWithWeChat } = require("./pay.js");

/**
 * The member's ACTIVE coupons that can take money off this amount at this store (满减 / 折扣, threshold met, not
 * held by another unpaid order), from the first page of 20.
 * @param {{storeId: string, amountFen: number}} choice
 * @returns {Promise<object[]>} coupons as coupons.myCoupons returns them
 */
async function usableCoupons(client, { storeId, amountFen }) {
  const { coupons } = await myCoupons(client, { status: "ACTIVE" });
  return coupons.filter(
    (c) =>
      !c.lockedForOrder &&
      (c.template.benefit.kind === "AMOUNT_OFF" || c.template.benefit.kind === "PERCENT_OFF") &&
      c.template.benefit.minimumSpendFen <= amountFen &&
      (c.template.allStores || c.template.stores.some((s) => s.id === storeId)),
  );
}

/**
 * Prices a choice as a PENDING order; the page shows `order.price` (list, level discount, coupon, points, due).
 * @param {{storeId: string, amountFen: number, couponId?: string|null, usePoints?: boolean}} choice
 * @param {string} key one per choice (a changed amount, coupon or points switch is a new intent, a new key)
 * @param {{replacing?: string|null}} [options] the previous quote's order id, closed first
 * @returns {Promise<{id: string, status: string, price: {listFen: number, levelDiscountFen: number,
 *   couponDiscountFen: number, payableFen: number, pointsUsed: number, pointsFen: number, dueFen: number,
 *   prepaidFen: number}, couponId: string|null}>}
 */
async function quote(client, { storeId, amountFen, couponId = null, usePoints = false }, key, { replacing = null } = {}) {
  if (replacing) await closeOrder(client, replacing);
  const input = { storeId, amountFen, couponId, usePoints, idempotencyKey: key };
  const { order } = await client.mutate(CREATE_ORDER, { input }, "createOrder");
  return order;
}

/**
 * Pays the quoted order.
 * @param {string} key one per tap on 确认支付
 * @param {{method?: "WECHAT_PAY"|"STORED_VALUE"}} [options]
 * @returns {Promise<{order: {id: string, status: string, paidAt: string|null, price: {dueFen: number}}}>}
 */
async function pay(client, wx, orderId, key, { method = "WECHAT_PAY" } = {}) {
  const paid =
    method === "STORED_VALUE"
      ? await payWithStoredValue(client, orderId, key)
      : await payWithWeChat(client, wx, orderId, key);
  return { order: paid.order };
}

module.exports = { pay, quote, usableCoupons };
