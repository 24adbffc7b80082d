"""Every event the outbox carries, as one typed contract per kind: a frozen dataclass with its KIND, `payload()`
(what is stored) and `from_payload()` (what a handler gets back). Producers pass the event object to
`outbox.record`; the worker registers its handlers by event class (workers/events.py).

Payloads keep BSON's own types (ObjectId, datetime); ids and times written as strings are read back too, and
keys a kind no longer has are ignored, so entries written by an older release still parse.
"""

import types
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

from bson import ObjectId
from bson.errors import InvalidId


class EventPayloadError(ValueError):
    """A stored payload that does not fit its kind: a bug, never retried."""


def _oid(key: str, value: object) -> ObjectId:
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(str(value))
    except InvalidId as e:
        raise EventPayloadError(f"{key} is not an id: {value!r}") from e


def _when(key: str, value: object) -> datetime:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError as e:
        raise EventPayloadError(f"{key} is not a time: {value!r}") from e
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventPayloadError(f"{key} must be a whole number: {value!r}")
    return value


def _str(key: str, value: object) -> str:
    return value if isinstance(value, str) else str(value)


_DECODERS: dict[object, Any] = {ObjectId: _oid, datetime: _when, int: _int, str: _str}


def _decoder(key: str, annotation: object) -> tuple[Any, bool]:
    """How to read one field, and whether it may be None."""
    optional = get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)
    if optional:
        (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
    if annotation not in _DECODERS:
        raise TypeError(f"event field {key} has a type payloads cannot carry: {annotation!r}")
    return _DECODERS[annotation], optional


@dataclass(frozen=True)
class Event:
    """The base of every event kind; a subclass names its KIND and its fields, nothing else."""

    KIND: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            decode, optional = _decoder(f.name, hints[f.name])
            value = payload.get(f.name)
            if value is None:
                if optional:
                    values[f.name] = None
                elif f.name not in payload and _has_default(f):
                    continue
                else:
                    raise EventPayloadError(f"{cls.KIND} payload has no {f.name}")
            else:
                values[f.name] = decode(f.name, value)
        try:
            return cls(**values)
        except ValueError as e:
            raise EventPayloadError(f"{cls.KIND}: {e}") from e


def _has_default(f: Field[Any]) -> bool:
    return f.default is not MISSING or f.default_factory is not MISSING


# Orders and payments


@dataclass(frozen=True)
class OrderPaid(Event):
    """An order was paid. `member_id` is None for a walk-in sale at the counter: nobody earns on it. `paid_at` is
    when we recorded the payment, on our own clock (never the provider's whole-second success time): what a
    program's window is compared with (see `checkout.settle`).
    `consumption_paid_fen`: what was paid for goods and services after coupons and discounts, including the
    PAID part of stored value spent (`stored_value_spent_fen`, never the bonus part). `top_up_paid_fen`: what a
    stored-value top-up order paid; 0 for other orders."""

    KIND: ClassVar[str] = "ORDER_PAID"

    order_id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId | None
    store_id: ObjectId
    paid_at: datetime
    consumption_paid_fen: int
    stored_value_spent_fen: int = 0
    top_up_paid_fen: int = 0
    method: str | None = None
    payment_id: ObjectId | None = None

    @staticmethod
    def dedupe_key_of(order_id: ObjectId) -> str:
        """An order is paid once: its one ORDER_PAID is recorded under this key, where a refund can find it."""
        return f"order_paid:{order_id}"

    def __post_init__(self) -> None:
        if min(self.consumption_paid_fen, self.stored_value_spent_fen, self.top_up_paid_fen) < 0:
            raise ValueError("amounts are never negative")
        if self.stored_value_spent_fen > self.consumption_paid_fen:
            raise ValueError("stored value spent is part of consumption paid")


@dataclass(frozen=True)
class OrderRefunded(Event):
    """One refund of a paid order: `refunded_fen` this refund, `order_paid_fen` what the whole order paid.
    Commissions shrink by the refunded share of the order, however many refunds it takes; a walk-in sale's
    refund (`member_id` None) has none to shrink."""

    KIND: ClassVar[str] = "ORDER_REFUNDED"

    order_id: ObjectId
    refund_id: str
    refunded_fen: int
    order_paid_fen: int
    merchant_id: ObjectId
    member_id: ObjectId | None
    order_refunded_total_fen: int | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        if not self.refund_id or self.refunded_fen < 0 or self.order_paid_fen < 0:
            raise ValueError("a refund needs an id and amounts that are not negative")


# Members


@dataclass(frozen=True)
class MemberJoined(Event):
    """A member was made (their first login): one more new member of the merchant on the day their id was made,
    come through nothing until MEMBER_BOUND says how they came."""

    KIND: ClassVar[str] = "MEMBER_JOINED"

    member_id: ObjectId


@dataclass(frozen=True)
class MemberBound(Event):
    """A member was bound under whoever first brought them, once; `source` is the binding's
    (domain.referrals.binding.BindingSource)."""

    KIND: ClassVar[str] = "MEMBER_BOUND"

    member_id: ObjectId
    source: str


@dataclass(frozen=True)
class MemberDataRequested(Event):
    """A member asked for their copy of their data (个人信息副本): the worker prepares request `request_id`."""

    KIND: ClassVar[str] = "MEMBER_DATA_REQUESTED"

    request_id: ObjectId
    member_id: ObjectId


# Cards


@dataclass(frozen=True)
class PointsChanged(Event):
    """积分变动: one points ledger entry; the message reads the entry for the change and the balance left."""

    KIND: ClassVar[str] = "POINTS_CHANGED"

    member_id: ObjectId
    entry_id: ObjectId


@dataclass(frozen=True)
class LevelUp(Event):
    KIND: ClassVar[str] = "LEVEL_UP"

    member_id: ObjectId
    card_id: ObjectId
    from_level_id: ObjectId
    to_level_id: ObjectId
    to_level_name: str


@dataclass(frozen=True)
class CardIssued(Event):
    """A member's card was issued at `level_id` (the program's lowest level): one more member at that level."""

    KIND: ClassVar[str] = "CARD_ISSUED"

    member_id: ObjectId
    card_id: ObjectId
    level_id: ObjectId


@dataclass(frozen=True)
class CardClosed(Event):
    """A member's account was closed (注销) with their card at `level_id`: one member fewer at that level."""

    KIND: ClassVar[str] = "CARD_CLOSED"

    member_id: ObjectId
    card_id: ObjectId
    level_id: ObjectId


@dataclass(frozen=True)
class BalanceChanged(Event):
    """One card ledger entry: what it changed of the stored value (paid and bonus parts), points and count-card
    uses the merchant owes. `count_expires_at` is the count card's expiry, after which its uses are owed no
    more."""

    KIND: ClassVar[str] = "BALANCE_CHANGED"

    member_id: ObjectId
    entry_id: ObjectId
    stored_value_paid_fen: int = 0
    stored_value_bonus_fen: int = 0
    points: int = 0
    count_uses: int = 0
    count_expires_at: datetime | None = None


# Coupons


@dataclass(frozen=True)
class CouponReceived(Event):
    """券到账: a friend's forward, a pack or a journey gave `member_id` this coupon."""

    KIND: ClassVar[str] = "COUPON_RECEIVED"

    coupon_id: ObjectId
    member_id: ObjectId
    # The journey rule that sent it, whose effect counts the member's touch (domain.journeys).
    journey_id: ObjectId | None = None


@dataclass(frozen=True)
class CouponRedeemed(Event):
    """A coupon a campaign or journey handed out was used (only those write it): its effect counts it."""

    KIND: ClassVar[str] = "COUPON_REDEEMED"

    coupon_id: ObjectId
    member_id: ObjectId


@dataclass(frozen=True)
class CouponExpiring(Event):
    """Whoever holds the coupon when the message goes out is told, not necessarily `member_id`."""

    KIND: ClassVar[str] = "COUPON_EXPIRING"

    coupon_id: ObjectId
    member_id: ObjectId | None = None
    # The reminder journey's rule, whose effect counts the member's touch (domain.journeys).
    journey_id: ObjectId | None = None


@dataclass(frozen=True)
class BirthdayGift(Event):
    KIND: ClassVar[str] = "BIRTHDAY_GIFT"

    member_id: ObjectId
    coupon_id: ObjectId
    title: str


# Booking and the queue


@dataclass(frozen=True)
class BookingEvent(Event):
    """What every message about a booking says; the kinds below differ in what happened to it."""

    booking_id: ObjectId
    member_id: ObjectId
    store_id: ObjectId
    staff_id: ObjectId
    service_name: str
    start: datetime


@dataclass(frozen=True)
class BookingConfirmed(BookingEvent):
    KIND: ClassVar[str] = "BOOKING_CONFIRMED"


@dataclass(frozen=True)
class BookingRescheduled(BookingEvent):
    KIND: ClassVar[str] = "BOOKING_RESCHEDULED"

    previous_start: datetime | None = None


@dataclass(frozen=True)
class BookingCancelled(BookingEvent):
    KIND: ClassVar[str] = "BOOKING_CANCELLED"

    by_staff_id: ObjectId | None = None
    reason: str | None = None


@dataclass(frozen=True)
class BookingReminder(BookingEvent):
    """Due before the start; sent only while the booking still stands as it was when this was written."""

    KIND: ClassVar[str] = "BOOKING_REMINDER"


@dataclass(frozen=True)
class DepositRefundDue(Event):
    """A cancelled (or lost) booking whose deposit may have been paid: the worker refunds whatever was."""

    KIND: ClassVar[str] = "DEPOSIT_REFUND_DUE"

    booking_id: ObjectId


@dataclass(frozen=True)
class QueueEvent(Event):
    ticket_id: ObjectId
    member_id: ObjectId
    store_id: ObjectId
    number: int


@dataclass(frozen=True)
class QueueNear(QueueEvent):
    KIND: ClassVar[str] = "QUEUE_NEAR"


@dataclass(frozen=True)
class QueueCalled(QueueEvent):
    KIND: ClassVar[str] = "QUEUE_CALLED"


# Commissions and payouts


@dataclass(frozen=True)
class CommissionAccrued(Event):
    """分红到账: `amount_fen` is what the commission is worth now (after any reversal so far)."""

    KIND: ClassVar[str] = "COMMISSION_ACCRUED"

    commission_id: ObjectId
    beneficiary_id: ObjectId
    beneficiary_kind: str
    level: int
    amount_fen: int
    order_id: ObjectId
    payer_id: ObjectId
    release_at: datetime


@dataclass(frozen=True)
class PayoutWaiting(Event):
    """A transfer bill waits for the member to confirm it in the mini-program (分红待收款)."""

    KIND: ClassVar[str] = "PAYOUT_WAITING"

    payout_id: ObjectId
    member_id: ObjectId


@dataclass(frozen=True)
class PayoutSent(Event):
    KIND: ClassVar[str] = "PAYOUT_SENT"

    payout_id: ObjectId
    member_id: ObjectId
    paid_fen: int
    settled_at: datetime


@dataclass(frozen=True)
class CommissionBalanceChanged(Event):
    """One commission ledger post (or a payout batch's posts together): what it changed of the commissions pending,
    available and owed back, merchant-wide."""

    KIND: ClassVar[str] = "COMMISSION_BALANCE_CHANGED"

    pending_fen: int = 0
    available_fen: int = 0
    owed_fen: int = 0


# Every kind the domain writes; the worker handles each one (tests/events checks both).
EVENTS: tuple[type[Event], ...] = (
    OrderPaid,
    OrderRefunded,
    MemberJoined,
    MemberBound,
    MemberDataRequested,
    PointsChanged,
    LevelUp,
    CardIssued,
    CardClosed,
    BalanceChanged,
    CouponReceived,
    CouponRedeemed,
    CouponExpiring,
    BirthdayGift,
    BookingConfirmed,
    BookingRescheduled,
    BookingCancelled,
    BookingReminder,
    DepositRefundDue,
    QueueNear,
    QueueCalled,
    CommissionAccrued,
    CommissionBalanceChanged,
    PayoutWaiting,
    PayoutSent,
)
