// Signing in: wx.login's one-time code exchanged for a session, carrying the share link or QR scene the app was
// opened with, so whoever brought the member in is bound as their upline on this first touch; later share links
// opened while signed in are reported as touches. A refused refresh signs in again through the same function,
// and nothing navigates, so the member stays on the page they were on.

const { LOGIN, RECORD_SHARE_TOUCH, UPDATE_PROFILE } = require("./documents.js");
const { createClient, payloadOf } = require("./graphql.js");
const { loginCode } = require("./wechat.js");

/**
 * What the launch carried: a share path's query (?r=… / ?s=… / ?m=…), a mini-program code's scene (r=…, m=…,
 * s=…), or the link a plain QR code holds (q, URL-encoded: https://…?s=…), which the API reads the code out of.
 * @param {{query?: object}} launch wx's launch / show options (or a page's onLoad query)
 * @returns {string|null}
 */
function shareParams(launch) {
  const query = (launch && launch.query) || {};
  if (query.scene) return decodeURIComponent(query.scene);
  if (query.q) return decodeURIComponent(query.q);
  const keys = ["r", "m", "s"].filter((k) => query[k]);
  return keys.length ? keys.map((k) => `${k}=${query[k]}`).join("&") : null;
}

/**
 * Signs in and keeps the session in storage.
 * @param {object} client from createClient
 * @param {object} wx
 * @param {{merchantId: string, launch?: object, deviceId?: string}} options
 * @returns {Promise<{memberId: string, nickname: string|null, created: boolean, privacy: {agreed: boolean}}>}
 */
async function signIn(client, wx, { merchantId, launch = null, deviceId = null }) {
  const input = { code: await loginCode(wx), channel: "WECHAT", merchantId, shareParams: shareParams(launch) };
  if (deviceId) input.deviceId = deviceId;
  const { login } = await client.call(LOGIN, { input }, { anonymous: true });
  const { session, member, created, privacy } = payloadOf(login);
  client.keep(session);
  return { memberId: member.id, nickname: member.nickname, created, privacy };
}

/**
 * The app's one client, signing in at launch: `ready` settles once the member is signed in (pages await it), and
 * a refresh the API refuses later signs in again the same way.
 * @param {{baseUrl: string, wx: object, merchantId: string, launch?: object, retryDelayMs?: number}} options
 * @returns {{client: object, ready: Promise<{memberId: string, nickname: string|null, created: boolean}>}}
 */
function start({ baseUrl, wx, merchantId, launch = null, retryDelayMs }) {
  const options = { baseUrl, wx, signIn: () => signIn(client, wx, { merchantId, launch }) };
  if (retryDelayMs !== undefined) options.retryDelayMs = retryDelayMs;
  const client = createClient(options);
  return { client, ready: signIn(client, wx, { merchantId, launch }) };
}

/**
 * A share link or QR code opened while already signed in (App.onShow, or a landing page's onLoad).
 * @returns {Promise<{bound: boolean}>} bound: this touch made the sharer the member's upline
 */
async function recordShareTouch(client, launch) {
  const params = shareParams(launch);
  if (!params) return { bound: false };
  const payload = await client.mutate(RECORD_SHARE_TOUCH, { input: { shareParams: params } }, "recordShareTouch");
  return { bound: payload.bound };
}

/**
 * @param {{nickname?: string, birthday?: string, phoneCode?: string}} changes birthday as 2000-01-31
 * @returns {Promise<{id: string, nickname: string|null, card: {birthday: string|null, phone: string|null}|null}>}
 */
async function updateProfile(client, changes) {
  const payload = await client.mutate(UPDATE_PROFILE, { input: changes }, "updateProfile");
  return payload.member;
}

module.exports = { recordShareTouch, shareParams, signIn, start, updateProfile };
