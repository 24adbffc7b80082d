// 消息: the member's notifications, the unread badge, marking read, and subscribe-message consent: which
// templates to ask wx.requestSubscribeMessage about and recording the member's answer, so the API may send
// (each accept allows one message).

const {
  INBOX,
  MARK_READ,
  RECORD_SUBSCRIPTIONS,
  SUBSCRIBE_TEMPLATES,
  UNREAD_NOTIFICATIONS,
} = require("./documents.js");
const { nodes } = require("./graphql.js");
const { requestSubscribeMessage } = require("./wechat.js");

/**
 * @typedef {{id: string, topic: string, title: string, body: string, page: string|null, createdAt: string,
 *   readAt: string|null}} Notification
 */

/**
 * @param {{first?: number, after?: string, unreadOnly?: boolean}} [page]
 * @returns {Promise<{notifications: Notification[], unread: number, hasNextPage: boolean, endCursor: string|null}>}
 */
async function inbox(client, { first = 20, after = null, unreadOnly = false } = {}) {
  const data = await client.call(INBOX, { first, after, unreadOnly });
  return { notifications: nodes(data.inbox), unread: data.unreadNotifications, ...data.inbox.pageInfo };
}

/**
 * The badge (wx.setTabBarBadge).
 * @returns {Promise<number>}
 */
async function unreadCount(client) {
  const { unreadNotifications } = await client.call(UNREAD_NOTIFICATIONS);
  return unreadNotifications;
}

/**
 * @param {string[]} notificationIds 1 to 100 of the member's own
 * @returns {Promise<{id: string, readAt: string}[]>}
 */
async function markRead(client, notificationIds) {
  const { notifications } = await client.mutate(MARK_READ, { input: { notificationIds } }, "markRead");
  return notifications;
}

/**
 * The subscribe-message templates in use; with `topics`, only theirs.
 * @param {string[]} [topics] e.g. ["BOOKING_CONFIRMED", "BOOKING_REMINDER"]
 * @returns {Promise<{topic: string, templateId: string}[]>}
 */
async function subscribeTemplates(client, topics = null) {
  const { subscribeTemplates: templates } = await client.call(SUBSCRIBE_TEMPLATES);
  return topics ? templates.filter((t) => topics.includes(t.topic)) : templates;
}

/**
 * Asks the member (wx.requestSubscribeMessage, from a tap) about the topics' templates, at most 3, and records
 * the answer.
 * @param {string[]} topics
 * @returns {Promise<{asked: string[], accepted: string[], subscriptions: {templateId: string, remaining: number}[]}>}
 */
async function askForSubscriptions(client, wx, topics) {
  const asked = (await subscribeTemplates(client, topics)).slice(0, 3).map((t) => t.templateId);
  if (!asked.length) return { asked, accepted: [], subscriptions: [] };
  const accepted = await requestSubscribeMessage(wx, asked);
  const { subscriptions } = await client.mutate(
    RECORD_SUBSCRIPTIONS,
    { input: { templateIds: asked, accepted } },
    "recordSubscriptions",
  );
  return { asked, accepted, subscriptions };
}

module.exports = { askForSubscriptions, inbox, markRead, subscribeTemplates, unreadCount };
