"""Scheduled jobs: each a thin call into domain/, wrapped to record its last run (domain.jobs.cron_runs).

arq's `unique` cron can still run twice across workers, and a job interrupted by a restart runs again, so each
body is idempotent (conditional updates, unique keys). Crons do not retry: a failed run is recorded, and the
next scheduled run does the same work, having lost nothing.

Registering a cron: write `async def body(ctx, now) -> int` (how many things it did) as a thin call into
domain/, and add `cron(tracked("name", body), name="name", minute=...)` to the list `cron_jobs()` returns.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from arq import Retry, cron
from arq.cron import CronJob
from arq.typing import WorkerCoroutine

from channels.wechat import WeChatError
from domain import birthday_gifts
from domain.checkout.notifications import apply_unapplied
from domain.checkout.reconcile import reconcile_pending
from domain.commissions.release import BATCH as RELEASE_BATCH
from domain.commissions.release import release_due_commissions
from domain.coupons import expiry
from domain.jobs import cron_runs
from domain.payouts.batch import pay_out
from startup.clients import Clients
from workers.relay import relay

# A run stops after this many batches of commission releases; the next run goes on.
_MAX_BATCHES = 20
PAYMENT_QUERY_AFTER = timedelta(minutes=10)

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
    """Refetch the cached access token before it expires, so no member-facing call waits on WeChat."""
    clients: Clients = ctx["clients"]
    if not clients.settings.wechat_appid:
        return 0
    try:
        await clients.wechat.access_token()
    except WeChatError as e:
        raise Retry(defer=30) from e
    return 1


async def expire_coupons(ctx: dict[str, Any], now: datetime) -> int:
    """Warn owners 3 days before a coupon expires, and store EXPIRED on the lapsed ones."""
    mongo = ctx["clients"].mongo
    return await expiry.announce_expiring(mongo=mongo, now=now) + await expiry.expire_lapsed(mongo=mongo, now=now)


async def return_forwards(ctx: dict[str, Any], now: datetime) -> int:
    return await expiry.return_lapsed_forwards(mongo=ctx["clients"].mongo, now=now)


async def give_birthday_gifts(ctx: dict[str, Any], now: datetime) -> int:
    return await birthday_gifts.give_birthday_gifts(mongo=ctx["clients"].mongo, now=now)


async def release_commissions(ctx: dict[str, Any], now: datetime) -> int:
    """PENDING commissions past their freeze become AVAILABLE, in batches until a batch comes back short."""
    released = 0
    for _ in range(_MAX_BATCHES):
        batch = await release_due_commissions(mongo=ctx["clients"].mongo, now=now, limit=RELEASE_BATCH)
        released += batch
        if batch < RELEASE_BATCH:
            break
    return released


async def query_pending_payments(ctx: dict[str, Any], now: datetime) -> int:
    """Payments open for over 10 minutes: ask the provider (a notification may be lost or late)."""
    clients: Clients = ctx["clients"]
    report = await reconcile_pending(
        mongo=clients.mongo, providers=clients.payments, older_than=PAYMENT_QUERY_AFTER, now=now
    )
    return report.checked


async def apply_kept_notifications(ctx: dict[str, Any], now: datetime) -> int:
    """Payment notifications an API process acknowledged but never applied (it died after answering)."""
    return await apply_unapplied(mongo=ctx["clients"].mongo, now=now)


async def pay_out_commissions(ctx: dict[str, Any], now: datetime) -> int:
    """Shareholder payouts: open scheduled runs, hold payouts, send and settle transfer bills (within a budget)."""
    clients: Clients = ctx["clients"]
    channel = clients.payouts
    if channel is None:
        return 0
    return (await pay_out(mongo=clients.mongo, channel=channel, now=now)).work


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
        # Every minute; a round stops after its budget (50 s), well inside the timeout, and the next goes on.
        cron(tracked("payouts", pay_out_commissions), name="payouts", second=40, timeout=240),
    ]
