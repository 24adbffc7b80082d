// Coupons in the member's hands: claiming one (领券), forwarding one to a friend through a WeChat share card, and
// the friend accepting it from the card's path.

import { ACCEPT_COUPON, CLAIM_COUPON, FORWARD_COUPON } from "./documents.js";

export async function claim(client, templateId, key) {
  const { claimCoupon } = await client.call(CLAIM_COUPON, { input: { templateId, idempotencyKey: key } });
  return claimCoupon;
}

// What onShareAppMessage returns: the card's title and the path the friend opens (it carries the forward token).
export async function shareCard(client, couponId) {
  const { forwardCoupon } = await client.call(FORWARD_COUPON, { input: { couponId } });
  if (forwardCoupon.userErrors.length) return { userErrors: forwardCoupon.userErrors };
  return { title: `送你一张${forwardCoupon.coupon.template.title}`, path: forwardCoupon.share.path, userErrors: [] };
}

export async function accept(client, token) {
  const { acceptCoupon } = await client.call(ACCEPT_COUPON, { input: { token } });
  return acceptCoupon;
}
