import assert from "node:assert/strict";
import { test } from "node:test";

import { bookAndPayDeposit } from "../lib/booking.js";
import { shareCard } from "../lib/coupons.js";
import { createClient } from "../lib/graphql.js";
import { fakeWx, ok, operation } from "./fake_wx.js";

const KEYS = { book: "k-book", order: "k-order", pay: "k-pay" };
const PAY_PARAMS = { timeStamp: "1700000000", nonceStr: "n0nce", package: "prepay_id=wx1", signType: "RSA", paySign: "c2ln" };

function signedIn(server) {
  const wx = fakeWx(server);
  wx.setStorageSync("jike.session", { accessToken: "a", refreshToken: "r" });
  return { wx, client: createClient({ baseUrl: "https://api.test", wx, signIn: () => null }) };
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
  const result = await bookAndPayDeposit(client, wx, { storeId: "S", serviceId: "V", start: "2026-11-24T10:00:00+08:00" }, KEYS);

  // then they booked, ordered the deposit for that booking and paid with exactly the parameters the API signed,
  // each step under its own key from this one tap
  assert.deepEqual(result.userErrors, []);
  assert.deepEqual(wx.requests.map(operation), ["Book", "CreateOrder", "PayOrder"]);
  assert.deepEqual(wx.requests[1].variables.input, { bookingId: "B1", idempotencyKey: "k-order" });
  assert.deepEqual(wx.requests[2].variables.input, { orderId: "O1", method: "WECHAT_PAY", idempotencyKey: "k-pay" });
  assert.deepEqual(wx.payments, [PAY_PARAMS]);
});

test("a service without a deposit is booked and nothing is paid", async () => {
  const { wx, client } = signedIn(() => ok({ book: { booking: { id: "B2", status: "BOOKED" }, userErrors: [] } }));

  const result = await bookAndPayDeposit(client, wx, { storeId: "S", serviceId: "V", start: "x" }, KEYS);

  assert.equal(result.booking.status, "BOOKED");
  assert.deepEqual(wx.requests.map(operation), ["Book"]);
  assert.deepEqual(wx.payments, []);
});

test("a taken slot is the API's user error, shown as it is", async () => {
  const taken = { field: "start", code: "SLOT_TAKEN", message: "该时段已被预约" };
  const { wx, client } = signedIn(() => ok({ book: { booking: null, userErrors: [taken] } }));

  const result = await bookAndPayDeposit(client, wx, { storeId: "S", serviceId: "V", start: "x" }, KEYS);

  assert.deepEqual(result.userErrors, [taken]);
  assert.deepEqual(wx.payments, []);
});

test("a forwarded coupon's share card opens the API's accept path", async () => {
  const share = { token: "t0k", path: "/pages/coupons/accept?token=t0k", expiresAt: null };
  const coupon = { id: "C1", status: "FORWARDING", template: { title: "洗剪吹 8 折" } };
  const { client } = signedIn(() => ok({ forwardCoupon: { share, coupon, userErrors: [] } }));

  assert.deepEqual(await shareCard(client, "C1"), {
    title: "送你一张洗剪吹 8 折",
    path: "/pages/coupons/accept?token=t0k",
    userErrors: [],
  });
});
