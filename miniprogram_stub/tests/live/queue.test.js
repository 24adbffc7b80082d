// A walk-in takes a queue number in the mini-program, watches their place, and is told when staff call it.

const assert = require("node:assert/strict");
const { test } = require("node:test");

const { inbox } = require("../../lib/inbox.js");
const { joinQueue, myQueuePosition, watchQueue } = require("../../lib/queue.js");
const { start } = require("../../lib/session.js");
const { journey, nodeWx, staffCall } = require("./wx_node.js");

const given = journey();
const live = { skip: !given && "runs from tests/miniprogram/test_journeys.py against the live API" };

const CALL_NEXT = `
mutation CallNext($input: CallNextInput!) {
  callNext(input: $input) { ticket { id number status } userErrors { code message } }
}`;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("a queue ticket is called and the member is told", live, async () => {
  // given a member signed in on the 排队 page of the store
  const wx = nodeWx({ user: "walkin", sandboxUrl: given.sandboxUrl });
  const { client, ready } = start({ baseUrl: given.apiUrl, wx, merchantId: given.merchantId });
  await ready;

  // when they take a number, and joining again (a second tap) changes nothing
  const ticket = await joinQueue(client, given.storeId);
  assert.equal((await joinQueue(client, given.storeId)).id, ticket.id);
  assert.deepEqual([ticket.number, ticket.status, ticket.ahead], [1, "WAITING", 0]);
  assert.equal((await myQueuePosition(client, given.storeId)).status, "WAITING");

  // and the page watches the ticket while staff call the next number
  const seen = [];
  const watch = watchQueue(client, given.storeId, (t) => seen.push(t.status), { everyMs: 50 });
  const { callNext } = await staffCall(given, CALL_NEXT, { input: { storeId: given.storeId } });
  assert.deepEqual(callNext.userErrors, []);
  const called = await watch.called;

  // then the page shows the ticket called, and the inbox tells them so
  assert.equal(called.status, "CALLED");
  assert.equal(called.number, 1);
  assert.equal(seen.at(-1), "CALLED");
  let told = null;
  for (let i = 0; i < 100 && !told; i += 1) {
    told = (await inbox(client)).notifications.find((n) => n.topic === "QUEUE_CALLED");
    if (!told) await pause(100);
  }
  assert.ok(told, "no QUEUE_CALLED notification in the inbox");
  assert.ok(told.title.length > 0);
});
