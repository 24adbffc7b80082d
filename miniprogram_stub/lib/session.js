// Signing in: wx.login's one-time code exchanged for a session, carrying the share link or QR scene the app was
// opened with, so whoever brought the member in is bound as their upline on this first touch.

import { LOGIN } from "./documents.js";

function wxLogin(wx) {
  return new Promise((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: reject }));
}

// What the launch carried: a share path's query (?r=… / ?s=…), a mini-program code's scene (r=…, m=…, s=…), or the
// link a plain QR code holds (q, URL-encoded: https://…?s=…), which the API reads the code out of.
export function shareParams(launch) {
  const query = (launch && launch.query) || {};
  if (query.scene) return decodeURIComponent(query.scene);
  if (query.q) return decodeURIComponent(query.q);
  const keys = ["r", "m", "s"].filter((k) => query[k]);
  return keys.length ? keys.map((k) => `${k}=${query[k]}`).join("&") : null;
}

export async function signIn(client, wx, { merchantId, launch }) {
  const input = { code: await wxLogin(wx), channel: "WECHAT", merchantId, shareParams: shareParams(launch) };
  const { login } = await client.call(LOGIN, { input });
  if (login.userErrors.length) throw new Error(login.userErrors[0].message);
  client.keep(login.session);
  return login.session;
}
