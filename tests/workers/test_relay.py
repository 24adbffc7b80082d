"""The outbox relay: events survive a Redis outage in MongoDB and are each sent exactly once when it returns;
a relay that runs twice, races itself or died halfway never enqueues an event twice; a job Redis lost is
enqueued again; an event due later waits for its time.
"""

import asyncio
import subprocess
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from bson import ObjectId
from redis.exceptions import ConnectionError as RedisConnectionError

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.cards import points
from domain.notifications.topics import Topic
from startup.settings import Settings
from tests.conftest import Channels, Shop
from tests.workers.conftest import probe, run_worker, subscribed_members
from workers.relay import RECHECK_AFTER, Relayed, relay


async def arq_pool(settings: Settings) -> ArqRedis:
    return await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))


async def openids(mongo: Mongo, ids: list[ObjectId]) -> set[str]:
    return {d["openid"] for d in await mongo.db[c.MEMBERS].find({"_id": {"$in": ids}}).to_list()}


async def events(
    mongo: Mongo, shop: Shop, n: int, kind: str = "TEST_EVENT", due_at: datetime | None = None
) -> list[ObjectId]:
    written = []
    for i in range(n):
        key = f"test:{uuid.uuid4().hex}:{i}"
        await outbox.record_once(
            mongo=mongo,
            merchant_id=shop.merchant.merchant.id,
            event=probe(kind)(order_no=str(i)),
            dedupe_key=key,
            due_at=due_at,
        )
        doc = await mongo.db[c.OUTBOX].find_one({"dedupe_key": key})
        assert doc is not None
        written.append(doc["_id"])
    return written


async def statuses(mongo: Mongo, kind: str) -> list[str]:
    return [d["status"] for d in await mongo.db[c.OUTBOX].find({"kind": kind}).to_list()]


@pytest.mark.slow
async def test_events_written_while_redis_is_down_are_all_sent_exactly_once_when_it_returns(
    own_redis: tuple[Settings, subprocess.Popen[bytes], int], mongo: Mongo, shop: Shop, channels: Channels
) -> None:
    settings, process, port = own_redis
    # given 50 WeChat members who each granted one level-up message, and a worker's connection to Redis
    members = await subscribed_members(mongo, shop, 50, Topic.LEVEL_UP)
    targets = await openids(mongo, [m.id for m in members])
    pool = await arq_pool(settings)

    # when Redis stops and then each member pays enough to reach silver
    await asyncio.to_thread(embedded.stop, process)
    for member in members:
        await points.record_payment(
            mongo=mongo,
            merchant_id=shop.merchant.merchant.id,
            member_id=member.id,
            paid_fen=100_000,
            reference="order",
            idempotency_key=uuid.uuid4().hex,
        )

    # then the relay cannot hand the events to Redis, and all 50 wait in MongoDB
    with pytest.raises(RedisConnectionError):
        await relay(mongo=mongo, redis=pool, now=datetime.now(UTC))
    assert await statuses(mongo, "LEVEL_UP") == ["PENDING"] * 50
    await pool.aclose()

    # when Redis comes back and the worker runs, twice over
    restarted = await asyncio.to_thread(embedded.start_redis, port, None)
    try:
        await run_worker(settings)
        await run_worker(settings)
    finally:
        await asyncio.to_thread(embedded.stop, restarted)

    # then every member was sent exactly one message, and every event is done
    sent = [m["touser"] for m in channels.state.sent_messages if m["touser"] in targets]
    assert sorted(sent) == sorted(targets)
    assert await statuses(mongo, "LEVEL_UP") == ["DONE"] * 50
    # and each member also has it in the inbox, once
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"topic": "LEVEL_UP", "wechat.status": "SENT"}) == 50


async def test_a_relay_run_twice_enqueues_each_event_once(settings: Settings, mongo: Mongo, shop: Shop) -> None:
    # given three events due now
    written = await events(mongo, shop, 3)
    pool = await arq_pool(settings)

    # when the relay runs twice
    now = datetime.now(UTC)
    first = await relay(mongo=mongo, redis=pool, now=now)
    second = await relay(mongo=mongo, redis=pool, now=now)

    # then the first enqueued one job per event, under the event's id, and the second found nothing to do
    assert (first, second) == (Relayed(3, 0, 0), Relayed(0, 0, 0))
    assert sorted(str(j.job_id) for j in await pool.queued_jobs()) == sorted(str(i) for i in written)
    assert await statuses(mongo, "TEST_EVENT") == ["RELAYED"] * 3
    await pool.aclose()


async def test_racing_relays_enqueue_each_event_once(settings: Settings, mongo: Mongo, shop: Shop) -> None:
    # given twenty events due now and two workers' relays
    await events(mongo, shop, 20)
    pools = [await arq_pool(settings), await arq_pool(settings)]

    # when both relay at the same moment
    now = datetime.now(UTC)
    results = await asyncio.gather(*(relay(mongo=mongo, redis=p, now=now) for p in pools))

    # then Redis holds one job per event, and every event is relayed
    assert sum(r.enqueued for r in results) == 20
    assert len(await pools[0].queued_jobs()) == 20
    assert await statuses(mongo, "TEST_EVENT") == ["RELAYED"] * 20
    for p in pools:
        await p.aclose()


async def test_a_relay_that_died_after_enqueueing_does_not_enqueue_again(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given an event a relay enqueued and then died before marking it
    [event_id] = await events(mongo, shop, 1)
    pool = await arq_pool(settings)
    assert await pool.enqueue_job("handle_event", str(event_id), _job_id=str(event_id)) is not None

    # when the next relay runs
    result = await relay(mongo=mongo, redis=pool, now=datetime.now(UTC))

    # then arq refuses the same job id, so there is still one job, and the event is now marked relayed
    assert result == Relayed(0, 1, 0)
    assert len(await pool.queued_jobs()) == 1
    assert await statuses(mongo, "TEST_EVENT") == ["RELAYED"]
    await pool.aclose()


async def test_a_job_redis_lost_is_enqueued_again_after_the_recheck_window(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a relayed event whose job Redis then lost (a flush, a failover)
    await events(mongo, shop, 1)
    pool = await arq_pool(settings)
    now = datetime.now(UTC)
    await relay(mongo=mongo, redis=pool, now=now)
    await pool.flushdb()

    # when the relay runs before the recheck window and after it
    early = await relay(mongo=mongo, redis=pool, now=now + timedelta(minutes=1))
    late = await relay(mongo=mongo, redis=pool, now=now + RECHECK_AFTER + timedelta(seconds=1))

    # then only the later run looks, and it enqueues the event again
    assert (early.requeued, late.requeued) == (0, 1)
    assert len(await pool.queued_jobs()) == 1
    await pool.aclose()


async def test_an_event_due_later_waits_for_its_time_and_a_cancelled_one_never_goes(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a reminder due in two hours and another that was cancelled
    now = datetime.now(UTC)
    [due_later] = await events(mongo, shop, 1, due_at=now + timedelta(hours=2))
    await events(mongo, shop, 1, kind="TEST_CANCELLED")
    await mongo.db[c.OUTBOX].update_one({"kind": "TEST_CANCELLED"}, {"$set": {"status": "CANCELLED"}})
    pool = await arq_pool(settings)

    # when the relay runs now, and again once the reminder is due
    before = await relay(mongo=mongo, redis=pool, now=now)
    at_due = await relay(mongo=mongo, redis=pool, now=now + timedelta(hours=2))

    # then the reminder goes only at its time, and the cancelled event never
    assert (before.enqueued, at_due.enqueued) == (0, 1)
    assert [j.job_id for j in await pool.queued_jobs()] == [str(due_later)]
    await pool.aclose()
