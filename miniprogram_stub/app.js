// The app: one API client for every page, signed in at launch with whatever share link or QR scene opened it (so
// whoever shared it is bound as the member's upline), and a share link opened later while the app still runs
// reported as a touch. Settings come from config.js, overridden per merchant by ext.json.
const config = require("./config.js");
const { recordShareTouch, start } = require("./lib/session.js");

App({
  onLaunch(launch) {
    const ext = (wx.getExtConfigSync && wx.getExtConfigSync()) || {};
    this.settings = { ...config, ...ext };
    const { client, ready } = start({ baseUrl: this.settings.apiBase, wx, merchantId: this.settings.merchantId, launch });
    this.client = client;
    this.ready = ready;
    // The policy first: nothing personal is asked for until the member agreed to the version in effect.
    ready
      .then((signedIn) => {
        if (signedIn.privacy && !signedIn.privacy.agreed) wx.navigateTo({ url: "/pages/privacy/consent" });
      })
      .catch(() => {});
  },
  onShow(options) {
    // The first show is the launch itself, whose share params the sign-in already carried.
    if (!this.shown) {
      this.shown = true;
      return;
    }
    this.ready.then(() => recordShareTouch(this.client, options)).catch(() => {});
  },
});
