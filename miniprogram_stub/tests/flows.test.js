const assert = require("node:assert/strict");
const { test } = require("node:test");

const { book } = require("../lib/booking.js");
const { forwardCoupon } = require("../lib/forward.js");
const { ApiError, createClient } = require("../lib/graphql.js");
const { fakeWx, ok, operation } = require("./fake_wx.js");

const PAY_PARAMS = {
  appId: "wxapp",
  timeStamp: "1700000000",
  nonceStr: "n0nce",
  package: "prepay_id=wx1",
  signType: "RSA",
  paySign: "c2ln",
};

function signedIn(server) {
  const wx = fakeWx(server);
  wx.setStorageSync("jike.session", { accessToken: "a", refreshToken: "r" });
  return { wx, client: createClient({ baseUrl: "https://api.test", wx, retryDelayMs: 0 }) };
}

test("booking a service with a deposit orders the deposit and opens WeChat Pay with the API's signature", async () => {
  // given the API holds the slot for the deposit
  const { wx, client } = signedIn((request) => {
    switch (operation(request)) {
      case "Book":
        return ok({ book: { booking: { id: "B1", status: "HELD", depositFen: 5000 }, userErrors: [] } });
      case "CreateOrder":
        return ok({ createOrder: { order: { id: "O1", kind: "DEPOSIT", status: "PENDING" }, userErrors: [] } });
      case "PayOrder":
        return ok({ payOrder: { order: { id: "O1", status: "PENDING" }, wechatPay: PAY_PARAMS, userErrors: [] } });
      default:
        return assert.fail(`unexpected ${operation(request)}`);
    }
  });

  // when the member taps a free start
  const result = await book(client, wx, { storeId: "S", serviceId: "V", start: "2026-11-24T10:00:00+08:00" }, "tap1");

  // then they booked, ordered the deposit for that booking and paid with exactly the parameters the API signed,
  // each step under its own key derived from this one tap
  assert.equal(result.booking.id, "B1");
  assert.equal(result.depositOrder.id, "O1");
  assert.deepEqual(wx.requests.map(operation), ["Book", "CreateOrder", "PayOrder"]);
  assert.equal(wx.requests[0].variables.input.idempotencyKey, "tap1:book");
  assert.deepEqual(wx.requests[1].variables.input, { bookingId: "B1", idempotencyKey: "tap1:order" });
  assert.deepEqual(wx.requests[2].variables.input, { orderId: "O1", method: "WECHAT_PAY", idempotencyKey: "tap1:pay" });
  const { appId, ...signed } = PAY_PARAMS;
  assert.deepEqual(wx.payments, [signed]);
});

test("a service without a deposit is booked and nothing is paid", async () => {
  const { wx, client } = signedIn(() => ok({ book: { booking: { id: "B2", status: "BOOKED" }, userErrors: [] } }));

  const result = await book(client, wx, { storeId: "S", serviceId: "V", start: "x" }, "tap2");

  assert.equal(result.booking.status, "BOOKED");
  assert.equal(result.depositOrder, null);
  assert.deepEqual(wx.requests.map(operation), ["Book"]);
  assert.deepEqual(wx.payments, []);
});

test("a taken slot is the API's user error, thrown with its message and code for the page to show", async () => {
  const taken = { field: "start", code: "SLOT_TAKEN", message: "该时段已被预约" };
  const { wx, client } = signedIn(() => ok({ book: { booking: null, userErrors: [taken] } }));

  await assert.rejects(
    book(client, wx, { storeId: "S", serviceId: "V", start: "x" }, "tap3"),
    (e) => e instanceof ApiError && e.message === "该时段已被预约" && e.code === "SLOT_TAKEN" && e.field === "start",
  );
  assert.deepEqual(wx.payments, []);
});

test("a forwarded coupon's share card opens the API's accept path", async () => {
  const share = { token: "t0k", path: "/pages/coupons/accept?token=t0k", expiresAt: null };
  const coupon = { id: "C1", status: "FORWARDING", template: { id: "T1", title: "洗剪吹 8 折" } };
  const { client } = signedIn(() => ok({ forwardCoupon: { share, coupon, userErrors: [] } }));

  const card = await forwardCoupon(client, "C1");

  assert.equal(card.title, "送你一张洗剪吹 8 折");
  assert.equal(card.path, "/pages/coupons/accept?token=t0k");
});
