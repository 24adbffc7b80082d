// 我的分红: the shareholder's figures (commission totals, downline, network revenue, recent commissions, the
// friends who earned most), the share code (a 小程序码 image and its path), and payouts waiting for the member
// to confirm each transfer with wx.requestMerchantTransfer.

const { MY_PAYOUTS, MY_SHARE_CODE, MY_SHAREHOLDER, RECEIVE_PAYOUT } = require("./documents.js");
const { nodes, payloadOf } = require("./graphql.js");
const { requestMerchantTransfer } = require("./wechat.js");

/**
 * @typedef {{id: string, status: "PROCESSING"|"PAID"|"PARTIALLY_PAID"|"FAILED", amountFen: number, paidFen: number,
 *   commissions: number, waitingTransfers: number, failureReason: string|null, createdAt: string,
 *   settledAt: string|null}} Payout
 */

/**
 * @param {{granularity?: "DAY"|"MONTH", from?: string|null, to?: string|null}} [period]
 * @returns {Promise<{active: boolean, appointedAt: string|null,
 *   program: {name: string, level1RateBp: number, level2RateBp: number, freezeDays: number,
 *             payoutMinimumFen: number}|null,
 *   totals: {pendingFen: number, availableFen: number, inReviewFen: number, paidFen: number, owedFen: number},
 *   downline: {level1: number, level2: number},
 *   networkRevenue: {period: string, level1Fen: number, level2Fen: number, orders: number}[],
 *   recentCommissions: {id: string, amountFen: number, accruedFen: number, level: number, status: string,
 *                       friendName: string, orderPaidAt: string, availableAt: string}[],
 *   friendContributions: {friendName: string, level: number, commissionFen: number, orders: number}[]}>}
 */
async function myShareholder(client, { granularity = "MONTH", from = null, to = null } = {}) {
  const { myShareholder: figures } = await client.call(MY_SHAREHOLDER, { granularity, from, to });
  return figures;
}

/**
 * The member's share code: `path` for a share card, `imageDataUrl` (PNG data URL) for <image src>.
 * @returns {Promise<{code: string, path: string, scene: string, imageDataUrl: string, qrLink: string|null}>}
 */
async function myShareCode(client) {
  const { myShareCode: payload } = await client.call(MY_SHARE_CODE);
  return payloadOf(payload).shareCode;
}

/**
 * @param {{first?: number, after?: string}} [page]
 * @returns {Promise<{payouts: Payout[], waiting: Payout[], hasNextPage: boolean, endCursor: string|null}>}
 *   waiting: those with transfers for the member to confirm
 */
async function myPayouts(client, { first = 20, after = null } = {}) {
  const { myPayouts: connection } = await client.call(MY_PAYOUTS, { first, after });
  const payouts = nodes(connection);
  return { payouts, waiting: payouts.filter((p) => p.waitingTransfers > 0), ...connection.pageInfo };
}

/**
 * Confirms a waiting payout: each of its transfers through wx.requestMerchantTransfer, in order, with the
 * parameters the API returned.
 * @returns {Promise<{payout: Payout, confirmed: number}>} confirmed: transfers the member confirmed
 * @throws {ApiError} TRANSFER_CANCELLED / TRANSFER_FAILED from WeChat, or the API's userError
 */
async function receivePayout(client, wx, payoutId) {
  const { payout, transfers } = await client.mutate(RECEIVE_PAYOUT, { input: { payoutId } }, "receivePayout");
  let confirmed = 0;
  for (const transfer of transfers) {
    await requestMerchantTransfer(wx, transfer);
    confirmed += 1;
  }
  return { payout, confirmed };
}

module.exports = { myPayouts, myShareCode, myShareholder, receivePayout };
