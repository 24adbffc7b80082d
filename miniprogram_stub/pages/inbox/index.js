// 消息: the member's notifications (unread first in the badge), opening one marks it read and goes to its page,
// and 订阅通知 asks WeChat for subscribe-message consent (from the tap, as WeChat requires) and records the answer.
const { askForSubscriptions, inbox, markRead } = require("../../lib/inbox.js");
const { call, toast } = require("../call.js");

// At most three templates per request (WeChat's limit): the reminders a member most wants outside the app.
const TOPICS = ["BOOKING_REMINDER", "COUPON_EXPIRING", "PAYOUT_WAITING"];

Component({
  data: { notifications: [], unread: 0, loading: true },
  methods: {
    async onShow() {
      const found = await call(this, (client) => inbox(client));
      if (found) this.setData({ notifications: found.notifications, unread: found.unread });
    },
    async open(event) {
      const item = this.data.notifications.find((n) => n.id === event.currentTarget.dataset.id);
      if (!item.readAt) {
        const read = await call(this, (client) => markRead(client, [item.id]), { flag: "working" });
        if (read) await this.onShow();
      }
      if (item.page) wx.navigateTo({ url: `/${item.page}` });
    },
    async readAll() {
      const ids = this.data.notifications.filter((n) => !n.readAt).map((n) => n.id);
      if (!ids.length) return;
      const read = await call(this, (client) => markRead(client, ids), { flag: "working" });
      if (read) await this.onShow();
    },
    async subscribe() {
      const answer = await call(this, (client) => askForSubscriptions(client, wx, TOPICS), { flag: "working" });
      if (answer) toast(answer.accepted.length ? `已订阅 ${answer.accepted.length} 项通知` : "未订阅通知");
    },
  },
});
