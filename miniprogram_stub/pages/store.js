// Which store a booking, queue or 扫码买单 page is for: the one its QR code or link named, else the app's
// configured one, else one the member picks from the merchant's stores (the only one, without asking).

const { merchantStores } = require("../lib/stores.js");
const { call } = require("./call.js");

/**
 * Resolves to the store's id, or to null after putting the merchant's stores in the page's `stores` data for the
 * member to pick one (the page's pickStore then carries on) or after showing why they could not be read.
 * @param {object} page the Component instance
 * @param {object} [query] the page's query: storeId, or s from a short QR link
 */
async function storeFor(page, query) {
  const named = (query && (query.storeId || query.s)) || getApp().settings.storeId;
  if (named) return named;
  const stores = await call(page, (client) => merchantStores(client));
  if (!stores) return null;
  if (stores.length === 1) return stores[0].id;
  page.setData({ stores });
  return null;
}

module.exports = { storeFor };
