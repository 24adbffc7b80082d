// Booking a service: the day's free starts, booking one, and for a service with a deposit paying it at once
// with WeChat Pay while the slot is held (the booking is confirmed when the payment's notification arrives).

import { AVAILABLE_SLOTS, BOOK, CREATE_ORDER, PAY_ORDER } from "./documents.js";

export async function freeStarts(client, { storeId, serviceId, date, staffId = null }) {
  const { availableSlots } = await client.call(AVAILABLE_SLOTS, { storeId, serviceId, date, staffId });
  return availableSlots || [];
}

function requestPayment(wx, params) {
  return new Promise((resolve, reject) => wx.requestPayment({ ...params, success: resolve, fail: reject }));
}

// Opens WeChat Pay for an order: payOrder's parameters go to wx.requestPayment exactly as the API signed them.
export async function payWithWeChat(client, wx, orderId, key) {
  const { payOrder } = await client.call(PAY_ORDER, {
    input: { orderId, method: "WECHAT_PAY", idempotencyKey: key },
  });
  if (payOrder.userErrors.length) return { userErrors: payOrder.userErrors };
  const { timeStamp, nonceStr, signType, paySign } = payOrder.wechatPay;
  await requestPayment(wx, { timeStamp, nonceStr, package: payOrder.wechatPay.package, signType, paySign });
  return { order: payOrder.order, userErrors: [] };
}

// `keys` holds one idempotency key per step, made once per tap, so a retry after a dropped connection books
// and orders nothing twice.
export async function bookAndPayDeposit(client, wx, input, keys) {
  const { book } = await client.call(BOOK, { input: { ...input, idempotencyKey: keys.book } });
  if (book.userErrors.length || book.booking.status !== "HELD") return book;
  const bookingId = book.booking.id;
  const { createOrder } = await client.call(CREATE_ORDER, { input: { bookingId, idempotencyKey: keys.order } });
  if (createOrder.userErrors.length) return { booking: book.booking, userErrors: createOrder.userErrors };
  const paid = await payWithWeChat(client, wx, createOrder.order.id, keys.pay);
  return { booking: book.booking, userErrors: paid.userErrors };
}
