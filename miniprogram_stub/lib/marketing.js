// 接收营销消息: the member's marketing consent, separate from the privacy policy and revocable at any time:
// whether they receive marketing messages at all, and whether marketing may come by SMS.

const { MARKETING_CONSENT, SET_MARKETING_CONSENT } = require("./documents.js");

/**
 * @typedef {{stopped: boolean, smsAgreed: boolean}} MarketingConsent
 */

/** @returns {Promise<MarketingConsent>} */
async function marketingConsent(client) {
  const { me } = await client.call(MARKETING_CONSENT);
  return me.marketingConsent;
}

/**
 * Changes what is named; the other switch stays as it is.
 * @param {{stopped?: boolean, smsAgreed?: boolean}} change
 * @returns {Promise<{marketingConsent: MarketingConsent|null, userErrors: object[]}>}
 */
async function setMarketingConsent(client, change) {
  return client.mutate(SET_MARKETING_CONSENT, { input: change }, "setMarketingConsent");
}

module.exports = { marketingConsent, setMarketingConsent };
