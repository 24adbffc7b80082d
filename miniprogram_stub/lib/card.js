// The member card (会员卡): level, points, stored value and count cards, the ledger behind them, and the rotating
// member code staff scan, asked for again every minute (or sooner, at its expiry) while the card is on screen.

const { MEMBER_CODE, MY_CARD, MY_LEDGER } = require("./documents.js");
const { nodes } = require("./graphql.js");

/** How often the card page asks for a fresh member code. */
const MEMBER_CODE_REFRESH_MS = 60 * 1000;

/**
 * @typedef {{id: string, name: string, total: number, remaining: number, expiresAt: string}} CountCard
 * @typedef {{
 *   number: string, status: "ACTIVE"|"LOST",
 *   level: {id: string, name: string, thresholdFen: number, discountBp: number, pointsMultiplierBp: number},
 *   points: number, storedValue: number, storedValueBonus: number, lifetimePaidFen: number,
 *   countCards: CountCard[], birthday: string|null, phone: string|null
 * }} Card
 */

/**
 * @returns {Promise<{memberId: string, nickname: string|null, joinedAt: string, card: Card|null}>}
 */
async function myCard(client) {
  const { me } = await client.call(MY_CARD);
  return { memberId: me.id, nickname: me.nickname, joinedAt: me.joinedAt, card: me.card };
}

/**
 * A fresh member code (会员码), shown as a QR code and a barcode; each code works once.
 * @returns {Promise<{code: string, expiresAt: string}>}
 */
async function memberCode(client) {
  const { memberCode: code } = await client.call(MEMBER_CODE);
  return code;
}

/**
 * When to ask for the next code: in a minute, or at the code's expiry if that comes first.
 * @param {{expiresAt: string}} code
 * @param {number} [now] ms since the epoch
 * @returns {number} ms
 */
function memberCodeRefreshIn(code, now = Date.now()) {
  return Math.max(0, Math.min(MEMBER_CODE_REFRESH_MS, Date.parse(code.expiresAt) - now));
}

/**
 * The changes to the member's balances, newest first.
 * @param {{account?: "POINTS"|"STORED_VALUE"|"COUNT", first?: number, after?: string}} [page]
 * @returns {Promise<{entries: object[], hasNextPage: boolean, endCursor: string|null}>}
 */
async function myLedger(client, { account = null, first = 20, after = null } = {}) {
  const { me } = await client.call(MY_LEDGER, { account, first, after });
  return { entries: nodes(me.ledger), ...me.ledger.pageInfo };
}

module.exports = { MEMBER_CODE_REFRESH_MS, memberCode, memberCodeRefreshIn, myCard, myLedger };
