"""From events to notifications: for each outbox event a member should hear about, who is told what.

Each reads the current state first, so a late or repeated event never tells a stale story (a reminder for a
booking since cancelled, an expiry warning for a coupon already used), and notifies under a dedupe key made of
the event's id and the topic, so running an event again never sends anything twice.
"""

from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc
from domain.booking.model import BookingStatus, booking_from_doc
from domain.coupons.coupon import CouponStatus, coupon_from_doc
from domain.events import (
    BirthdayGift,
    BookingCancelled,
    BookingConfirmed,
    BookingEvent,
    BookingReminder,
    BookingRescheduled,
    CommissionAccrued,
    CouponExpiring,
    CouponReceived,
    LevelUp,
    PointsChanged,
    QueueCalled,
    QueueEvent,
    QueueNear,
)
from domain.notifications.delivery import Outlets, notify
from domain.notifications.topics import Topic, local_time, yuan
from domain.outbox import OutboxEntry

_BOOKING_TOPICS: dict[type[BookingEvent], Topic] = {
    BookingConfirmed: Topic.BOOKING_CONFIRMED,
    BookingRescheduled: Topic.BOOKING_RESCHEDULED,
    BookingCancelled: Topic.BOOKING_CANCELLED,
    BookingReminder: Topic.BOOKING_REMINDER,
}
_QUEUE_TOPICS: dict[type[QueueEvent], Topic] = {QueueNear: Topic.QUEUE_NEAR, QueueCalled: Topic.QUEUE_CALLED}
_DEFAULT_TIMEZONE = "Asia/Shanghai"


def dedupe_key(entry: OutboxEntry, topic: Topic) -> str:
    return f"outbox:{entry.id}:{topic.value}"


async def _tell(out: Outlets, entry: OutboxEntry, member_id: ObjectId, topic: Topic, fields: dict[str, str]) -> None:
    await notify(
        out,
        merchant_id=entry.merchant_id,
        member_id=member_id,
        topic=topic,
        fields=fields,
        dedupe_key=dedupe_key(entry, topic),
    )


async def booking_changed(out: Outlets, entry: OutboxEntry, event: BookingEvent) -> None:
    """Confirmed, rescheduled, cancelled, or due a reminder; a reminder only while the booking still stands as
    it was when the reminder was written (not cancelled, not moved, not yet started)."""
    if isinstance(event, BookingReminder):
        doc = await out.mongo.db[c.BOOKINGS].find_one({"_id": event.booking_id, "merchant_id": entry.merchant_id})
        now = datetime.now(UTC)
        if doc is None:
            return
        booking = booking_from_doc(doc)
        if booking.status_at(now) is not BookingStatus.BOOKED or booking.reminder_key != entry.dedupe_key:
            return
        if booking.start <= now:
            return
    store = await out.mongo.db[c.STORES].find_one({"_id": event.store_id, "merchant_id": entry.merchant_id})
    fields = {
        "service": event.service_name,
        "start": local_time(event.start, store["timezone"] if store else _DEFAULT_TIMEZONE),
        "store": store["name"] if store else "",
        "booking_id": str(event.booking_id),
    }
    await _tell(out, entry, event.member_id, _BOOKING_TOPICS[type(event)], fields)


# How each kind of points entry reads to the member; an adjustment says the staff's own reason, except the ones a
# refund makes (points earned taken back, points redeemed given back), whose reason names the refund for staff.
_POINTS_REASONS = {"EARN": "消费获得", "REDEEM": "积分抵扣", "ADJUSTMENT": "积分调整"}
_REFUND_REASON = "订单退款"


def _points_reason(doc: Doc) -> str:
    if doc["kind"] != "ADJUSTMENT":
        return _POINTS_REASONS.get(doc["kind"], "积分变动")
    if (doc.get("detail") or {}).get("refund_id") is not None:
        return _REFUND_REASON
    return doc.get("reason") or _POINTS_REASONS["ADJUSTMENT"]


async def points_changed(out: Outlets, entry: OutboxEntry, event: PointsChanged) -> None:
    """What changed, why, and the balance it left (as of that entry)."""
    doc = await out.mongo.db[c.LEDGER].find_one({"_id": event.entry_id, "merchant_id": entry.merchant_id})
    if doc is None:
        return
    fields = {
        "change": f"{doc['amount']:+d}",
        "balance": str(doc["balance_after"]),
        "reason": _points_reason(doc),
    }
    await _tell(out, entry, doc["member_id"], Topic.POINTS_CHANGED, fields)


async def level_up(out: Outlets, entry: OutboxEntry, event: LevelUp) -> None:
    await _tell(out, entry, event.member_id, Topic.LEVEL_UP, {"level": event.to_level_name})


async def queue_called(out: Outlets, entry: OutboxEntry, event: QueueEvent) -> None:
    """Near the front, or called: the member's ticket number at the store."""
    store = await out.mongo.db[c.STORES].find_one({"_id": event.store_id, "merchant_id": entry.merchant_id})
    fields = {"number": str(event.number), "store": store["name"] if store else ""}
    await _tell(out, entry, event.member_id, _QUEUE_TOPICS[type(event)], fields)


async def _coupon_fields(
    out: Outlets, entry: OutboxEntry, coupon_id: ObjectId
) -> tuple[ObjectId, dict[str, str]] | None:
    """The live coupon's current owner and what to say about it; None once it is used up or expired."""
    doc = await out.mongo.db[c.COUPONS].find_one({"_id": coupon_id, "merchant_id": entry.merchant_id})
    if doc is None:
        return None
    coupon = coupon_from_doc(doc)
    if coupon.status_at(datetime.now(UTC)) not in (CouponStatus.ACTIVE, CouponStatus.FORWARDING):
        return None
    template = await out.mongo.db[c.COUPON_TEMPLATES].find_one(
        {"merchant_id": entry.merchant_id, "_id": coupon.template_id}, {"title": 1}
    )
    store = await out.mongo.db[c.STORES].find_one({"merchant_id": entry.merchant_id}, sort=[("_id", 1)])
    fields = {
        "title": template["title"] if template else "",
        "valid_to": local_time(coupon.valid_to, store["timezone"] if store else _DEFAULT_TIMEZONE),
        "coupon_id": str(coupon.id),
    }
    return coupon.owner_id, fields


async def coupon_received(out: Outlets, entry: OutboxEntry, event: CouponReceived) -> None:
    """The member who received it, while they still hold it."""
    found = await _coupon_fields(out, entry, event.coupon_id)
    if found is not None and found[0] == event.member_id:
        await _tell(out, entry, found[0], Topic.COUPON_RECEIVED, found[1])


async def coupon_expiring(out: Outlets, entry: OutboxEntry, event: CouponExpiring) -> None:
    """Whoever holds the coupon now."""
    found = await _coupon_fields(out, entry, event.coupon_id)
    if found is not None:
        await _tell(out, entry, found[0], Topic.COUPON_EXPIRING, found[1])


async def birthday_gift(out: Outlets, entry: OutboxEntry, event: BirthdayGift) -> None:
    """Told even if the coupon was since passed on."""
    fields = {"title": event.title, "coupon_id": str(event.coupon_id)}
    await _tell(out, entry, event.member_id, Topic.BIRTHDAY_GIFT, fields)


async def commission_accrued(out: Outlets, entry: OutboxEntry, event: CommissionAccrued) -> None:
    """分红到账: a member beneficiary is told whose spending earned it; staff commissions are settled through
    payroll, untold."""
    if event.beneficiary_kind != "MEMBER" or event.amount_fen <= 0:
        return
    payer = await out.mongo.db[c.MEMBERS].find_one({"_id": event.payer_id, "merchant_id": entry.merchant_id})
    store = await out.mongo.db[c.STORES].find_one({"merchant_id": entry.merchant_id}, sort=[("_id", 1)])
    fields = {
        "amount": yuan(event.amount_fen),
        "source": (payer or {}).get("nickname") or "好友",
        "time": local_time(entry.created_at, store["timezone"] if store else _DEFAULT_TIMEZONE),
    }
    await _tell(out, entry, event.beneficiary_id, Topic.COMMISSION_ACCRUED, fields)
