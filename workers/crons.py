"""Scheduled jobs: each a thin call into domain/ (the jobs of domain.jobs.scheduled, which an OWNER or an
operator can also run at once, and the outbox relay), wrapped to record its last run (domain.jobs.cron_runs).

Every worker runs the same schedule, and arq's `unique` cron can still run a period twice across workers (its job
id is free again once a run's result is gone, and a Redis failover forgets it), so each run first claims its
period (domain.jobs.cron_runs.claim_period): one record per job and period, the first claim runs the body and
the others skip it. The claim is a lease as long as the job's timeout: a worker that dies mid-run leaves it to
lapse, and arq's own re-run of the interrupted job (on any worker) takes it over. Bodies stay idempotent all the
same. Crons do not retry: a failed run is recorded, and the next period does the same work, having lost nothing.

Registering a cron: add the job to domain.jobs.scheduled.JOBS, write `async def body(ctx, now) -> int` here
calling it with `ctx["clients"]`, and add `scheduled_cron("name", body, minute=...)` to the list `cron_jobs()`
returns.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from arq import Retry, cron
from arq.cron import CronJob
from arq.typing import WorkerCoroutine

from channels.wechat import WeChatError
from domain.jobs import cron_runs, scheduled
from startup.clients import Clients
from workers.events import count_outcome
from workers.relay import relay

log = logging.getLogger(__name__)

CronBody = Callable[[dict[str, Any], datetime], Awaitable[int]]

# arq's default job timeout, which a cron declared without one runs under.
DEFAULT_TIMEOUT_S = 300
# A lease outlives the run it covers by this much, so a run arq cancels at its timeout is never taken over.
LEASE_MARGIN = timedelta(seconds=10)


def period_of(ctx: dict[str, Any], now: datetime) -> datetime:
    """The period this run is for: the slot arq scheduled it at, which every worker computes alike from the
    schedule and writes into the job id (`name:unix-ms`, arq's `unique` crons). Called outside arq (a test), the
    run is a period of its own."""
    _, _, slot = str(ctx.get("job_id", "")).rpartition(":")
    if slot.isdigit():
        return datetime.fromtimestamp(int(slot) / 1000, UTC)
    return now


def tracked(name: str, body: CronBody, *, lease: timedelta = timedelta(seconds=DEFAULT_TIMEOUT_S)) -> WorkerCoroutine:
    async def run(ctx: dict[str, Any]) -> int:
        mongo = ctx["clients"].mongo
        now = datetime.now(UTC)
        claim = await cron_runs.claim_period(
            mongo=mongo, name=name, period=period_of(ctx, now), now=now, lease=lease + LEASE_MARGIN
        )
        if claim is None:
            log.debug("%s: this period ran or runs on another worker", name)
            await count_outcome(ctx, name, "skipped")
            return 0
        await cron_runs.started(mongo=mongo, name=name, now=now)
        error: BaseException | None = None
        processed = 0
        try:
            processed = await body(ctx, now)
        except BaseException as e:
            error = e
            raise
        finally:
            ended = datetime.now(UTC)
            await cron_runs.finished(mongo=mongo, name=name, now=ended, error=error, processed=processed)
            if isinstance(error, Retry | asyncio.CancelledError):
                await cron_runs.release_period(mongo=mongo, claim=claim, now=ended)
            else:
                await cron_runs.finish_period(mongo=mongo, claim=claim, now=ended, error=error, processed=processed)
            outcome = "done" if error is None else "retry" if isinstance(error, Retry) else "failed"
            await count_outcome(ctx, name, outcome)
        return processed

    run.__qualname__ = run.__name__ = name
    return cast(WorkerCoroutine, run)


async def relay_outbox(ctx: dict[str, Any], now: datetime) -> int:
    clients: Clients = ctx["clients"]
    relayed = await relay(mongo=clients.mongo, redis=ctx["redis"], now=now)
    return relayed.enqueued + relayed.requeued


async def keep_wechat_token_fresh(ctx: dict[str, Any], now: datetime) -> int:
    try:
        return await scheduled.keep_wechat_token_fresh(ctx["clients"], now)
    except WeChatError as e:
        raise Retry(defer=30) from e


async def expire_coupons(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.expire_coupons(ctx["clients"], now)


async def return_forwards(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.return_forwards(ctx["clients"], now)


async def give_birthday_gifts(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.give_birthday_gifts(ctx["clients"], now)


async def release_commissions(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.release_commissions(ctx["clients"], now)


async def query_pending_payments(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.query_pending_payments(ctx["clients"], now)


async def apply_kept_notifications(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.apply_kept_notifications(ctx["clients"], now)


async def pay_out_commissions(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.pay_out_commissions(ctx["clients"], now)


async def run_journeys(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.run_journeys(ctx["clients"], now)


async def evaluate_alerts(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.evaluate_alerts(ctx["clients"], now)


async def apply_retention(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.apply_retention(ctx["clients"], now)


async def refresh_segment_facts(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.refresh_segment_facts(ctx["clients"], now)


async def send_campaigns(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.send_campaigns(ctx["clients"], now)


def scheduled_cron(name: str, body: CronBody, *, timeout: int = DEFAULT_TIMEOUT_S, **schedule: Any) -> CronJob:
    """arq's cron for `body`, its period claimed under a lease as long as its timeout."""
    return cron(tracked(name, body, lease=timedelta(seconds=timeout)), name=name, timeout=timeout, **schedule)


def cron_jobs() -> list[CronJob]:
    """Fresh every call: arq keeps each cron's next run on the CronJob object itself."""
    return [
        scheduled_cron("relay_outbox", relay_outbox, second=set(range(0, 60, 5)), run_at_startup=True, timeout=120),
        scheduled_cron("keep_wechat_token_fresh", keep_wechat_token_fresh, minute=set(range(0, 60, 10)), max_tries=5),
        scheduled_cron("expire_coupons", expire_coupons, minute=5),
        scheduled_cron("return_forwards", return_forwards, minute=set(range(2, 60, 10))),
        scheduled_cron("birthday_gifts", give_birthday_gifts, minute=15),
        scheduled_cron("release_commissions", release_commissions, minute={25, 55}),
        # A member may be looking at "paying" meanwhile: every 20 s.
        scheduled_cron("apply_kept_notifications", apply_kept_notifications, second={0, 20, 40}),
        scheduled_cron("query_pending_payments", query_pending_payments, minute=set(range(0, 60, 2)), second=30),
        scheduled_cron("journeys", run_journeys, minute=35, timeout=240),
        scheduled_cron("alerts", evaluate_alerts, minute=set(range(1, 60, 10)), timeout=240),
        # Monthly, at night: anonymizing a long-inactive member is one transaction each.
        scheduled_cron("retention", apply_retention, day=1, hour=3, minute=40, second=0, timeout=1800),
        # Every minute; a round stops after its budget (50 s), well inside the timeout, and the next goes on.
        scheduled_cron("payouts", pay_out_commissions, second=40, timeout=240),
        # Nightly, 03:30 in China (the schedule is UTC, whatever the host's zone); a long lease, as it goes through
        # every member.
        scheduled_cron("segment_facts", refresh_segment_facts, hour=19, minute=30, timeout=3600),
        # Every minute, like payouts: a run sends for its budget (50 s) and the next goes on from the cursor.
        scheduled_cron("campaigns", send_campaigns, second=10, timeout=240),
    ]
