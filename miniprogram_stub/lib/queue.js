// 排队: taking a number at a store for today, my place in the queue, and watching it until the store calls it
// (the page polls while open; the QUEUE_CALLED notification and subscribe message tell a member who left it).

const { JOIN_QUEUE, MY_QUEUE_POSITION } = require("./documents.js");

/**
 * @typedef {{id: string, number: number, status: "WAITING"|"CALLED", ahead: number, joinedAt: string,
 *   calledAt: string|null}} Ticket
 */

/**
 * Joining again returns the same ticket.
 * @returns {Promise<Ticket>}
 */
async function joinQueue(client, storeId) {
  const { ticket } = await client.mutate(JOIN_QUEUE, { input: { storeId } }, "joinQueue");
  return ticket;
}

/**
 * @returns {Promise<Ticket|null>} null without a ticket there today
 */
async function myQueuePosition(client, storeId) {
  const { myQueuePosition: ticket } = await client.call(MY_QUEUE_POSITION, { storeId });
  return ticket;
}

/**
 * Asks for the ticket every `everyMs` and hands each answer to `onTicket`, stopping once it is CALLED (or gone).
 * Errors go to `onError` and the watch goes on.
 * @param {{everyMs?: number, onError?: (e: Error) => void}} [options]
 * @returns {{stop: () => void, called: Promise<Ticket|null>}} called: settles with the called ticket (null if
 *   it disappeared or the watch was stopped)
 */
function watchQueue(client, storeId, onTicket, { everyMs = 10000, onError = () => {} } = {}) {
  let timer = null;
  let stopped = false;
  let settle;
  const called = new Promise((resolve) => {
    settle = resolve;
  });
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    settle(null);
  };
  async function poll() {
    try {
      const ticket = await myQueuePosition(client, storeId);
      if (stopped) return;
      onTicket(ticket);
      if (!ticket || ticket.status === "CALLED") {
        stopped = true;
        settle(ticket);
        return;
      }
    } catch (error) {
      onError(error);
    }
    if (!stopped) timer = setTimeout(poll, everyMs);
  }
  poll();
  return { stop, called };
}

module.exports = { joinQueue, myQueuePosition, watchQueue };
