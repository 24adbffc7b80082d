"""The worker through outages of its own Redis and MongoDB (real processes, stopped and started again): it rides
out a Redis outage, not ready meanwhile, and drains what was written once Redis is back; a job whose outbox
write meets MongoDB gone is retried within seconds, instead of waiting for the relay's ten-minute recheck.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from arq.connections import RedisSettings, create_pool
from arq.worker import Worker
from bson import ObjectId
from pydantic import SecretStr

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain.outbox import OutboxEntry, TryAgainLater
from startup.backoff import Backoff
from startup.clients import Clients
from startup.settings import Settings
from tests.conftest import IGNORE_CANCELLED_CONNECT, OwnServer, Shop, eventually
from tests.workers.conftest import QUICK_RETRY, Recorder, event, run_worker, with_handler
from workers.crons import cron_jobs
from workers.events import Handler, Handlers
from workers.relay import relay
from workers.runner import keep_running
from workers.settings import worker_options

pytestmark = pytest.mark.filterwarnings(IGNORE_CANCELLED_CONNECT)

SELECTION_TIMEOUT_MS = 1000
# Retries come within seconds: far below the relay's ten-minute recheck, the only way back for a dropped job.
DONE_WITHIN_S = 20
QUICK_RECONNECT = Backoff(first_s=0.1, factor=2, max_s=1)


@asynccontextmanager
async def worker_running(settings: Settings, handlers: Handlers, ready_file: Path) -> AsyncIterator[asyncio.Task[None]]:
    """`jike worker` in the background (the relay every 5 s, no other cron), stopped as SIGTERM would."""
    relay_only = [job for job in cron_jobs() if job.name == "relay_outbox"]
    options = worker_options(settings, handlers=handlers, retry_policy=QUICK_RETRY, cron_jobs=relay_only)
    options |= {"poll_delay": 0.1, "handle_signals": False}
    task = asyncio.create_task(keep_running(options, backoff=QUICK_RECONNECT, ready_file=ready_file))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def statuses(mongo: Mongo, ids: list[ObjectId]) -> list[str]:
    return [d["status"] for d in await mongo.db[c.OUTBOX].find({"_id": {"$in": ids}}).to_list()]


async def done(mongo: Mongo, ids: list[ObjectId]) -> bool:
    return await statuses(mongo, ids) == ["DONE"] * len(ids)


async def test_the_worker_rides_out_a_redis_outage_and_drains_afterwards(
    settings: Settings, mongo: Mongo, shop: Shop, redis_server: OwnServer, tmp_path: Path
) -> None:
    # given a worker on a Redis of our own that has handled an event
    await redis_server.start()
    settings = settings.model_copy(update={"redis_url": SecretStr(redis_server.url)})
    handler = Recorder(None)
    ready = tmp_path / "worker.ready"
    async with worker_running(settings, with_handler("TEST_OUTAGE", handler), ready) as worker:
        first = await event(mongo, shop, "TEST_OUTAGE")
        assert await eventually(lambda: done(mongo, [first]), DONE_WITHIN_S)

        # when Redis stops for a while
        await redis_server.stop()
        await asyncio.sleep(1)

        # then the worker is still there, and not ready
        assert not worker.done(), worker.exception()
        assert not ready.exists()

        # when events are written meanwhile and Redis comes back
        later = [await event(mongo, shop, "TEST_OUTAGE") for _ in range(3)]
        await redis_server.start()

        # then the worker is ready again and handles each of them once
        assert await eventually(lambda: done(mongo, later), DONE_WITHIN_S)
        assert ready.exists()
        assert sorted(handler.runs) == sorted([first, *later])

    # and a stopped worker is not ready
    assert not ready.exists()


class DownOnFirstRun:
    """A handler whose first run stops MongoDB and then meets a busy upstream; later runs succeed."""

    def __init__(self, server: OwnServer) -> None:
        self.server = server
        self.runs = 0
        self.stopped = asyncio.Event()

    async def __call__(self, clients: Clients, entry: OutboxEntry, event: object) -> None:
        self.runs += 1
        if self.runs == 1:
            await self.server.stop()
            self.stopped.set()
            raise TryAgainLater("upstream busy")


@asynccontextmanager
async def own_database(settings: Settings, server: OwnServer) -> AsyncIterator[tuple[Settings, Mongo]]:
    await server.start()
    on_own = settings.model_copy(
        update={"mongodb_uri": SecretStr(server.url), "mongodb_server_selection_timeout_ms": SELECTION_TIMEOUT_MS}
    )
    handle = open_mongo(server.url, settings.mongodb_db)
    try:
        yield on_own, handle
    finally:
        await handle.close()


def in_background(settings: Settings, handler: Handler) -> asyncio.Task[Worker]:
    """The worker in burst mode: it ends once no job is left, a retry waiting for its time included."""
    return asyncio.create_task(run_worker(settings, handlers=with_handler("TEST_OUTAGE", handler), poll_delay=0.05))


async def test_a_job_that_finds_mongodb_down_when_it_starts_is_retried_within_seconds(
    settings: Settings, mongo: Mongo, shop: Shop, mongo_server: OwnServer
) -> None:
    async with own_database(settings, mongo_server) as (settings, own):
        # given an event relayed to a job, and then MongoDB stops
        handler = Recorder(None)
        event_id = await event(own, shop, "TEST_OUTAGE")
        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))
        await relay(mongo=own, redis=pool, now=datetime.now(UTC))
        await pool.aclose()
        await mongo_server.stop()

        # when the worker runs the job, and MongoDB comes back a moment later
        worker = in_background(settings, handler)
        await asyncio.sleep(1.5)
        await mongo_server.start()

        # then the job was retried, within seconds, and the event is handled
        async with asyncio.timeout(DONE_WITHIN_S):
            ran = await worker
        assert await statuses(own, [event_id]) == ["DONE"]
        assert ran.jobs_retried >= 1
        assert handler.runs == [event_id]


async def test_a_job_whose_failure_cannot_be_noted_is_retried_within_seconds(
    settings: Settings, mongo: Mongo, shop: Shop, mongo_server: OwnServer
) -> None:
    async with own_database(settings, mongo_server) as (settings, own):
        # given an event whose handler's first run meets a busy upstream just as MongoDB stops
        handler = DownOnFirstRun(mongo_server)
        event_id = await event(own, shop, "TEST_OUTAGE")

        # when the worker runs it, and MongoDB comes back once the failure could not be noted
        worker = in_background(settings, handler)
        await handler.stopped.wait()
        await asyncio.sleep(1.5)
        await mongo_server.start()

        # then the job was retried, within seconds, and its second run handled the event
        async with asyncio.timeout(DONE_WITHIN_S):
            await worker
        assert await statuses(own, [event_id]) == ["DONE"]
        assert handler.runs == 2
