// A friend opened a forwarded coupon's share card: accept it once signed in.

import { accept } from "../../../lib/coupons.js";

const app = getApp();

Page({
  data: { coupon: null, error: "" },
  async onLoad(query) {
    await app.ready;
    const result = await accept(app.client, query.token);
    this.setData(result.userErrors.length ? { error: result.userErrors[0].message } : { coupon: result.coupon });
  },
});
