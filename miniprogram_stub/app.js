// The app: one API client for every page, and sign-in at launch with whatever share link or QR scene opened it.
// JIKE_API and the merchant id are per-merchant settings of the build (ext.json in a third-party platform app).

import { createClient } from "./lib/graphql.js";
import { signIn } from "./lib/session.js";

const ext = (wx.getExtConfigSync && wx.getExtConfigSync()) || {};

App({
  onLaunch(launch) {
    const merchant = { merchantId: ext.merchantId, launch };
    this.client = createClient({ baseUrl: ext.apiBase, wx, signIn: () => signIn(this.client, wx, merchant) });
    this.ready = signIn(this.client, wx, merchant);
  },
});
