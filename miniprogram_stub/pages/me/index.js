// 我的: where the member's other pages open from, with the unread count on the 消息 entry and the tab's badge.
const { unreadCount } = require("../../lib/inbox.js");
const { call } = require("../call.js");

const ME_TAB = 3;

Component({
  data: { unread: 0 },
  methods: {
    async onShow() {
      const unread = await call(this, (client) => unreadCount(client));
      if (unread === null) return;
      this.setData({ unread });
      if (unread) wx.setTabBarBadge({ index: ME_TAB, text: unread > 99 ? "99+" : String(unread) });
      else wx.removeTabBarBadge({ index: ME_TAB });
    },
    open(event) {
      wx.navigateTo({ url: event.currentTarget.dataset.url });
    },
  },
});
