import assert from "node:assert/strict";
import { test } from "node:test";

import { createClient } from "../lib/graphql.js";
import { signIn } from "../lib/session.js";
import { fakeWx, ok, operation } from "./fake_wx.js";

const SESSION = { accessToken: "access-1", refreshToken: "refresh-1" };

test("a member opening a share link signs in with its code and the link's referrer", async () => {
  // given the app opened from a share card path carrying r=abc
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m" }, created: true, userErrors: [] } }));
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
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m" }, created: false, userErrors: [] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });

  await signIn(client, wx, { merchantId: "M1", launch: { query: { scene: encodeURIComponent("s=staff7") } } });

  assert.equal(wx.requests[0].variables.input.shareParams, "s=staff7");
});

test("a plain QR code's link is passed on decoded, for the API to read the code from", async () => {
  const wx = fakeWx(() => ok({ login: { session: SESSION, member: { id: "m" }, created: false, userErrors: [] } }));
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

test("a refused refresh signs the member in again instead", async () => {
  const wx = fakeWx((request) => {
    if (operation(request) === "Refresh") {
      const refused = { field: "refreshToken", code: "REFRESH_TOKEN_REUSED", message: "请重新登录" };
      return ok({ refreshToken: { session: null, userErrors: [refused] } });
    }
    return request.header.Authorization === "Bearer fresh" ? ok({ me: { id: "m" } }) : { statusCode: 401, data: {} };
  });
  wx.setStorageSync("jike.session", SESSION);
  let signedIn = 0;
  const client = createClient({
    baseUrl: "https://api.test",
    wx,
    signIn: async () => {
      signedIn += 1;
      return { accessToken: "fresh", refreshToken: "fresh-refresh" };
    },
  });

  assert.deepEqual(await client.call("query Me { me { id } }"), { me: { id: "m" } });
  assert.equal(signedIn, 1);
});

test("GraphQL errors reach the caller with their extensions code", async () => {
  const forbidden = { message: "Forbidden", extensions: { code: "FORBIDDEN" } };
  const wx = fakeWx(() => ({ statusCode: 200, data: { data: null, errors: [forbidden] } }));
  const client = createClient({ baseUrl: "https://api.test", wx, signIn: () => null });

  await assert.rejects(client.call("query Me { me { id } }"), (e) => e.errors[0].extensions.code === "FORBIDDEN");
});
