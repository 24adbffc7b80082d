// The member API over wx.request: one POST per operation to /graphql/member with the member's bearer token, one
// silent refresh when the API answers 401, sign-in again when the refresh is refused, and the same request sent
// again when the network drops it (its idempotency key inside, so the API makes nothing twice).
//
// Module format: CommonJS (require / module.exports) throughout lib/ and the pages, so the very same files run in
// WeChat DevTools, in miniprogram-simulate and in plain node; package.json has no "type": "module".

const { REFRESH_TOKEN } = require("./documents.js");

const SESSION_KEY = "jike.session";

/**
 * What a page shows when a call fails: the API's own message and code (a userError's, or a GraphQL error's
 * extensions code), `field` when the API named the input at fault.
 */
class ApiError extends Error {
  /**
   * @param {string} message shown to the member as it is
   * @param {{code?: string, field?: string|null, status?: number, errors?: object[]}} [details]
   */
  constructor(message, { code = "API_ERROR", field = null, status = 200, errors = [] } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.field = field;
    this.status = status;
    this.errors = errors;
  }
}

/** The request never got an answer after its retries (no network, timeout): safe to tap again, same key. */
class NetworkError extends ApiError {
  constructor(cause) {
    super("网络不太好，请稍后再试", { code: "NETWORK", status: 0 });
    this.name = "NetworkError";
    this.cause = cause;
  }
}

function post(wx, url, header, data) {
  return new Promise((resolve, reject) => {
    wx.request({ url, method: "POST", header, data, success: resolve, fail: reject });
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {object} options
 * @param {string} options.baseUrl the Jike server, e.g. https://api.example.com
 * @param {object} options.wx the WeChat API (or the node adapter in tests)
 * @param {() => Promise<unknown>} [options.signIn] signs in again (keeping the session in storage); called when
 *   a refresh is refused or a call finds nobody signed in
 * @param {string} [options.language]
 * @param {number} [options.retries] how many times a request the network dropped is sent again
 * @param {number} [options.retryDelayMs] the pause before the first retry, doubled for each next one
 * @returns {{call: Function, mutate: Function, keep: Function, session: Function, forget: Function}}
 */
function createClient({ baseUrl, wx, signIn = null, language = "zh", retries = 2, retryDelayMs = 400 }) {
  const session = () => wx.getStorageSync(SESSION_KEY) || null;
  const keep = (s) => wx.setStorageSync(SESSION_KEY, { accessToken: s.accessToken, refreshToken: s.refreshToken });
  const forget = () => wx.removeStorageSync && wx.removeStorageSync(SESSION_KEY);
  // One refresh or sign-in at a time: two calls refused together must not spend the refresh token twice (the
  // API refuses a reused refresh token and would sign the member out).
  let renewing = null;

  async function send(query, variables, token) {
    const header = { "Content-Type": "application/json", "Accept-Language": language };
    if (token) header.Authorization = `Bearer ${token}`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await post(wx, `${baseUrl}/graphql/member`, header, { query, variables });
      } catch (dropped) {
        if (attempt >= retries) throw new NetworkError(dropped);
        await pause(retryDelayMs * 2 ** attempt);
      }
    }
  }

  async function signInAgain() {
    if (!signIn) throw new ApiError("请重新登录", { code: "UNAUTHENTICATED", status: 401 });
    await signIn();
    return session();
  }

  async function refreshed(current) {
    const res = await send(REFRESH_TOKEN, { input: { refreshToken: current.refreshToken } }, null);
    const payload = res.statusCode === 200 && res.data.data && res.data.data.refreshToken;
    if (payload && payload.session) {
      keep(payload.session);
      return payload.session;
    }
    return signInAgain();
  }

  function renew(current) {
    if (!renewing) {
      renewing = (current ? refreshed(current) : signInAgain()).finally(() => {
        renewing = null;
      });
    }
    return renewing;
  }

  const unauthenticated = (res) =>
    res.statusCode === 401 ||
    (res.statusCode === 200 &&
      res.data.errors &&
      res.data.errors.some((e) => e.extensions && e.extensions.code === "UNAUTHENTICATED"));

  /**
   * Sends one operation; resolves to its `data`, or throws ApiError / NetworkError.
   * @param {string} query
   * @param {object} [variables]
   * @param {{anonymous?: boolean}} [options] anonymous: sent without a token and never renewed (sign-in itself)
   */
  async function call(query, variables = {}, { anonymous = false } = {}) {
    if (renewing && !anonymous) await renewing;
    let current = anonymous ? null : session();
    let res = await send(query, variables, current && current.accessToken);
    if (!anonymous && unauthenticated(res) && (current || signIn)) {
      const used = current && current.accessToken;
      current = session();
      // Another call may have renewed the session meanwhile: use its token rather than refresh again.
      if (!current || current.accessToken === used) current = await renew(current);
      res = await send(query, variables, current.accessToken);
    }
    if (res.statusCode !== 200 || !res.data) throw new ApiError(`HTTP ${res.statusCode}`, { status: res.statusCode });
    if (res.data.errors && res.data.errors.length) {
      const [first] = res.data.errors;
      const code = (first.extensions && first.extensions.code) || "API_ERROR";
      throw new ApiError(first.message, { code, status: res.statusCode, errors: res.data.errors });
    }
    return res.data.data;
  }

  /**
   * Sends a mutation and returns its payload; the payload's first userError is thrown as an ApiError carrying
   * the API's message, code and field.
   * @param {string} document
   * @param {object} variables
   * @param {string} field the mutation's name in `data`, e.g. "claimCoupon"
   */
  async function mutate(document, variables, field) {
    const data = await call(document, variables);
    return payloadOf(data[field]);
  }

  return { call, mutate, keep, session, forget };
}

/** The payload itself, or its first userError thrown as an ApiError. */
function payloadOf(payload) {
  if (payload.userErrors && payload.userErrors.length) {
    const [first] = payload.userErrors;
    throw new ApiError(first.message, { code: first.code, field: first.field, errors: payload.userErrors });
  }
  return payload;
}

/**
 * One key per user intent, made when the tap starts and kept by the page until the intent succeeds or the
 * member changes it, so a retried tap (or the client's own retry) makes nothing twice.
 * @returns {string}
 */
function idempotencyKey() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

/** The key of one step of a multi-step intent (book → order → pay), derived so a retry repeats each step. */
const stepKey = (key, step) => `${key}:${step}`;

/** The items of a connection. */
const nodes = (connection) => connection.edges.map((edge) => edge.node);

module.exports = { ApiError, NetworkError, createClient, idempotencyKey, nodes, payloadOf, stepKey, SESSION_KEY };
