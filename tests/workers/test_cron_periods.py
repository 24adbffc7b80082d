"""Scheduled jobs with several workers: every worker's cron fires for each period, and the job's body runs once
per period however many fire at once or late; a run whose worker died is taken over once its lease lapses, and a
run arq retries claims its period again.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Retry

from db import collections as c
from db.mongo import Mongo
from domain.jobs import cron_runs
from startup.clients import open_clients
from startup.settings import Settings
from workers.crons import LEASE_MARGIN, tracked

PERIOD = datetime(2026, 12, 5, 8, 10, tzinfo=UTC)


def fired(ctx: dict[str, Any], name: str, period: datetime) -> dict[str, Any]:
    """A worker's ctx as arq hands it to a `unique` cron's run: the job id names the scheduled slot."""
    return {**ctx, "job_id": f"{name}:{int(period.timestamp() * 1000)}"}


@pytest.fixture
async def two_workers(settings: Settings, mongo: Mongo) -> AsyncIterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Two workers' ctx, each with clients of its own, as two `jike worker` processes have."""
    async with open_clients(settings) as one, open_clients(settings) as other:
        yield {"clients": one}, {"clients": other}


class Body:
    """A job body that counts its runs, raising once if told."""

    def __init__(self, raise_first: BaseException | None = None) -> None:
        self.runs: list[datetime] = []
        self.raise_first = raise_first

    async def __call__(self, ctx: dict[str, Any], now: datetime) -> int:
        self.runs.append(now)
        if self.raise_first is not None:
            error, self.raise_first = self.raise_first, None
            raise error
        return 1


async def test_a_period_runs_once_when_two_workers_fire_it_together_and_again_later(
    two_workers: tuple[dict[str, Any], dict[str, Any]], mongo: Mongo
) -> None:
    one, other = two_workers
    body = Body()
    run = tracked("sweep", body)

    # when both workers' crons fire for one period at once, three times each
    await asyncio.gather(*(run(fired(ctx, "sweep", PERIOD)) for ctx in (one, other) for _ in range(3)))
    # and one of them fires it again after it finished (arq's unique job id free again)
    await run(fired(other, "sweep", PERIOD))

    # then the body ran once, and the period's record says it is done
    assert len(body.runs) == 1
    record = await mongo.db[c.CRON_PERIODS].find_one({"name": "sweep"})
    assert record is not None
    assert (record["status"], record["attempts"], record["period"]) == ("DONE", 1, PERIOD)

    # when the next period comes, it runs once more
    await asyncio.gather(run(fired(one, "sweep", PERIOD + timedelta(minutes=10))), run(fired(other, "sweep", PERIOD)))
    assert len(body.runs) == 2


async def test_a_run_whose_worker_died_is_taken_over_only_once_its_lease_lapsed(
    two_workers: tuple[dict[str, Any], dict[str, Any]], mongo: Mongo
) -> None:
    one, _ = two_workers
    body = Body()
    run = tracked("sweep", body, lease=timedelta(minutes=5))
    now = datetime.now(UTC)
    # given a worker that claimed one period and died mid-run 10 minutes ago (its lease long lapsed),
    dead = PERIOD
    await cron_runs.claim_period(
        mongo=mongo, name="sweep", period=dead, now=now - timedelta(minutes=10), lease=LEASE_MARGIN
    )
    # and a worker running another period right now
    live = PERIOD + timedelta(minutes=10)
    await cron_runs.claim_period(mongo=mongo, name="sweep", period=live, now=now, lease=timedelta(minutes=5))

    # when arq runs both interrupted jobs again on this worker
    await run(fired(one, "sweep", dead))
    await run(fired(one, "sweep", live))

    # then the dead worker's period ran here, and the live one was left to its worker
    assert len(body.runs) == 1
    records = {r["period"]: r for r in await mongo.db[c.CRON_PERIODS].find({"name": "sweep"}).to_list()}
    assert (records[dead]["status"], records[dead]["attempts"]) == ("DONE", 2)
    assert records[live]["status"] == "RUNNING"


async def test_a_run_arq_retries_claims_its_period_again_and_a_failed_one_does_not_run_twice(
    two_workers: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    one, other = two_workers
    # given a job that asks arq to retry (WeChat did not answer) on its first try
    retried = Body(raise_first=Retry(defer=30))
    run = tracked("token", retried)
    with pytest.raises(Retry):
        await run(fired(one, "token", PERIOD))
    # when arq retries it, on another worker
    await run(fired(other, "token", PERIOD))
    # then the retry ran
    assert len(retried.runs) == 2

    # given a job that fails outright
    failing = Body(raise_first=RuntimeError("bug"))
    breaks = tracked("breaks", failing)
    with pytest.raises(RuntimeError):
        await breaks(fired(one, "breaks", PERIOD))
    # then another worker firing the same period runs nothing: the next period does the work
    await breaks(fired(other, "breaks", PERIOD))
    assert len(failing.runs) == 1
