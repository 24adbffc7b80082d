const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");
const { connection, coupon, template, userError } = require("./answers.js");

test("我的优惠券 lists the coupons of the tab's status and asks again for another tab", async () => {
  // given an active coupon and a redeemed one
  const byStatus = { ACTIVE: [coupon()], REDEEMED: [coupon({ id: "c2", status: "REDEEMED", template: template({ title: "洗剪吹 8 折" }) })] };
  const { open, api } = member({ myCoupons: ({ status }) => connection(byStatus[status] || []) });

  // when the tab opens and the member switches to 已使用
  const page = await open("pages/coupons/index");
  assert.ok(page.text().includes("满100减20"));
  await page.tap(".tab-REDEEMED");

  // then each tab showed the API's coupons of its status
  assert.deepEqual(api.calls("myCoupons").map((a) => a.status), ["ACTIVE", "REDEEMED"]);
  assert.ok(page.text().includes("洗剪吹 8 折"));
  assert.ok(!page.text().includes("满100减20"));
});

test("a coupon shows its redeem QR, and forwarding it shares exactly the path the API returned", async () => {
  // given a transferable coupon
  const share = { token: "fw1", path: "/pages/coupons/accept?token=fw1", expiresAt: "2026-11-25T10:00:00+08:00" };
  const { open, api } = member({
    coupon: coupon(),
    forwardCoupon: { share, coupon: coupon({ status: "FORWARDING" }), userErrors: [] },
  });
  const page = await open("pages/coupons/detail", { id: "c1" });
  assert.equal(page.page.querySelector(".redeem-code").instance.data.code, `CPN-${"a".repeat(48)}`);

  // when the member taps 转赠给好友 and shares the card
  await page.tap(".forward");
  const card = await page.call("onShareAppMessage", { from: "button" });

  // then the forward was made for this coupon and the card carries the API's path
  assert.deepEqual(api.calls("forwardCoupon"), [{ input: { couponId: "c1" } }]);
  assert.deepEqual(card, { title: "送你一张满100减20", path: "/pages/coupons/accept?token=fw1" });
  assert.ok(page.has(".recall"));
});

test("a forward nobody accepted is taken back", async () => {
  const pending = { token: "fw1", path: "/pages/coupons/accept?token=fw1", expiresAt: null };
  let status = "FORWARDING";
  const { open, api } = member({
    coupon: () => coupon({ status, pendingForward: status === "FORWARDING" ? pending : null, redeemCode: null }),
    recallCoupon: () => {
      status = "ACTIVE";
      return { coupon: coupon(), userErrors: [] };
    },
  });
  const page = await open("pages/coupons/detail", { id: "c1" });
  assert.equal((await page.call("onShareAppMessage")).path, pending.path);

  await page.tap(".recall");

  assert.deepEqual(api.calls("recallCoupon"), [{ input: { couponId: "c1" } }]);
  assert.ok(page.has(".forward"));
});

test("the claim page claims under one key per tap and shows the API's refusal as it is", async () => {
  // given a template whose first claim is refused (stock ran out meanwhile) and the retry succeeds
  const answers = [
    { coupon: null, userErrors: [userError("OUT_OF_STOCK", "券已领完")] },
    { coupon: coupon(), userErrors: [] },
  ];
  const { open, api, asked } = member({
    couponClaimPage: { template: template(), claimedByMe: 0, blockedBy: null },
    claimCoupon: () => answers.shift(),
  });
  const page = await open("pages/coupons/claim", { templateId: "t1" });
  assert.ok(page.text().includes("仅剩 12 张"));

  // when the member taps 立即领取 twice
  await page.tap(".claim");
  await page.tap(".claim");

  // then the refusal was the API's message, the retry carried the same key, and the coupon is theirs
  assert.deepEqual(asked.showToast.map((t) => t.title), ["券已领完"]);
  const [first, second] = api.calls("claimCoupon").map((a) => a.input);
  assert.equal(first.templateId, "t1");
  assert.equal(second.idempotencyKey, first.idempotencyKey);
  assert.ok(page.text().includes("领取成功"));
});

test("a template the member cannot claim says why before the tap", async () => {
  const blockedBy = userError("LIMIT_REACHED", "每人限领 1 张");
  const { open } = member({ couponClaimPage: { template: template(), claimedByMe: 1, blockedBy } });

  const page = await open("pages/coupons/claim", { templateId: "t1" });

  assert.ok(page.text().includes("每人限领 1 张"));
});

test("a friend opening a forwarded coupon sees who sent it and accepts it with the link's token", async () => {
  const { open, api } = member({
    couponForward: { template: template(), senderNickname: "小林", expiresAt: "2026-11-25T10:00:00+08:00", blockedBy: null },
    acceptCoupon: { coupon: coupon({ id: "c9" }), userErrors: [] },
  });
  const page = await open("pages/coupons/accept", { token: "fw1" });
  assert.ok(page.text().includes("小林 送你一张"));

  await page.tap(".accept");

  assert.deepEqual(api.calls("couponForward"), [{ token: "fw1" }]);
  assert.deepEqual(api.calls("acceptCoupon"), [{ input: { token: "fw1" } }]);
  assert.ok(page.text().includes("已收下"));
});
