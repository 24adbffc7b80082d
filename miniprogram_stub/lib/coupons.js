// Coupons in the member's hands (我的优惠券) by status, each with the redeem code staff scan (核销), and the claim
// page (领券) of a template someone shared.

const { CLAIM_COUPON, COUPON, COUPON_CLAIM_PAGE, MY_COUPONS } = require("./documents.js");
const { nodes } = require("./graphql.js");

/**
 * @typedef {{
 *   id: string, status: "ACTIVE"|"FORWARDING"|"REDEEMED"|"EXPIRED", validFrom: string, validTo: string,
 *   receivedAt: string, fromPack: boolean, lockedForOrder: boolean, redeemedAt: string|null,
 *   template: {id: string, title: string, description: string, terms: string, allStores: boolean,
 *              transferable: boolean, benefit: object, stores: {id: string, name: string}[]},
 *   pendingForward: {token: string, path: string, expiresAt: string|null}|null,
 *   redeemCode: {code: string, expiresAt: string}|null
 * }} Coupon
 */

/**
 * Pages of 20.
 * @param {{status?: "ACTIVE"|"FORWARDING"|"REDEEMED"|"EXPIRED", after?: string}} [page]
 * @returns {Promise<{coupons: Coupon[], hasNextPage: boolean, endCursor: string|null}>}
 */
async function myCoupons(client, { status = "ACTIVE", after = null } = {}) {
  const { myCoupons: connection } = await client.call(MY_COUPONS, { status, after });
  return { coupons: nodes(connection), ...connection.pageInfo };
}

/**
 * One of the member's coupons, e.g. to show a fresh redeem code when the last one expired.
 * @returns {Promise<Coupon|null>}
 */
async function coupon(client, couponId) {
  const { coupon: found } = await client.call(COUPON, { id: couponId });
  return found;
}

/**
 * @returns {Promise<{template: object, claimedByMe: number, blockedBy: {code: string, message: string}|null}|null>}
 *   null for an unknown template
 */
async function claimPage(client, templateId) {
  const { couponClaimPage } = await client.call(COUPON_CLAIM_PAGE, { templateId });
  return couponClaimPage;
}

/**
 * 领券.
 * @param {string} key one per tap on 领取
 * @returns {Promise<{id: string, status: string, validFrom: string, validTo: string, template: {id: string, title: string}}>}
 */
async function claim(client, templateId, key) {
  const payload = await client.mutate(CLAIM_COUPON, { input: { templateId, idempotencyKey: key } }, "claimCoupon");
  return payload.coupon;
}

module.exports = { claim, claimPage, coupon, myCoupons };
