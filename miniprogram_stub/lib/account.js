// 注销账号: what stands in the way of closing the account and what closing gives up, then closing it for good
// (the session is forgotten: its member no longer exists).

const { ACCOUNT_CLOSING, CLOSE_MY_ACCOUNT } = require("./documents.js");

/**
 * @typedef {{blockers: {code: string, message: string}[], forfeitedPoints: number,
 *   forfeitedStoredValueBonus: number, forfeitedCommissionsFen: number}} AccountClosing
 */

/** @returns {Promise<AccountClosing>} */
async function accountClosing(client) {
  const { accountClosing: found } = await client.call(ACCOUNT_CLOSING);
  return found;
}

/**
 * @param {string} [reason] why, if the member says
 * @returns {Promise<string>} when it closed
 */
async function closeMyAccount(client, reason = null) {
  const { closedAt } = await client.mutate(CLOSE_MY_ACCOUNT, { input: { reason } }, "closeMyAccount");
  client.forget();
  return closedAt;
}

module.exports = { accountClosing, closeMyAccount };
