const assert = require("node:assert/strict");
const { mock, test } = require("node:test");

const { member } = require("./harness.js");

const CARD = {
  id: "m1",
  nickname: "小林",
  joinedAt: "2026-01-05T10:00:00+08:00",
  card: {
    number: "8800123",
    status: "ACTIVE",
    level: { id: "l2", name: "黄金会员", thresholdFen: 100000, discountBp: 1000, pointsMultiplierBp: 15000 },
    points: 320,
    storedValue: 55000,
    storedValueBonus: 5000,
    lifetimePaidFen: 120000,
    countCards: [{ id: "cc1", name: "洗剪吹 10 次卡", total: 10, remaining: 7, expiresAt: "2026-12-31T23:59:59+08:00" }],
    birthday: null,
    phone: "138****1234",
  },
  ledger: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
};
const code = (n) => ({ code: `MBR-${String(n).repeat(48)}`, expiresAt: "2099-01-01T00:00:00+08:00" });

test("the card shows the level, points, stored value in yuan, count cards and the member code", async () => {
  // given the API's card and a member code
  const { open } = member({ me: CARD, memberCode: code(1) });

  // when the card tab opens
  const card = await open("pages/card/index");

  // then it shows what the API said, money in yuan from fen
  const text = card.text();
  for (const shown of ["黄金会员", "NO. 8800123", "320", "¥550.00", "含赠送 ¥50.00", "洗剪吹 10 次卡", "剩 7/10 次"]) {
    assert.ok(text.includes(shown), `${shown} in ${text}`);
  }
  assert.ok(text.includes(code(1).code));
  assert.ok(card.page.querySelector(".member-code").instance.data.modules > 20, "the QR code has its modules");
});

test("the member code is asked for again every minute while the card is shown, and not after", async (t) => {
  // given a card on screen with its first code
  let issued = 0;
  const { open, api, settle } = member({ me: CARD, memberCode: () => code(++issued) });
  mock.timers.enable({ apis: ["setTimeout"] });
  t.after(() => mock.timers.reset());
  const card = await open("pages/card/index");

  // when a minute passes
  mock.timers.tick(60 * 1000);
  await settle();

  // then a fresh code is shown
  assert.equal(api.calls("memberCode").length, 2);
  assert.ok(card.text().includes(code(2).code));

  // and once the member leaves the card, no more are asked for
  card.page.instance.onHide();
  mock.timers.tick(5 * 60 * 1000);
  await settle();
  assert.equal(api.calls("memberCode").length, 2);
});

test("a card the API refuses to show shows the API's message", async () => {
  const { open, asked } = member({
    me: () => {
      throw new Error("会员卡已冻结");
    },
    memberCode: code(1),
  });

  await open("pages/card/index");

  assert.deepEqual(asked.showToast.map((t) => t.title), ["会员卡已冻结"]);
});
