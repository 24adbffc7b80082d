const assert = require("node:assert/strict");
const { mock, test } = require("node:test");

const { member } = require("./harness.js");
const { connection } = require("./answers.js");

const note = (over = {}) => ({
  id: "n1",
  topic: "BOOKING_CONFIRMED",
  title: "预约成功",
  body: "精剪，11-25 14:00，静安店",
  page: "pages/booking/detail?id=b1",
  createdAt: "2026-11-24T10:00:00+08:00",
  readAt: null,
  ...over,
});
const TEMPLATES = [
  { topic: "BOOKING_REMINDER", templateId: "tpl-remind" },
  { topic: "COUPON_EXPIRING", templateId: "tpl-expiring" },
  { topic: "PAYOUT_WAITING", templateId: "tpl-payout" },
  { topic: "QUEUE_CALLED", templateId: "tpl-queue" },
];

test("消息: opening an unread notification marks it read and goes to its page", async () => {
  let readAt = null;
  const { open, api, asked } = member({
    inbox: () => connection([note({ readAt })]),
    unreadNotifications: () => (readAt ? 0 : 1),
    markRead: () => {
      readAt = "2026-11-24T11:00:00+08:00";
      return { notifications: [note({ readAt })], userErrors: [] };
    },
  });
  const page = await open("pages/inbox/index");
  assert.ok(page.text().includes("1 条未读"));

  await page.tap(".note-n1");

  assert.deepEqual(api.calls("markRead"), [{ input: { notificationIds: ["n1"] } }]);
  assert.deepEqual(asked.navigateTo, [{ url: "/pages/booking/detail?id=b1" }]);
  assert.ok(page.text().includes("0 条未读"));
});

test("订阅通知 asks WeChat about the API's templates and records exactly what the member accepted", async () => {
  const { open, api, asked } = member(
    {
      inbox: connection([]),
      unreadNotifications: 0,
      subscribeTemplates: TEMPLATES,
      recordSubscriptions: { subscriptions: [{ templateId: "tpl-remind", remaining: 1 }], userErrors: [] },
    },
    { wxAnswers: { requestSubscribeMessage: () => ({ "tpl-remind": "accept", "tpl-expiring": "reject", "tpl-payout": "ban" }) } },
  );
  const page = await open("pages/inbox/index");

  await page.tap(".subscribe");

  assert.deepEqual(asked.requestSubscribeMessage, [{ tmplIds: ["tpl-remind", "tpl-expiring", "tpl-payout"] }]);
  assert.deepEqual(api.calls("recordSubscriptions"), [
    { input: { templateIds: ["tpl-remind", "tpl-expiring", "tpl-payout"], accepted: ["tpl-remind"] } },
  ]);
  assert.equal(asked.showToast.at(-1).title, "已订阅 1 项通知");
});

const ME = (marketingConsent) => ({ id: "m1", marketingConsent });

test("我的 puts the unread count on its tab", async () => {
  const { open, asked } = member({ unreadNotifications: 3, me: ME({ stopped: false, smsAgreed: false }) });

  const page = await open("pages/me/index");

  assert.deepEqual(asked.setTabBarBadge, [{ index: 3, text: "3" }]);
  assert.ok(page.text().includes("3 条未读"));
});

test("我的: the member turns marketing off and back on, and agrees to SMS, each switch saved as it is flipped", async () => {
  let consent = { stopped: false, smsAgreed: false };
  const { open, api } = member({
    unreadNotifications: 0,
    me: () => ME(consent),
    setMarketingConsent: ({ input }) => {
      const named = Object.entries(input).filter(([, value]) => value !== null);
      consent = { ...consent, ...Object.fromEntries(named) };
      return { marketingConsent: consent, userErrors: [] };
    },
  });
  const page = await open("pages/me/index");
  assert.ok(page.text().includes("接收营销消息"));
  assert.equal(page.data().marketing.stopped, false);

  // The simulator drops a falsy event detail, so the switch's "off" is handed to its handler as Vant sends it.
  await page.call("onMarketing", { detail: false });
  assert.equal(page.data().marketing.stopped, true);
  assert.ok(page.text().includes("已关闭营销消息，不会发送短信"));

  await page.fire(".marketing", "change", true);
  await page.fire(".sms", "change", true);

  assert.deepEqual(api.sent("setMarketingConsent"), [
    { input: { stopped: true } },
    { input: { stopped: false } },
    { input: { smsAgreed: true } },
  ]);
  assert.deepEqual(page.data().marketing, { stopped: false, smsAgreed: true });
});

test("我的 shows the API's refusal of a marketing change and keeps the switches as they were", async () => {
  const { open, asked } = member({
    unreadNotifications: 0,
    me: ME({ stopped: false, smsAgreed: false }),
    setMarketingConsent: {
      marketingConsent: null,
      userErrors: [{ field: "stopped", code: "MARKETING_CONSENT_EMPTY", message: "请选择是否接收营销消息或短信" }],
    },
  });
  const page = await open("pages/me/index");

  await page.fire(".sms", "change", true);

  assert.equal(asked.showToast.at(-1).title, "请选择是否接收营销消息或短信");
  assert.deepEqual(page.data().marketing, { stopped: false, smsAgreed: false });
});

test("排队: the member takes a number, watches the line shorten and is told when called", async (t) => {
  // given no ticket yet at the store
  let ticket = null;
  const { open, api, asked, settle } = member({
    myQueuePosition: () => ticket,
    joinQueue: () => {
      ticket = { id: "q1", number: 12, status: "WAITING", ahead: 3, joinedAt: "2026-11-24T10:00:00+08:00", calledAt: null };
      return { ticket, userErrors: [] };
    },
  });
  const page = await open("pages/queue/index", { storeId: "store-2" });
  mock.timers.enable({ apis: ["setTimeout"] });
  t.after(() => mock.timers.reset());
  assert.ok(page.text().includes("今天还没有取号"));

  // when they take a number
  await page.tap(".join");
  assert.deepEqual(api.calls("joinQueue"), [{ input: { storeId: "store-2" } }]);
  assert.ok(page.text().includes("前面还有 3 位"));

  // and the store calls it before the next look
  ticket = { ...ticket, status: "CALLED", ahead: 0, calledAt: "2026-11-24T10:20:00+08:00" };
  mock.timers.tick(10 * 1000);
  await settle();

  // then the page says so, buzzes and shows the call once
  assert.ok(page.text().includes("已叫号"));
  assert.equal(asked.vibrateLong.length, 1);
  assert.deepEqual(asked.showModal, [{ title: "到号了", content: "请 12 号到前台", showCancel: false }]);
  assert.ok(api.calls("myQueuePosition").every((a) => a.storeId === "store-2"));
});

test("排队 with no store named lets the member pick one of the merchant's stores, then watches its queue", async () => {
  // given no store in the link or the app's settings, and two stores
  const stores = [
    { id: "store-a", name: "静安店", timezone: "Asia/Shanghai" },
    { id: "store-b", name: "徐汇店", timezone: "Asia/Shanghai" },
  ];
  const { open, api } = member({ stores, myQueuePosition: null }, { settings: { storeId: "" } });
  const page = await open("pages/queue/index");
  assert.deepEqual(api.calls("myQueuePosition"), []);

  // when the member picks 徐汇店
  await page.tap(".store-store-b");

  // then its queue is asked for and the page offers a number there
  assert.deepEqual(api.calls("myQueuePosition"), [{ storeId: "store-b" }]);
  assert.ok(page.text().includes("立即取号"));
});
