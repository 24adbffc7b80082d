"""Outbox events in the worker: the `handle_event` task the relay enqueues (one per entry, job id = entry id)
and the registry of handlers it dispatches to by event class (domain/events.py has one class per kind).

arq retries only on `Retry`, so this task decides: a transient failure (TryAgainLater, an unreachable Mongo,
Redis or upstream) is retried with backoff until `RetryPolicy.max_attempts`, then dead-lettered; any other
exception, a payload that does not parse included, is a bug and is dead-lettered at once (an OWNER can retry it
after the fix). Attempts are counted in the outbox, so a run that was killed or timed out counts too; when the
outbox itself cannot be read or written, the job is retried within seconds, backing off while that lasts. Every
handler must be idempotent: an entry runs again after a crash, a retry, or a dead-letter retry; handlers that
finished are skipped on later runs.

Registering a handler: write `async def on_x(clients: Clients, entry: OutboxEntry, event: X) -> None` as a thin
call into domain/, and add it to X's line in HANDLERS with `on(X, ...)`, which checks the handler takes an X.
Kinds written but not registered are dead-lettered (never silently dropped), so registering later and retrying
the dead letters catches up.
"""

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from arq import Retry
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import ConnectionFailure, PyMongoError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain import ops_metrics, outbox
from domain.checkout.refunds import refund_deposit
from domain.commissions.accrual import on_order_paid
from domain.commissions.reversal import on_order_refunded
from domain.events import (
    BalanceChanged,
    BirthdayGift,
    BookingCancelled,
    BookingConfirmed,
    BookingEvent,
    BookingReminder,
    BookingRescheduled,
    CardClosed,
    CardIssued,
    CommissionAccrued,
    CommissionBalanceChanged,
    CouponExpiring,
    CouponReceived,
    CouponRedeemed,
    DepositRefundDue,
    Event,
    LevelUp,
    MemberBound,
    MemberDataRequested,
    MemberJoined,
    OrderPaid,
    OrderRefunded,
    PayoutSent,
    PayoutWaiting,
    PointsChanged,
    QueueCalled,
    QueueEvent,
    QueueNear,
)
from domain.jobs import dead_letters
from domain.journeys import effect as journey_effect
from domain.marketing import effect, touches
from domain.notifications import announcements
from domain.notifications.delivery import Outlets
from domain.notifications.sms import LoggingSms
from domain.outbox import OutboxEntry, TryAgainLater
from domain.payouts import announce as payout_announcements
from domain.privacy import data_copy
from domain.reports import balances, joins, rollups
from domain.segments import facts
from startup.backoff import Backoff
from startup.clients import Clients

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Handler = Callable[[Clients, OutboxEntry, Any], Awaitable[None]]
Handlers = Mapping[type[Event], tuple[Handler, ...]]
# The events about one member that change what segments filter on.
MemberEvent = OrderPaid | OrderRefunded | MemberJoined | MemberBound | LevelUp | CardIssued | BalanceChanged


@dataclass(frozen=True)
class RetryPolicy:
    """Runs per event, and the wait before each retry: 30 s, 90 s, 270 s, 810 s, then a dead letter.

    `outage` is the wait, by arq's try count, when the outbox itself cannot be read or written (MongoDB or Redis
    gone): 1 s, 2 s, 4 s… up to a minute, for as long as that lasts.
    """

    max_attempts: int = 5
    first_delay_s: float = 30
    factor: float = 3
    max_delay_s: float = 3600
    outage: Backoff = Backoff(first_s=1, factor=2, max_s=60)

    def delay(self, attempt: int) -> float:
        return float(min(self.first_delay_s * self.factor ** (attempt - 1), self.max_delay_s))


DEFAULT_RETRY = RetryPolicy()


def outlets(clients: Clients) -> Outlets:
    return Outlets(
        mongo=clients.mongo,
        wechat=clients.wechat,
        sms=LoggingSms(),
        pii=clients.pii,
        template_ids=clients.settings.wechat_subscribe_templates,
    )


async def notify_booking(clients: Clients, entry: OutboxEntry, event: BookingEvent) -> None:
    await announcements.booking_changed(outlets(clients), entry, event)


async def notify_level_up(clients: Clients, entry: OutboxEntry, event: LevelUp) -> None:
    await announcements.level_up(outlets(clients), entry, event)


async def notify_points_changed(clients: Clients, entry: OutboxEntry, event: PointsChanged) -> None:
    await announcements.points_changed(outlets(clients), entry, event)


async def notify_queue(clients: Clients, entry: OutboxEntry, event: QueueEvent) -> None:
    await announcements.queue_called(outlets(clients), entry, event)


async def notify_coupon_received(clients: Clients, entry: OutboxEntry, event: CouponReceived) -> None:
    await announcements.coupon_received(outlets(clients), entry, event)


async def notify_coupon_expiring(clients: Clients, entry: OutboxEntry, event: CouponExpiring) -> None:
    await announcements.coupon_expiring(outlets(clients), entry, event)


async def count_journey_touch(clients: Clients, entry: OutboxEntry, event: CouponReceived | CouponExpiring) -> None:
    await journey_effect.told(mongo=clients.mongo, entry=entry, event=event)


async def notify_birthday_gift(clients: Clients, entry: OutboxEntry, event: BirthdayGift) -> None:
    await announcements.birthday_gift(outlets(clients), entry, event)


async def notify_commission_accrued(clients: Clients, entry: OutboxEntry, event: CommissionAccrued) -> None:
    await announcements.commission_accrued(outlets(clients), entry, event)


async def notify_payout_waiting(clients: Clients, entry: OutboxEntry, event: PayoutWaiting) -> None:
    await payout_announcements.payout_waiting(outlets(clients), entry, event)


async def notify_payout_sent(clients: Clients, entry: OutboxEntry, event: PayoutSent) -> None:
    await payout_announcements.payout_sent(outlets(clients), entry, event)


async def refund_booking_deposit(clients: Clients, entry: OutboxEntry, event: DepositRefundDue) -> None:
    await refund_deposit(
        mongo=clients.mongo, providers=clients.payments, merchant_id=entry.merchant_id, booking_id=event.booking_id
    )


async def accrue_commissions(clients: Clients, entry: OutboxEntry, event: OrderPaid) -> None:
    await on_order_paid(mongo=clients.mongo, event=event)


async def reverse_commissions(clients: Clients, entry: OutboxEntry, event: OrderRefunded) -> None:
    # Accrues the order first when its ORDER_PAID job has not run yet, so the reversal never waits for a retry.
    await on_order_refunded(mongo=clients.mongo, event=event)


async def count_paid_order(clients: Clients, entry: OutboxEntry, event: OrderPaid) -> None:
    await rollups.on_order_paid(mongo=clients.mongo, event=event)


async def count_refund(clients: Clients, entry: OutboxEntry, event: OrderRefunded) -> None:
    await rollups.on_order_refunded(mongo=clients.mongo, event=event)


async def count_balance(clients: Clients, entry: OutboxEntry, event: Event) -> None:
    await balances.on_balance_event(mongo=clients.mongo, merchant_id=entry.merchant_id, entry_id=entry.id, event=event)


async def count_joined(clients: Clients, entry: OutboxEntry, event: MemberJoined) -> None:
    await joins.on_member_joined(mongo=clients.mongo, merchant_id=entry.merchant_id, event=event)


async def count_bound(clients: Clients, entry: OutboxEntry, event: MemberBound) -> None:
    await joins.on_member_bound(mongo=clients.mongo, merchant_id=entry.merchant_id, event=event)


async def count_touch_paid(clients: Clients, entry: OutboxEntry, event: OrderPaid) -> None:
    await effect.on_order_paid(mongo=clients.mongo, event=event)


async def count_touch_refund(clients: Clients, entry: OutboxEntry, event: OrderRefunded) -> None:
    await effect.on_order_refunded(mongo=clients.mongo, event=event)


async def count_touch_redeemed(clients: Clients, entry: OutboxEntry, event: CouponRedeemed) -> None:
    await touches.mark_redeemed(mongo=clients.mongo, merchant_id=entry.merchant_id, coupon_id=event.coupon_id)


async def keep_member_facts(clients: Clients, entry: OutboxEntry, event: MemberEvent) -> None:
    if event.member_id is not None:
        await facts.refresh(
            mongo=clients.mongo, merchant_id=entry.merchant_id, member_id=event.member_id, now=datetime.now(UTC)
        )


async def prepare_member_data(clients: Clients, entry: OutboxEntry, event: MemberDataRequested) -> None:
    await data_copy.prepare(
        mongo=clients.mongo,
        pii=clients.pii,
        merchant_id=entry.merchant_id,
        request_id=event.request_id,
        now=datetime.now(UTC),
    )


def on(
    kind: type[E], *handlers: Callable[[Clients, OutboxEntry, E], Awaitable[None]]
) -> tuple[type[Event], tuple[Handler, ...]]:
    """One line of the registry: the event class and its handlers, each typed to take that class."""
    return kind, handlers


# Event class -> its handlers, run in order.
HANDLERS: Handlers = dict(
    [
        on(OrderPaid, accrue_commissions, count_paid_order, count_touch_paid, keep_member_facts),
        on(OrderRefunded, reverse_commissions, count_refund, count_touch_refund, keep_member_facts),
        on(MemberJoined, count_joined, keep_member_facts),
        on(MemberBound, count_bound, keep_member_facts),
        on(MemberDataRequested, prepare_member_data),
        on(PointsChanged, notify_points_changed),
        on(LevelUp, notify_level_up, count_balance, keep_member_facts),
        on(CardIssued, count_balance, keep_member_facts),
        on(CardClosed, count_balance),
        on(BalanceChanged, count_balance, keep_member_facts),
        on(CouponReceived, notify_coupon_received, count_journey_touch),
        on(CouponRedeemed, count_touch_redeemed),
        on(CouponExpiring, notify_coupon_expiring, count_journey_touch),
        on(BirthdayGift, notify_birthday_gift),
        on(BookingConfirmed, notify_booking),
        on(BookingRescheduled, notify_booking),
        on(BookingCancelled, notify_booking),
        on(BookingReminder, notify_booking),
        on(DepositRefundDue, refund_booking_deposit),
        on(QueueNear, notify_queue),
        on(QueueCalled, notify_queue),
        on(CommissionAccrued, notify_commission_accrued),
        on(CommissionBalanceChanged, count_balance),
        on(PayoutWaiting, notify_payout_waiting),
        on(PayoutSent, notify_payout_sent),
    ]
)

# arq's own Retry from a handler counts as transient too, so the outbox's attempt count still decides.
_TRANSIENT = (TryAgainLater, Retry, ConnectionFailure, RedisConnectionError, RedisTimeoutError, httpx.TransportError)


def is_transient(error: BaseException) -> bool:
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, PyMongoError) and error.has_error_label("TransientTransactionError")


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


async def _run(clients: Clients, kind: type[Event], handlers: tuple[Handler, ...], entry: OutboxEntry) -> None:
    event = kind.from_payload(entry.payload)
    for handler in handlers:
        name = handler_name(handler)
        if name not in entry.handled:
            await handler(clients, entry, event)
            await outbox.handler_done(mongo=clients.mongo, entry_id=entry.id, handler=name)


async def _failed(clients: Clients, entry: OutboxEntry, error: Exception, policy: RetryPolicy, now: datetime) -> str:
    """Dead-letters the entry, or raises Retry for arq to run it again after the policy's delay."""
    mongo = clients.mongo
    if not is_transient(error):
        log.error("event %s (%s) failed; dead-lettered", entry.id, entry.kind, exc_info=error)
        await dead_letters.bury(mongo=mongo, entry=entry, error=_describe(error), now=now)
        return "dead"
    if entry.attempts >= policy.max_attempts:
        log.warning("event %s (%s) failed %d times; dead-lettered", entry.id, entry.kind, entry.attempts)
        await dead_letters.bury(mongo=mongo, entry=entry, error=_describe(error), now=now)
        return "dead"
    delay = policy.delay(entry.attempts)
    retry_at = now + timedelta(seconds=delay)
    await outbox.note_failure(mongo=mongo, entry_id=entry.id, error=_describe(error), retry_at=retry_at)
    raise Retry(defer=delay) from error


async def handle_event(ctx: dict[str, Any], outbox_id: str) -> str:
    """The arq task for one outbox entry; its result says what became of the entry, and is counted by outcome."""
    outcome = "failed"
    try:
        result = await _handle_event(ctx, outbox_id)
        outcome = result if result in ("done", "dead") else "skipped"
        return result
    except Retry:
        outcome = "retry"
        raise
    finally:
        await count_outcome(ctx, "event", outcome)


async def count_outcome(ctx: dict[str, Any], job: str, outcome: str) -> None:
    """Counted for /metrics; a Redis that cannot count it loses a figure, never the job."""
    with contextlib.suppress(RedisError, OSError):
        await ops_metrics.count_job(redis=ctx["clients"].redis, job=job, outcome=outcome)


async def _handle_event(ctx: dict[str, Any], outbox_id: str) -> str:
    policy: RetryPolicy = ctx["retry_policy"]
    try:
        entry_id = ObjectId(outbox_id)
    except InvalidId:
        return "not an outbox id"
    try:
        return await _attempt(ctx["clients"], ctx["handlers"], policy, entry_id)
    except Retry:
        raise
    except Exception as e:
        if not is_transient(e):
            raise
        # The outbox's own read or write met MongoDB or Redis gone (the handlers' failures are dealt with in
        # `_failed`). Left to arq, the job would be dropped until the relay's recheck ten minutes on.
        delay = policy.outage.delay(ctx.get("job_try", 1))
        log.warning("event %s: outbox unreachable (%s); trying again in %.0fs", outbox_id, _describe(e), delay)
        raise Retry(defer=delay) from e


async def _attempt(clients: Clients, handlers: Handlers, policy: RetryPolicy, entry_id: ObjectId) -> str:
    mongo, now = clients.mongo, datetime.now(UTC)
    entry = await outbox.begin_attempt(mongo=mongo, entry_id=entry_id, now=now)
    if entry is None:
        return "nothing left to do"
    if entry.attempts > policy.max_attempts:
        # The runs before this one never came back (killed, timed out), so none of them buried it.
        await dead_letters.bury(mongo=mongo, entry=entry, error=entry.last_error or "no run finished", now=now)
        return "dead"
    kind = next((k for k in handlers if k.KIND == entry.kind), None)
    if kind is None:
        await dead_letters.bury(mongo=mongo, entry=entry, error=f"no handler for {entry.kind}", now=now)
        return "dead"
    try:
        await _run(clients, kind, handlers[kind], entry)
    except Exception as e:
        return await _failed(clients, entry, e, policy, now)
    await outbox.finish(mongo=mongo, entry_id=entry.id, now=now)
    return "done"
