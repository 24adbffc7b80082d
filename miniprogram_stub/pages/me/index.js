// 我的: where the member's other pages open from, with the unread count on the 消息 entry and the tab's badge,
// and the member's marketing switches (接收营销消息, and SMS among them), revocable at any time.
const { unreadCount } = require("../../lib/inbox.js");
const { marketingConsent, setMarketingConsent } = require("../../lib/marketing.js");
const { call } = require("../call.js");

const ME_TAB = 3;

Component({
  data: { unread: 0, marketing: null },
  methods: {
    async onShow() {
      const shown = await call(this, async (client) => ({
        unread: await unreadCount(client),
        marketing: await marketingConsent(client),
      }));
      if (shown === null) return;
      const { unread, marketing } = shown;
      this.setData({ unread, marketing });
      if (unread) wx.setTabBarBadge({ index: ME_TAB, text: unread > 99 ? "99+" : String(unread) });
      else wx.removeTabBarBadge({ index: ME_TAB });
    },
    open(event) {
      wx.navigateTo({ url: event.currentTarget.dataset.url });
    },
    onMarketing(event) {
      return this.changeMarketing({ stopped: !event.detail });
    },
    onSms(event) {
      return this.changeMarketing({ smsAgreed: event.detail });
    },
    async changeMarketing(change) {
      const changed = await call(this, (client) => setMarketingConsent(client, change), { flag: "saving" });
      if (changed === null) return;
      this.setData({ marketing: changed.marketingConsent });
    },
  },
});
