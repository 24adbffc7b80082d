// The member API over wx.request: one POST per operation to /graphql/member, the signed-in member's bearer
// token, and one silent refresh when the API answers 401 (the 15-minute access token ran out). A refresh the API
// refuses (the refresh token was used twice, or expired) signs the member in again through `signIn`.

import { REFRESH_TOKEN } from "./documents.js";

const SESSION_KEY = "jike.session";

export class ApiError extends Error {
  constructor(message, status, errors = []) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

function post(wx, url, header, data) {
  return new Promise((resolve, reject) => {
    wx.request({ url, method: "POST", header, data, success: resolve, fail: reject });
  });
}

export function createClient({ baseUrl, wx, language = "zh", signIn }) {
  const session = () => wx.getStorageSync(SESSION_KEY) || null;
  const keep = (s) => wx.setStorageSync(SESSION_KEY, { accessToken: s.accessToken, refreshToken: s.refreshToken });

  async function send(query, variables, token) {
    const header = { "Content-Type": "application/json", "Accept-Language": language };
    if (token) header.Authorization = `Bearer ${token}`;
    return post(wx, `${baseUrl}/graphql/member`, header, { query, variables });
  }

  async function refreshed(current) {
    const res = await send(REFRESH_TOKEN, { input: { refreshToken: current.refreshToken } }, null);
    const next = res.statusCode === 200 && res.data.data && res.data.data.refreshToken.session;
    if (next) {
      keep(next);
      return next;
    }
    return signIn();
  }

  async function call(query, variables = {}) {
    let current = session();
    let res = await send(query, variables, current && current.accessToken);
    if (res.statusCode === 401 && current) {
      current = await refreshed(current);
      res = await send(query, variables, current.accessToken);
    }
    if (res.statusCode !== 200) throw new ApiError(`HTTP ${res.statusCode}`, res.statusCode);
    if (res.data.errors) throw new ApiError(res.data.errors[0].message, res.statusCode, res.data.errors);
    return res.data.data;
  }

  return { call, keep, session };
}

// One key per tap, kept by the caller across its retries, so a retried request makes nothing twice.
export function idempotencyKey() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
