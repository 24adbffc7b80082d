const assert = require("node:assert/strict");
const { test } = require("node:test");

const { member } = require("./harness.js");
const { PAID_WITH, booking, connection, order, payOrder, price } = require("./answers.js");

const SERVICE = {
  id: "v1",
  name: "精剪",
  durationMin: 60,
  priceFen: 12800,
  depositFen: 3000,
  staffMembers: [{ id: "s1", name: "Tony" }],
};
const SLOT = { start: "2026-11-25T14:00:00+08:00", staffMembers: [{ id: "s1", name: "Tony" }] };

test("预约: service, staff, day and slot book it, and the deposit is paid with exactly the API's parameters", async () => {
  // given a store with a service that takes a deposit and a free start
  const held = booking({ status: "HELD", depositFen: 3000, holdExpiresAt: "2026-11-24T10:15:00+08:00" });
  const deposit = order({ id: "o7", kind: "DEPOSIT", source: "BOOKING", bookingId: "b1", price: price({ listFen: 3000, payableFen: 3000, dueFen: 3000 }) });
  const { open, api, asked } = member({
    bookableServices: [SERVICE],
    availableSlots: [SLOT],
    book: { booking: held, userErrors: [] },
    createOrder: { order: deposit, userErrors: [] },
    payOrder: payOrder(deposit),
  });
  const page = await open("pages/booking/index", { storeId: "store-9" });
  assert.ok(page.text().includes("定金 ¥30.00"));

  // when the member picks the service, Tony, the second day and the free start, then confirms
  await page.tap(".service-v1");
  await page.tap(".staff-s1");
  const day = page.data().days[1].date;
  await page.tap(`.day-${day}`);
  await page.tap(".slot-0");
  await page.tap(".confirm");

  // then the slots asked were for that choice, the booking is for it, its deposit was ordered, and WeChat Pay
  // got exactly what the API signed
  assert.deepEqual(api.calls("availableSlots").at(-1), { storeId: "store-9", serviceId: "v1", date: day, staffId: "s1" });
  const [{ input }] = api.calls("book");
  assert.deepEqual({ ...input, idempotencyKey: "k" }, {
    storeId: "store-9",
    serviceId: "v1",
    staffId: "s1",
    start: SLOT.start,
    note: "",
    idempotencyKey: "k",
  });
  assert.equal(api.calls("createOrder")[0].input.bookingId, "b1");
  assert.deepEqual(api.calls("payOrder")[0].input.orderId, "o7");
  assert.deepEqual(asked.requestPayment, [PAID_WITH]);
  assert.deepEqual(asked.navigateTo, [{ url: "/pages/booking/detail?id=b1" }]);
});

test("a refused booking shows the API's message and a retry of the tap books under the same key", async () => {
  const answers = [{ booking: null, userErrors: [{ field: "start", code: "SLOT_TAKEN", message: "该时段已被预约" }] }];
  const { open, api, asked } = member({
    bookableServices: [{ ...SERVICE, depositFen: 0 }],
    availableSlots: [SLOT],
    book: () => answers.shift() || { booking: booking(), userErrors: [] },
  });
  const page = await open("pages/booking/index");
  await page.tap(".service-v1");
  await page.tap(".slot-0");

  await page.tap(".confirm");
  await page.tap(".confirm");

  assert.deepEqual(asked.showToast.map((t) => t.title), ["该时段已被预约"]);
  const keys = api.calls("book").map((a) => a.input.idempotencyKey);
  assert.equal(keys[0], keys[1]);
  assert.equal(api.calls("book")[0].input.storeId, "store-1", "the app's store when no QR named one");
  assert.deepEqual(asked.requestPayment, []);
});

test("my booking is read by its id and cancelled after the member confirms", async () => {
  let status = "BOOKED";
  const { open, api } = member({
    booking: () => booking({ status }),
    cancelBooking: () => {
      status = "CANCELLED";
      return { booking: booking({ status }), userErrors: [] };
    },
  });
  const page = await open("pages/booking/detail", { id: "b1" });

  await page.tap(".cancel");

  assert.deepEqual(api.calls("booking"), [{ id: "b1" }, { id: "b1" }]);
  assert.deepEqual(api.calls("cancelBooking"), [{ input: { bookingId: "b1" } }]);
  assert.ok(page.text().includes("已取消"));
});

test("a booking that is not the member's shows that it cannot be found", async () => {
  const { open } = member({ booking: null });

  const page = await open("pages/booking/detail", { id: "someone-elses" });

  assert.ok(page.text().includes("找不到这次预约"));
});

test("a booking is moved to another free start of its own service with its staff", async () => {
  const later = "2026-11-26T16:00:00+08:00";
  const { open, api } = member({
    booking: booking({ serviceId: "v7" }),
    availableSlots: [{ start: later, staffMembers: [{ id: "s1", name: "Tony" }] }],
    rescheduleBooking: { booking: booking({ start: later }), userErrors: [] },
  });
  const page = await open("pages/booking/detail", { id: "b1" });

  await page.tap(".change");
  await page.tap(".slot-0");
  await page.tap(".confirm-change");

  assert.equal(api.calls("availableSlots")[0].serviceId, "v7");
  assert.equal(api.calls("availableSlots")[0].staffId, "s1");
  assert.deepEqual(api.calls("rescheduleBooking"), [{ input: { bookingId: "b1", start: later, staffId: null } }]);
  assert.ok(!api.fields().includes("myBookings") && !api.fields().includes("bookableServices"));
});

const STORES = [
  { id: "store-a", name: "静安店", timezone: "Asia/Shanghai" },
  { id: "store-b", name: "徐汇店", timezone: "Asia/Shanghai" },
];

test("预约 with no store named and one store books there without asking", async () => {
  const { open, api } = member({ stores: STORES.slice(0, 1), bookableServices: [SERVICE] }, { settings: { storeId: "" } });

  const page = await open("pages/booking/index");

  assert.ok(!page.has(".stores"));
  assert.deepEqual(api.calls("bookableServices"), [{ storeId: "store-a" }]);
  assert.ok(page.text().includes("精剪"));
});

test("预约 with no store named and several stores lets the member pick one first", async () => {
  const { open, api } = member({ stores: STORES, bookableServices: [SERVICE] }, { settings: { storeId: "" } });
  const page = await open("pages/booking/index");
  assert.ok(page.text().includes("徐汇店"));
  assert.deepEqual(api.calls("bookableServices"), []);

  await page.tap(".store-store-b");

  assert.deepEqual(api.calls("bookableServices"), [{ storeId: "store-b" }]);
  assert.ok(!page.has(".stores"));
});

test("a store named by the QR code is used without reading the stores", async () => {
  const { open, api } = member({ stores: STORES, bookableServices: [SERVICE] }, { settings: { storeId: "" } });

  await open("pages/booking/index", { storeId: "store-9" });

  assert.deepEqual(api.fields(), ["bookableServices"]);
});
