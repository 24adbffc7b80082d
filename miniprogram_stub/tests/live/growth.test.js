// The growth loop as members live it in the mini-program: a shareholder shares a coupon pack, a friend opens the
// link and takes one (bound under the sharer), forwards it to a second friend who accepts it, that friend books
// a service with a deposit and pays it with WeChat Pay, comes (staff check in and complete the visit), pays the
// rest, and the shareholder sees the commission in 我的分红.

const assert = require("node:assert/strict");
const { test } = require("node:test");

const { book, bookableServices, bookingDays, freeSlots, myBookings } = require("../../lib/booking.js");
const { myCoupons } = require("../../lib/coupons.js");
const { acceptForward, forwardCoupon, forwardPreview } = require("../../lib/forward.js");
const { idempotencyKey } = require("../../lib/graphql.js");
const { waitUntilPaid } = require("../../lib/orders.js");
const { claimFromPack, myPacks, packPreview, sharePack } = require("../../lib/packs.js");
const { payWithWeChat } = require("../../lib/pay.js");
const { start } = require("../../lib/session.js");
const { myShareholder } = require("../../lib/shareholder.js");
const { journey, nodeWx, staffCall } = require("./wx_node.js");

const given = journey();
const live = { skip: !given && "runs from tests/miniprogram/test_journeys.py against the live API" };

const CHECK_IN = `
mutation CheckIn($input: BookingIdInput!) {
  checkInBooking(input: $input) { booking { id status } userErrors { code message } }
}`;
const COMPLETE = `
mutation Complete($input: CompleteBookingInput!) {
  completeBooking(input: $input) { booking { id status } userErrors { code message } }
}`;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A phone opened on a page: `launch` is what wx hands onLaunch (the share card's path's query). */
async function phone(user, path = null) {
  const query = path ? Object.fromEntries(new URL(path, "https://mp.weixin.qq.com").searchParams) : {};
  const wx = nodeWx({ user, sandboxUrl: given.sandboxUrl });
  const { client, ready } = start({
    baseUrl: given.apiUrl,
    wx,
    merchantId: given.merchantId,
    launch: { path, query },
    retryDelayMs: 20,
  });
  await ready;
  return { wx, client, query };
}

test("a shared pack, a forwarded coupon, a booking paid and completed: the shareholder sees the commission", live, async () => {
  // given the shareholder on their packs page shares the pack they were given
  const sharer = await phone("sharer");
  const [pack] = (await myPacks(sharer.client)).packs;
  assert.equal(pack.remaining, 3);
  const packCard = await sharePack(sharer.client, pack.id);
  assert.match(packCard.path, /token=/);

  // when a friend opens the card: the landing page shows the pack, and 领取 takes one
  const friend = await phone("friend", packCard.path);
  const landing = await packPreview(friend.client, friend.query.token);
  assert.equal(landing.blockedBy, null);
  assert.equal(landing.pack.template.title, "满100减20");
  const taken = await claimFromPack(friend.client, friend.query.token);
  assert.deepEqual([taken.status, taken.fromPack], ["ACTIVE", true]);

  // and forwards it from 我的优惠券 to a second friend, who opens the card and accepts it
  const [held] = (await myCoupons(friend.client)).coupons;
  assert.equal(held.id, taken.id);
  const forwardCard = await forwardCoupon(friend.client, held.id);
  assert.equal(forwardCard.title, "送你一张满100减20");
  const second = await phone("second", forwardCard.path);
  const preview = await forwardPreview(second.client, second.query.token);
  assert.equal(preview.blockedBy, null);
  assert.equal(preview.template.title, "满100减20");
  const accepted = await acceptForward(second.client, second.query.token);
  assert.equal(accepted.status, "ACTIVE");
  assert.deepEqual(
    (await myCoupons(second.client)).coupons.map((c) => c.template.title),
    ["满100减20"],
  );
  assert.deepEqual((await myCoupons(friend.client)).coupons, []);

  // and the second friend books the service tomorrow with its deposit, paid in WeChat Pay's sheet
  const [service] = await bookableServices(second.client, given.storeId);
  assert.deepEqual([service.name, service.priceFen, service.depositFen], ["精剪", 12800, 3000]);
  const tomorrow = bookingDays()[1];
  const slots = await freeSlots(second.client, { storeId: given.storeId, serviceId: service.id, date: tomorrow.date });
  const slot = slots.find((s) => s.start.includes("T10:00")) || slots[0];
  const booked = await book(
    second.client,
    second.wx,
    { storeId: given.storeId, serviceId: service.id, start: slot.start },
    idempotencyKey(),
  );
  assert.equal(booked.booking.status, "HELD");
  assert.equal(booked.depositOrder.price.dueFen, 3000);
  assert.equal(second.wx.calls.payments.length, 1);
  await waitUntilPaid(second.client, booked.depositOrder.id, { everyMs: 100, tries: 50 });
  const [mine] = (await myBookings(second.client)).bookings;
  assert.deepEqual([mine.id, mine.status], [booked.booking.id, "BOOKED"]);

  // and comes: staff check the booking in and complete it, and the visit's order is paid in the mini-program
  for (const [document, field] of [
    [CHECK_IN, "checkInBooking"],
    [COMPLETE, "completeBooking"],
  ]) {
    const answer = await staffCall(given, document, { input: { bookingId: booked.booking.id } });
    assert.deepEqual(answer[field].userErrors, []);
  }
  const [visited] = (await myBookings(second.client)).bookings;
  assert.equal(visited.status, "COMPLETED");
  const visit = await payWithWeChat(second.client, second.wx, visited.orderId, idempotencyKey());
  assert.equal(second.wx.calls.payments.length, 2);
  const visitOrder = await waitUntilPaid(second.client, visit.order.id, { everyMs: 100, tries: 50 });
  assert.deepEqual([visitOrder.price.prepaidFen, visitOrder.price.dueFen], [3000, 9800]);

  // then 我的分红 shows the two friends in the downline and the commission on what the second friend paid
  let figures = null;
  for (let i = 0; i < 100; i += 1) {
    figures = await myShareholder(sharer.client);
    // The figures and the list are two reads: the second commission can land between them, so wait for both.
    const listed = figures.recentCommissions.reduce((sum, c) => sum + c.amountFen, 0);
    if (figures.recentCommissions.length === 2 && figures.totals.pendingFen === listed) break;
    await pause(100);
  }
  assert.equal(figures.active, true);
  assert.equal(figures.downline.level1 + figures.downline.level2, 2);
  assert.equal(figures.recentCommissions.length, 2);
  const earned = figures.recentCommissions.reduce((sum, c) => sum + c.amountFen, 0);
  assert.ok(earned > 0);
  assert.equal(figures.totals.pendingFen, earned);
});
