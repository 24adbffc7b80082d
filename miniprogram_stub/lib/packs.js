// Coupon packs (积客包): the packs the member holds, the share card of one (onShareAppMessage), and the friend's
// side: the landing page and taking one coupon, which also binds the friend under the sharer on a first touch.

const { CLAIM_FROM_PACK, COUPON_PACK, MY_COUPON_PACKS, SHARE_PACK } = require("./documents.js");
const { nodes } = require("./graphql.js");

/**
 * @typedef {{id: string, size: number, taken: number, remaining: number, sharedAt: string|null,
 *   template: {id: string, title: string}}} Pack
 */

/**
 * @param {{first?: number, after?: string}} [page]
 * @returns {Promise<{packs: Pack[], hasNextPage: boolean, endCursor: string|null}>}
 */
async function myPacks(client, { first = 20, after = null } = {}) {
  const { myCouponPacks } = await client.call(MY_COUPON_PACKS, { first, after });
  return { packs: nodes(myCouponPacks), ...myCouponPacks.pageInfo };
}

/**
 * What onShareAppMessage returns for a pack.
 * @returns {Promise<{title: string, path: string, token: string, pack: Pack}>}
 */
async function sharePack(client, packId) {
  const { share, pack } = await client.mutate(SHARE_PACK, { input: { packId } }, "sharePack");
  return { title: `${pack.template.title}，送你一张`, path: share.path, token: share.token, pack };
}

/**
 * The friend's landing page of a shared pack.
 * @returns {Promise<{pack: Pack, myCoupon: {id: string, status: string, validTo: string}|null,
 *   blockedBy: {code: string, message: string}|null}|null>} null for an unknown link
 */
async function packPreview(client, token) {
  const { couponPack } = await client.call(COUPON_PACK, { token });
  return couponPack;
}

/**
 * Takes one coupon; taking again returns the same one.
 * @returns {Promise<{id: string, status: string, validTo: string, fromPack: boolean, template: {id: string, title: string}}>}
 */
async function claimFromPack(client, token) {
  const { coupon } = await client.mutate(CLAIM_FROM_PACK, { input: { token } }, "claimFromPack");
  return coupon;
}

module.exports = { claimFromPack, myPacks, packPreview, sharePack };
