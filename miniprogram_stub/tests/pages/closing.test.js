const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");

const closing = (over = {}) => ({
  blockers: [],
  forfeitedPoints: 120,
  forfeitedStoredValueBonus: 500,
  forfeitedCommissionsFen: 0,
  ...over,
});

test("注销账号 shows in Chinese what must settle first, and cannot be tapped until it has", async () => {
  const reason = { code: "STORED_VALUE_NOT_REFUNDED", message: "储值卡中还有您充值的余额，请先到店办理退款后再注销" };
  const { open, api } = member({ accountClosing: closing({ blockers: [reason] }) });

  const page = await open("pages/me/close");
  await page.tap(".close");

  assert.ok(page.text().includes("请先处理以下事项"));
  assert.ok(page.text().includes(reason.message));
  assert.deepEqual(api.calls("closeMyAccount"), []);
});

test("注销账号 says what is given up and closes only after the member confirms twice", async () => {
  const { open, api, asked } = member({
    accountClosing: closing(),
    closeMyAccount: { closedAt: "2026-12-05T10:00:00+08:00", userErrors: [] },
  });

  const page = await open("pages/me/close");
  assert.ok(page.text().includes("120"));
  assert.ok(page.text().includes("¥5.00"));
  await page.tap(".close");

  assert.equal(asked.showModal.length, 2);
  assert.deepEqual(api.calls("closeMyAccount"), [{ input: { reason: null } }]);
  assert.ok(page.text().includes("账号已注销"));
});

test("注销账号 closes nothing when the member backs out at the second question", async () => {
  let asks = 0;
  const { open, api } = member(
    { accountClosing: closing() },
    { wxAnswers: { showModal: () => ({ confirm: (asks += 1) === 1 }) } },
  );

  const page = await open("pages/me/close");
  await page.tap(".close");

  assert.deepEqual(api.calls("closeMyAccount"), []);
  assert.ok(!page.text().includes("账号已注销"));
});
