// 预约: the store's services and their staff, the days to choose from, a day's free starts, booking one (and
// for a service with a deposit, ordering and paying it at once with WeChat Pay while the slot is held: the
// booking is BOOKED when the payment's notification arrives), my bookings, cancelling and rescheduling.

const {
  AVAILABLE_SLOTS,
  BOOK,
  BOOKABLE_SERVICES,
  BOOKING,
  CANCEL_BOOKING,
  CREATE_ORDER,
  MY_BOOKINGS,
  RESCHEDULE_BOOKING,
} = require("./documents.js");
const { nodes, stepKey } = require("./graphql.js");
const { payWithWeChat } = require("./pay.js");

// Stores keep China time; the days offered are the store's calendar days, whatever the phone's zone.
const STORE_OFFSET_MS = 8 * 60 * 60 * 1000;
const WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

/**
 * @typedef {{id: string, name: string}} Staff
 * @typedef {{id: string, name: string, durationMin: number, priceFen: number, depositFen: number,
 *   staffMembers: Staff[]}} Service
 * @typedef {{
 *   id: string, status: "HELD"|"BOOKED"|"CHECKED_IN"|"COMPLETED"|"CANCELLED"|"NO_SHOW"|"EXPIRED",
 *   start: string, end: string, serviceId: string, serviceName: string, storeId: string, storeName: string,
 *   staffMemberId: string, staffName: string, priceFen: number, depositFen: number,
 *   holdExpiresAt: string|null, note: string, cancelReason?: string|null, orderId: string|null
 * }} Booking
 */

/**
 * @returns {Promise<Service[]|null>} null for an unknown store
 */
async function bookableServices(client, storeId) {
  const { bookableServices: services } = await client.call(BOOKABLE_SERVICES, { storeId });
  return services;
}

/**
 * The days the member can pick, from today in the store's calendar.
 * @param {{count?: number, now?: number}} [options]
 * @returns {{date: string, weekday: string, label: string}[]} date as 2026-05-01; label 今天 / 明天 / 05-03
 */
function bookingDays({ count = 7, now = Date.now() } = {}) {
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(now + STORE_OFFSET_MS + i * 24 * 60 * 60 * 1000);
    const date = day.toISOString().slice(0, 10);
    const label = i === 0 ? "今天" : i === 1 ? "明天" : date.slice(5);
    return { date, weekday: WEEKDAYS[day.getUTCDay()], label };
  });
}

/**
 * A day's free starts, with the staff free at each.
 * @param {{storeId: string, serviceId: string, date: string, staffId?: string|null}} choice
 * @returns {Promise<{start: string, staffMembers: Staff[]}[]>}
 */
async function freeSlots(client, { storeId, serviceId, date, staffId = null }) {
  const { availableSlots } = await client.call(AVAILABLE_SLOTS, { storeId, serviceId, date, staffId });
  return availableSlots || [];
}

/**
 * Pays the deposit of a HELD booking (also from my bookings, while the hold lasts).
 * @param {string} key the intent's key
 * @returns {Promise<{order: object, paid: {id: string, status: string}}>}
 */
async function payDeposit(client, wx, bookingId, key) {
  const { order } = await client.mutate(
    CREATE_ORDER,
    { input: { bookingId, idempotencyKey: stepKey(key, "order") } },
    "createOrder",
  );
  const paid = await payWithWeChat(client, wx, order.id, stepKey(key, "pay"));
  return { order, paid: paid.order };
}

/**
 * Books a free start; a service with a deposit is paid at once with WeChat Pay. A retry of the same tap (the
 * same key) books, orders and pays nothing twice.
 * @param {{storeId: string, serviceId: string, start: string, staffId?: string|null, note?: string}} choice
 * @param {string} key one per tap on 确认预约
 * @returns {Promise<{booking: Booking, depositOrder: object|null}>} booking as booked (HELD until the
 *   deposit's payment is notified)
 */
async function book(client, wx, { storeId, serviceId, start, staffId = null, note = "" }, key) {
  const input = { storeId, serviceId, start, staffId, note, idempotencyKey: stepKey(key, "book") };
  const { booking } = await client.mutate(BOOK, { input }, "book");
  if (booking.status !== "HELD") return { booking, depositOrder: null };
  const { order } = await payDeposit(client, wx, booking.id, key);
  return { booking, depositOrder: order };
}

/**
 * @param {{first?: number, after?: string}} [page]
 * @returns {Promise<{bookings: Booking[], hasNextPage: boolean, endCursor: string|null}>}
 */
async function myBookings(client, { first = 20, after = null } = {}) {
  const { myBookings: connection } = await client.call(MY_BOOKINGS, { first, after });
  return { bookings: nodes(connection), ...connection.pageInfo };
}

/**
 * One of the member's own bookings (its detail page, a notification's link).
 * @returns {Promise<Booking|null>} null for another member's booking or an id that names none
 */
async function myBooking(client, bookingId) {
  const { booking } = await client.call(BOOKING, { id: bookingId });
  return booking;
}

/**
 * @returns {Promise<{id: string, status: string, start: string, cancelReason: string|null}>}
 */
async function cancelBooking(client, bookingId) {
  const { booking } = await client.mutate(CANCEL_BOOKING, { input: { bookingId } }, "cancelBooking");
  return booking;
}

/**
 * @param {{bookingId: string, start: string, staffId?: string|null}} change staffId omitted keeps the same staff
 * @returns {Promise<{id: string, status: string, start: string, end: string, staffMemberId: string, staffName: string}>}
 */
async function rescheduleBooking(client, { bookingId, start, staffId = null }) {
  const input = { bookingId, start, staffId };
  const { booking } = await client.mutate(RESCHEDULE_BOOKING, { input }, "rescheduleBooking");
  return booking;
}

module.exports = {
  book,
  bookableServices,
  bookingDays,
  cancelBooking,
  freeSlots,
  myBooking,
  myBookings,
  payDeposit,
  rescheduleBooking,
};
