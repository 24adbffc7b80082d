// The merchant's stores, for booking, the queue and 扫码买单 to offer a choice when no store QR code (and no
// configured store) named one.

const { STORES } = require("./documents.js");

/**
 * @typedef {{id: string, name: string, timezone: string}} Store
 */

/**
 * The member's merchant's stores, oldest first.
 * @returns {Promise<Store[]>}
 */
async function merchantStores(client) {
  const { stores } = await client.call(STORES);
  return stores;
}

module.exports = { merchantStores };
