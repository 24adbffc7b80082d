// Booking a service at a store: pick a free start, book it, and pay the deposit when the service asks one.

import { idempotencyKey } from "../../../lib/graphql.js";
import { bookAndPayDeposit, freeStarts } from "../../../lib/booking.js";

const app = getApp();

Page({
  data: { starts: [], booking: null, error: "" },
  async onLoad(query) {
    this.query = query;
    await app.ready;
    this.setData({ starts: await freeStarts(app.client, query) });
  },
  async onPick(event) {
    // One set of keys per tap: a retry of this tap books and orders nothing twice.
    this.keys = this.keys || { book: idempotencyKey(), order: idempotencyKey(), pay: idempotencyKey() };
    const { storeId, serviceId } = this.query;
    const input = { storeId, serviceId, start: event.currentTarget.dataset.start };
    const result = await bookAndPayDeposit(app.client, wx, input, this.keys);
    this.keys = null;
    this.setData(result.userErrors.length ? { error: result.userErrors[0].message } : { booking: result.booking });
  },
});
