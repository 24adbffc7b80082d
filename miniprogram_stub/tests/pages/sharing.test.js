const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");
const { connection, coupon, template } = require("./answers.js");

const pack = (over = {}) => ({ id: "pk1", template: template({ title: "体验卡" }), size: 10, taken: 3, remaining: 7, sharedAt: null, ...over });

test("积客包: sharing a pack puts the API's link in the share card", async () => {
  const share = { token: "pt1", path: "/pages/packs/claim?token=pt1", expiresAt: null };
  const { open, api } = member({
    myCouponPacks: connection([pack()]),
    sharePack: { share, pack: pack({ sharedAt: "2026-11-24T10:00:00+08:00" }), userErrors: [] },
  });
  const page = await open("pages/packs/index");
  assert.ok(page.text().includes("已领 3 / 10，剩 7 张"));

  await page.tap(".share-pk1");

  assert.deepEqual(api.calls("sharePack"), [{ input: { packId: "pk1" } }]);
  assert.deepEqual(await page.call("onShareAppMessage", { from: "button" }), {
    title: "体验卡，送你一张",
    path: "/pages/packs/claim?token=pt1",
  });
});

test("a friend takes one coupon from a shared pack with the link's token", async () => {
  const { open, api } = member({
    couponPack: { pack: pack(), myCoupon: null, blockedBy: null },
    claimFromPack: { coupon: coupon({ fromPack: true }), userErrors: [] },
  });
  const page = await open("pages/packs/claim", { token: "pt1" });

  await page.tap(".take");

  assert.deepEqual(api.calls("claimFromPack"), [{ input: { token: "pt1" } }]);
  assert.ok(page.text().includes("已领取"));
});

const FIGURES = {
  active: true,
  appointedAt: "2026-01-01T00:00:00+08:00",
  program: { name: "金牌股东", level1RateBp: 1000, level2RateBp: 300, freezeDays: 7, payoutMinimumFen: 1000 },
  totals: { pendingFen: 1280, availableFen: 5600, inReviewFen: 0, paidFen: 20000, owedFen: 0 },
  downline: { level1: 4, level2: 9 },
  networkRevenue: [],
  recentCommissions: [
    { id: "cm1", amountFen: 1280, accruedFen: 1280, level: 1, status: "PENDING", friendName: "王**", orderPaidAt: "2026-11-24T10:00:00+08:00", availableAt: "2026-12-01T10:00:00+08:00" },
  ],
  friendContributions: [{ friendName: "王**", level: 1, commissionFen: 1280, orders: 1 }],
};
const SHARE_CODE = {
  code: "k3m9x2",
  path: "/pages/index/index?r=k3m9x2",
  scene: "m=k3m9x2",
  imageDataUrl: "data:image/png;base64,iVBORw0KGgo=",
  qrLink: null,
};

test("我的分红 shows the figures, the downline, the share code image, and shares the code's path", async () => {
  const { open } = member({ myShareholder: FIGURES, myShareCode: { shareCode: SHARE_CODE, userErrors: [] } });

  const page = await open("pages/shareholder/earnings");

  for (const shown of ["金牌股东", "¥56.00", "¥12.80", "¥200.00", "直接 4 人 · 间接 9 人", "王**", "冻结中"]) {
    assert.ok(page.text().includes(shown), shown);
  }
  assert.equal(page.data().shareCode.imageDataUrl, SHARE_CODE.imageDataUrl);
  assert.equal((await page.call("onShareAppMessage")).path, "/pages/index/index?r=k3m9x2");
});

test("a payout waiting is received by confirming each of its transfers with exactly the API's parameters", async () => {
  const waiting = { id: "po1", status: "PROCESSING", amountFen: 5600, paidFen: 0, commissions: 3, waitingTransfers: 2, failureReason: null, createdAt: "2026-11-24T10:00:00+08:00", settledAt: null };
  const transfers = [
    { mchId: "1900000001", appId: "wx0000000000000000", package: "ABBQO+oYAAABAAAAAAAAAAAA" },
    { mchId: "1900000001", appId: "wx0000000000000000", package: "ABBQO+oYAAABAAAAAAAAAAAB" },
  ];
  const { open, api, asked } = member({
    myPayouts: connection([waiting]),
    receivePayout: { payout: { ...waiting, waitingTransfers: 0 }, transfers, userErrors: [] },
  });
  const page = await open("pages/shareholder/payouts");
  assert.ok(page.text().includes("¥56.00"));

  await page.tap(".receive-po1");

  assert.deepEqual(api.calls("receivePayout"), [{ input: { payoutId: "po1" } }]);
  assert.deepEqual(asked.requestMerchantTransfer, transfers);
  assert.equal(asked.showToast.at(-1).title, "已确认收款");
});
