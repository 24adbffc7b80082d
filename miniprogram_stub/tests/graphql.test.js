const assert = require("node:assert/strict");
const { test } = require("node:test");

const { claim } = require("../lib/coupons.js");
const { NetworkError, createClient } = require("../lib/graphql.js");
const { signIn, start } = require("../lib/session.js");
const { fakeWx, ok, operation } = require("./fake_wx.js");

const SESSION = { accessToken: "access-1", refreshToken: "refresh-1" };
const FRESH = { accessToken: "fresh", refreshToken: "fresh-refresh" };

test("a member opening a share link signs in with its code and the link's referrer", async () => {
  // given the app opened from a share card path carrying r=abc
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m", nickname: null }, created: true, userErrors: [] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });

  // when it signs in
  await signIn(client, wx, { merchantId: "M1", launch: { query: { r: "abc" } } });

  // then the login carried the code, the channel, the merchant and the share params, and the session is kept
  const [login] = wx.requests;
  assert.equal(login.url, "https://api.test/graphql/member");
  assert.deepEqual(login.variables.input, { code: "code-1", channel: "WECHAT", merchantId: "M1", shareParams: "r=abc" });
  assert.deepEqual(wx.getStorageSync("jike.session"), SESSION);
});

test("a QR code's scene is passed on as it was encoded", async () => {
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m", nickname: null }, created: false, userErrors: [] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });

  await signIn(client, wx, { merchantId: "M1", launch: { query: { scene: encodeURIComponent("s=staff7") } } });

  assert.equal(wx.requests[0].variables.input.shareParams, "s=staff7");
});

test("a plain QR code's link is passed on decoded, for the API to read the code from", async () => {
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m", nickname: null }, created: false, userErrors: [] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });
  const link = "https://jike.example.com/q?s=staff7";

  await signIn(client, wx, { merchantId: "M1", launch: { query: { q: encodeURIComponent(link), scancode_time: "1" } } });

  assert.equal(wx.requests[0].variables.input.shareParams, link);
});

test("an expired access token is refreshed once and the request sent again", async () => {
  // given a member whose access token has run out
  const wx = fakeWx((request) => {
    if (operation(request) === "Refresh") {
      return ok({ refreshToken: { session: { accessToken: "access-2", refreshToken: "refresh-2" }, userErrors: [] } });
    }
    return request.header.Authorization === "Bearer access-2" ? ok({ me: { id: "m" } }) : { statusCode: 401, data: {} };
  });
  wx.setStorageSync("jike.session", SESSION);
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => assert.fail("signed in again") });

  // when the app asks for something
  const data = await client.call("query Me { me { id } }");

  // then it was refused, refreshed with the refresh token, retried with the new token, and the new session kept
  assert.deepEqual(data, { me: { id: "m" } });
  assert.deepEqual(wx.requests.map(operation), ["Me", "Refresh", "Me"]);
  assert.deepEqual(wx.requests[1].variables, { input: { refreshToken: "refresh-1" } });
  assert.equal(wx.getStorageSync("jike.session").refreshToken, "refresh-2");
});

test("a refused refresh signs the member in again and the call goes on, on the same page", async () => {
  // given a member whose access token ran out and whose refresh token the API refuses (used twice)
  const wx = fakeWx((request) => {
    switch (operation(request)) {
      case "Refresh": {
        const refused = { field: "refreshToken", code: "REFRESH_TOKEN_REUSED", message: "请重新登录" };
        return ok({ refreshToken: { session: null, userErrors: [refused] } });
      }
      case "Login":
        return ok({ login: { session: FRESH, member: { id: "m", nickname: null }, created: false, userErrors: [] } });
      default:
        return request.header.Authorization === "Bearer fresh" ? ok({ me: { id: "m" } }) : { statusCode: 401, data: {} };
    }
  });
  wx.navigateTo = wx.redirectTo = wx.reLaunch = () => assert.fail("left the page");
  const { client, ready } = start({ baseUrl: "https://api.test", wx, merchantId: "M1", retryDelayMs: 0 });
  await ready;
  wx.setStorageSync("jike.session", SESSION);

  // when the page asks for something
  const data = await client.call("query Me { me { id } }");

  // then it was refused, the refresh refused, a new wx.login code signed the member in, and the page's own call
  // answered with the new session's token, without any navigation
  assert.deepEqual(data, { me: { id: "m" } });
  assert.deepEqual(wx.requests.map(operation), ["Login", "Me", "Refresh", "Login", "Me"]);
  assert.equal(wx.requests[3].variables.input.code, "code-2");
  assert.deepEqual(wx.getStorageSync("jike.session"), FRESH);
});

test("GraphQL errors reach the caller with their extensions code", async () => {
  const forbidden = { message: "Forbidden", extensions: { code: "FORBIDDEN" } };
  const wx = fakeWx(() => ({ statusCode: 200, data: { data: null, errors: [forbidden] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });

  await assert.rejects(client.call("query Me { me { id } }"), (e) => e.errors[0].extensions.code === "FORBIDDEN");
});

test("a request the network drops is sent again with the same idempotency key, and its answer used", async () => {
  // given a connection that drops the first two attempts of a claim
  let attempts = 0;
  const coupon = { id: "C1", status: "ACTIVE", validFrom: "x", validTo: "y", template: { id: "T", title: "满100减20" } };
  const wx = fakeWx(() => {
    attempts += 1;
    if (attempts <= 2) throw new Error("timeout");
    return ok({ claimCoupon: { coupon, userErrors: [] } });
  });
  wx.setStorageSync("jike.session", SESSION);
  const client = createClient({ baseUrl: "https://api.test", wx, retryDelayMs: 0 });

  // when the member taps 领取 once
  const claimed = await claim(client, "T", "tap-1");

  // then the same claim, key and all, went three times and the third answer is what the page shows
  assert.equal(claimed.id, "C1");
  assert.deepEqual(
    wx.requests.map((r) => r.variables.input),
    Array(3).fill({ templateId: "T", idempotencyKey: "tap-1" }),
  );
});

test("a connection that stays down fails as a network error the page can offer to retry", async () => {
  const wx = fakeWx(() => {
    throw new Error("offline");
  });
  wx.setStorageSync("jike.session", SESSION);
  const client = createClient({ baseUrl: "https://api.test", wx, retries: 2, retryDelayMs: 0 });

  await assert.rejects(claim(client, "T", "tap-2"), (e) => e instanceof NetworkError && e.code === "NETWORK");
  assert.equal(wx.requests.length, 3);
});

test("two calls refused at once refresh the session once", async () => {
  // given two screens' calls sent with an access token that ran out
  const wx = fakeWx((request) => {
    if (operation(request) === "Refresh") {
      return ok({ refreshToken: { session: { accessToken: "access-2", refreshToken: "refresh-2" }, userErrors: [] } });
    }
    return request.header.Authorization === "Bearer access-2" ? ok({ me: { id: "m" } }) : { statusCode: 401, data: {} };
  });
  wx.setStorageSync("jike.session", SESSION);
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => assert.fail("signed in again") });

  // when both are refused together
  await Promise.all([client.call("query Me { me { id } }"), client.call("query Me { me { id } }")]);

  // then the refresh token was spent once (the API refuses a reused one and would sign the member out)
  assert.equal(wx.requests.filter((r) => operation(r) === "Refresh").length, 1);
});
