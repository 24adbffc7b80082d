// Forwarding a coupon to a friend (转赠): the share card onShareAppMessage returns carries the path the API made,
// the friend's landing page previews it and accepts it, and the sender may take back a forward nobody accepted.

const { ACCEPT_COUPON, COUPON_FORWARD, FORWARD_COUPON, RECALL_COUPON } = require("./documents.js");

/**
 * What onShareAppMessage returns for a coupon; sharing the same coupon again returns the same link.
 * @returns {Promise<{title: string, path: string, token: string, expiresAt: string|null,
 *   coupon: {id: string, status: string, template: {id: string, title: string}}}>}
 */
async function forwardCoupon(client, couponId) {
  const { share, coupon } = await client.mutate(FORWARD_COUPON, { input: { couponId } }, "forwardCoupon");
  return { title: `送你一张${coupon.template.title}`, path: share.path, token: share.token, expiresAt: share.expiresAt, coupon };
}

/**
 * The friend's landing page.
 * @returns {Promise<{template: object, senderNickname: string, expiresAt: string,
 *   blockedBy: {code: string, message: string}|null}|null>} null for an unknown link
 */
async function forwardPreview(client, token) {
  const { couponForward } = await client.call(COUPON_FORWARD, { token });
  return couponForward;
}

/**
 * @returns {Promise<{id: string, status: string, validFrom: string, validTo: string, template: {id: string, title: string}}>}
 */
async function acceptForward(client, token) {
  const { coupon } = await client.mutate(ACCEPT_COUPON, { input: { token } }, "acceptCoupon");
  return coupon;
}

/**
 * @returns {Promise<{id: string, status: string, template: {id: string, title: string}}>} ACTIVE again
 */
async function recallForward(client, couponId) {
  const { coupon } = await client.mutate(RECALL_COUPON, { input: { couponId } }, "recallCoupon");
  return coupon;
}

module.exports = { acceptForward, forwardCoupon, forwardPreview, recallForward };
