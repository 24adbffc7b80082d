"""Scheduled jobs: each a thin call into domain/ (the jobs of domain.jobs.scheduled, which an OWNER or an
operator can also run at once, and the outbox relay), wrapped to record its last run (domain.jobs.cron_runs).

arq's `unique` cron can still run twice across workers, and a job interrupted by a restart runs again, so each
body is idempotent (conditional updates, unique keys). Crons do not retry: a failed run is recorded, and the
next scheduled run does the same work, having lost nothing.

Registering a cron: add the job to domain.jobs.scheduled.JOBS, write `async def body(ctx, now) -> int` here
calling it with `ctx["clients"]`, and add `cron(tracked("name", body), name="name", minute=...)` to the list
`cron_jobs()` returns.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, cast

from arq import Retry, cron
from arq.cron import CronJob
from arq.typing import WorkerCoroutine

from channels.wechat import WeChatError
from domain.jobs import cron_runs, scheduled
from startup.clients import Clients
from workers.relay import relay

CronBody = Callable[[dict[str, Any], datetime], Awaitable[int]]


def tracked(name: str, body: CronBody) -> WorkerCoroutine:
    async def run(ctx: dict[str, Any]) -> int:
        mongo = ctx["clients"].mongo
        now = datetime.now(UTC)
        await cron_runs.started(mongo=mongo, name=name, now=now)
        error: BaseException | None = None
        processed = 0
        try:
            processed = await body(ctx, now)
        except BaseException as e:
            error = e
            raise
        finally:
            await cron_runs.finished(mongo=mongo, name=name, now=datetime.now(UTC), error=error, processed=processed)
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


async def evaluate_alerts(ctx: dict[str, Any], now: datetime) -> int:
    return await scheduled.evaluate_alerts(ctx["clients"], now)


def cron_jobs() -> list[CronJob]:
    """Fresh every call: arq keeps each cron's next run on the CronJob object itself."""
    return [
        cron(
            tracked("relay_outbox", relay_outbox),
            name="relay_outbox",
            second=set(range(0, 60, 5)),
            run_at_startup=True,
            timeout=120,
        ),
        cron(
            tracked("keep_wechat_token_fresh", keep_wechat_token_fresh),
            name="keep_wechat_token_fresh",
            minute=set(range(0, 60, 10)),
            max_tries=5,
        ),
        cron(tracked("expire_coupons", expire_coupons), name="expire_coupons", minute=5),
        cron(tracked("return_forwards", return_forwards), name="return_forwards", minute=set(range(2, 60, 10))),
        cron(tracked("birthday_gifts", give_birthday_gifts), name="birthday_gifts", minute=15),
        cron(tracked("release_commissions", release_commissions), name="release_commissions", minute={25, 55}),
        # A member may be looking at "paying" meanwhile: every 20 s.
        cron(
            tracked("apply_kept_notifications", apply_kept_notifications),
            name="apply_kept_notifications",
            second={0, 20, 40},
        ),
        cron(
            tracked("query_pending_payments", query_pending_payments),
            name="query_pending_payments",
            minute=set(range(0, 60, 2)),
            second=30,
        ),
        cron(tracked("alerts", evaluate_alerts), name="alerts", minute=set(range(1, 60, 10)), timeout=240),
        # Every minute; a round stops after its budget (50 s), well inside the timeout, and the next goes on.
        cron(tracked("payouts", pay_out_commissions), name="payouts", second=40, timeout=240),
    ]
