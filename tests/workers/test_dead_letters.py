"""Failing events: a transient failure is retried with backoff and ends in the dead letters after the last
attempt; a bug goes there at once; an OWNER's retry sends the same event round again (once, however many
retries race), and the admin sees events in flight and dead letters without N+1 queries.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.outbox import TryAgainLater
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from startup.settings import Settings
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import make_staff
from tests.workers.conftest import QUICK_RETRY, Recorder, event, probe, run_worker, with_handler

# Every test here makes dead letters on purpose.
pytestmark = pytest.mark.dead_letters

DEAD_LETTERS = """
query($status: DeadLetterStatus) {
  deadLetters(status: $status, first: 20) {
    edges { node { id kind payload status attempts error deaths retriedAt } }
  }
}
"""
RETRY = """
mutation($id: ID!) {
  retryDeadLetter(input: {deadLetterId: $id}) {
    deadLetter { id status retriedAt }
    userErrors { field code }
  }
}
"""
IN_FLIGHT = """
query { jobsInFlight(first: 20) { edges { node { id kind attempts lastError relayedAt } } } jobsWaitingForRelay }
"""


async def test_a_transient_failure_is_retried_and_dead_lettered_after_the_last_attempt(
    settings: Settings, mongo: Mongo, shop: Shop, gql: Gql, owner_token: str
) -> None:
    # given an event whose handler keeps meeting a busy upstream
    busy = Recorder(TryAgainLater("upstream busy"))
    event_id = await event(mongo, shop, "TEST_BUSY")

    # when the worker runs
    await run_worker(settings, handlers=with_handler("TEST_BUSY", busy))

    # then the handler ran once per allowed attempt, and the event is dead with the reason
    assert busy.runs == [event_id] * QUICK_RETRY.max_attempts
    entry = await mongo.db[c.OUTBOX].find_one({"_id": event_id})
    assert entry is not None and (entry["status"], entry["attempts"]) == ("DEAD", 3)
    # and the owner sees the dead letter
    body = await gql("admin", DEAD_LETTERS, token=owner_token)
    [node] = [e["node"] for e in body["data"]["deadLetters"]["edges"]]
    assert node == {
        "id": to_global_id("DeadLetter", event_id),
        "kind": "TEST_BUSY",
        "payload": {"order_no": "A1"},
        "status": "DEAD",
        "attempts": 3,
        "error": "TryAgainLater: upstream busy",
        "deaths": 1,
        "retriedAt": None,
    }


async def test_a_bug_is_dead_lettered_at_once_and_an_unknown_kind_is_never_dropped(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given an event whose handler has a bug, and an event of a kind nobody handles yet
    buggy = Recorder(KeyError("to_level_name"))
    bug_id = await event(mongo, shop, "TEST_BUGGY")
    unknown_id = await event(mongo, shop, "TEST_NOBODY_HANDLES")

    # when the worker runs
    await run_worker(settings, handlers=with_handler("TEST_BUGGY", buggy))

    # then the bug ran once and both events are dead letters saying why
    assert buggy.runs == [bug_id]
    letters = {d["_id"]: d["error"] for d in await mongo.db[c.DEAD_LETTERS].find().to_list()}
    assert letters == {bug_id: "KeyError: 'to_level_name'", unknown_id: "no handler for TEST_NOBODY_HANDLES"}


async def test_an_owner_retries_a_dead_letter_and_the_event_runs_again(
    settings: Settings, mongo: Mongo, shop: Shop, gql: Gql, owner_token: str
) -> None:
    # given a dead letter whose cause has since been fixed
    event_id = await event(mongo, shop, "TEST_FIXED")
    await run_worker(settings, handlers=with_handler("TEST_FIXED", Recorder(TryAgainLater("down"))))
    fixed = Recorder(None)

    # when the owner retries it and the worker runs
    body = await gql("admin", RETRY, {"id": to_global_id("DeadLetter", event_id)}, token=owner_token)
    await run_worker(settings, handlers=with_handler("TEST_FIXED", fixed))

    # then the same event ran once more and is done, and the dead letter says it was retried
    assert body["data"]["retryDeadLetter"]["userErrors"] == []
    assert body["data"]["retryDeadLetter"]["deadLetter"]["status"] == "RETRIED"
    assert fixed.runs == [event_id]
    entry = await mongo.db[c.OUTBOX].find_one({"_id": event_id})
    assert entry is not None and entry["status"] == "DONE"
    retried = await gql("admin", DEAD_LETTERS, {"status": "RETRIED"}, token=owner_token)
    assert [e["node"]["id"] for e in retried["data"]["deadLetters"]["edges"]] == [to_global_id("DeadLetter", event_id)]


async def test_racing_retries_of_one_dead_letter_send_it_round_once(
    settings: Settings, mongo: Mongo, shop: Shop, gql: Gql, owner_token: str
) -> None:
    # given a dead letter
    event_id = await event(mongo, shop, "TEST_RACE")
    await run_worker(settings, handlers=with_handler("TEST_RACE", Recorder(ValueError("bug"))))

    # when the owner's retry is sent five times at once
    variables = {"id": to_global_id("DeadLetter", event_id)}
    bodies = await asyncio.gather(*(gql("admin", RETRY, variables, token=owner_token) for _ in range(5)))

    # then one went through and the others were told it was already retried
    codes = sorted((b["data"]["retryDeadLetter"]["userErrors"] or [{"code": "OK"}])[0]["code"] for b in bodies)
    assert codes == ["DEAD_LETTER_ALREADY_RETRIED"] * 4 + ["OK"]
    entry = await mongo.db[c.OUTBOX].find_one({"_id": event_id})
    assert entry is not None and (entry["status"], entry["attempts"]) == ("PENDING", 0)


async def test_a_manager_sees_dead_letters_but_only_an_owner_retries(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, gql: Gql
) -> None:
    # given a dead letter and a manager
    event_id = await event(mongo, shop, "TEST_MANAGED")
    await run_worker(settings, handlers=with_handler("TEST_MANAGED", Recorder(ValueError("bug"))))
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000021")

    # when the manager lists dead letters and tries to retry one
    listed = await gql("admin", DEAD_LETTERS, token=manager.token)
    retried = await gql("admin", RETRY, {"id": to_global_id("DeadLetter", event_id)}, token=manager.token)

    # then the list shows it and the retry is forbidden
    assert len(listed["data"]["deadLetters"]["edges"]) == 1
    assert retried["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_jobs_in_flight_and_dead_letters_are_listed_in_a_fixed_number_of_queries(
    settings: Settings, mongo: Mongo, shop: Shop, gql: Gql, owner_token: str
) -> None:
    # given five dead letters, five events handed to the worker and one still waiting for the relay
    for _ in range(5):
        await event(mongo, shop, "TEST_SCREEN_DEAD")
    await run_worker(settings, handlers=with_handler("TEST_SCREEN_DEAD", Recorder(ValueError("bug"))))
    merchant_id, now = shop.merchant.merchant.id, datetime.now(UTC)
    for i in range(6):
        await outbox.record_once(
            mongo=mongo, merchant_id=merchant_id, event=probe("TEST_SCREEN")(), dedupe_key=f"screen:{i}"
        )
    ids = [d["_id"] for d in await mongo.db[c.OUTBOX].find({"kind": "TEST_SCREEN"}).to_list()]
    await outbox.mark_relayed(mongo=mongo, ids=ids[:5], now=now, check_at=now + timedelta(minutes=10))
    await gql("admin", IN_FLIGHT, token=owner_token)

    # when the owner opens both screens
    with count_commands(mongo) as commands:
        in_flight = await gql("admin", IN_FLIGHT, token=owner_token)
        dead = await gql("admin", DEAD_LETTERS, token=owner_token)

    # then each is a page of what there is, in a fixed number of commands: the staff member (read by each
    # top-level field), then one read per field
    assert len(in_flight["data"]["jobsInFlight"]["edges"]) == 5
    assert in_flight["data"]["jobsWaitingForRelay"] == 1
    assert len(dead["data"]["deadLetters"]["edges"]) == 5
    assert sorted(commands) == sorted(["find", "find", "find", "aggregate", "find", "find"])
