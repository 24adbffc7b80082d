"""The booking record, its statuses (HELD -> BOOKED -> CHECKED_IN -> COMPLETED, or CANCELLED / NO_SHOW; an
unpaid hold reads as EXPIRED once its time runs out) and the outbox events a booking announces itself with.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.booking import occupancy
from domain.booking.errors import BookingCode, BookingError
from domain.booking.policy import BookingPolicy
from domain.booking.wallclock import Span
from domain.events import BookingConfirmed, BookingEvent, BookingReminder, BookingRescheduled

B = TypeVar("B", bound=BookingEvent)


class BookingStatus(StrEnum):
    HELD = "HELD"
    BOOKED = "BOOKED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"
    # Never stored: a HELD booking whose hold ran out reads as EXPIRED.
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class Booking:
    id: ObjectId
    merchant_id: ObjectId
    store_id: ObjectId
    member_id: ObjectId
    service_id: ObjectId
    service_name: str
    # The catalog item the service is sold as: the visit's order line names it, so coupons for it apply.
    item_id: ObjectId
    staff_id: ObjectId
    resource_id: ObjectId | None
    unit: int | None
    start: datetime
    end: datetime
    occupied_until: datetime
    price_fen: int
    deposit_fen: int
    stored_status: BookingStatus
    hold_expires_at: datetime | None
    note: str
    booked_by_staff_id: ObjectId | None
    version: int
    reminder_key: str | None
    cancel_reason: str | None
    count_card_id: ObjectId | None
    # The order a completed visit is paid with (none when a count card paid, or the service is free).
    order_id: ObjectId | None
    created_at: datetime

    def status_at(self, now: datetime) -> BookingStatus:
        held = self.stored_status is BookingStatus.HELD
        if held and self.hold_expires_at is not None and self.hold_expires_at <= now:
            return BookingStatus.EXPIRED
        return self.stored_status

    @property
    def span(self) -> Span:
        return Span(self.start, self.occupied_until)

    def cell_keys(self) -> list[str]:
        keys = [occupancy.staff_key(self.staff_id)]
        if self.resource_id is not None and self.unit is not None:
            keys.append(occupancy.unit_key(self.resource_id, self.unit))
        return keys


def booking_from_doc(doc: Doc) -> Booking:
    return Booking(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        store_id=doc["store_id"],
        member_id=doc["member_id"],
        service_id=doc["service_id"],
        service_name=doc["service_name"],
        item_id=doc["item_id"],
        staff_id=doc["staff_id"],
        resource_id=doc["resource_id"],
        unit=doc["unit"],
        start=doc["start"],
        end=doc["end"],
        occupied_until=doc["occupied_until"],
        price_fen=doc["price_fen"],
        deposit_fen=doc["deposit_fen"],
        stored_status=BookingStatus(doc["status"]),
        hold_expires_at=doc["hold_expires_at"],
        note=doc["note"],
        booked_by_staff_id=doc["booked_by_staff_id"],
        version=doc["version"],
        reminder_key=doc["reminder_key"],
        cancel_reason=doc.get("cancel_reason"),
        count_card_id=doc.get("count_card_id"),
        order_id=doc.get("order_id"),
        created_at=doc["created_at"],
    )


async def find_booking(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    booking_id: ObjectId,
    member_id: ObjectId | None = None,
    session: AsyncClientSession | None = None,
) -> Booking:
    """The booking, within the merchant (and the member's own, when a member asks); else BOOKING_NOT_FOUND."""
    query: Doc = {"_id": booking_id, "merchant_id": merchant_id}
    if member_id is not None:
        query["member_id"] = member_id
    doc = await mongo.db[c.BOOKINGS].find_one(query, session=session)
    if doc is None:
        raise BookingError(BookingCode.BOOKING_NOT_FOUND, "bookingId")
    return booking_from_doc(doc)


async def occupy_cells(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    booking: Booking,
    hold_expires_at: datetime | None,
    now: datetime,
) -> None:
    """The booking's staff member (and resource unit) taken for its span, in its transaction."""
    await occupancy.occupy(
        mongo=mongo,
        session=session,
        merchant_id=booking.merchant_id,
        booking_id=booking.id,
        keys=booking.cell_keys(),
        span=booking.span,
        hold_expires_at=hold_expires_at,
        now=now,
    )


def reminder_for(
    booking_id: ObjectId, version: int, start: datetime, policy: BookingPolicy, now: datetime
) -> str | None:
    """The dedupe key of the reminder a booking at `start` gets, or None when its time has already passed
    (booked less than the lead time ahead: the confirmation itself is the reminder then)."""
    due = start - policy.reminder_lead
    return f"booking:{booking_id}:reminder:{version}" if policy.reminder_lead_min and due > now else None


def booking_event(kind: type[B], booking: Booking, **extra: Any) -> B:
    """The event of `kind` about the booking as it is now; `extra` names the fields only that kind has."""
    return kind(
        booking_id=booking.id,
        member_id=booking.member_id,
        store_id=booking.store_id,
        staff_id=booking.staff_id,
        service_name=booking.service_name,
        start=booking.start,
        **extra,
    )


async def announce(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    booking: Booking,
    event: BookingConfirmed | BookingRescheduled,
    policy: BookingPolicy,
) -> None:
    """The event for a booking confirmed or moved, and the reminder its `reminder_key` names."""
    await outbox.record(
        mongo=mongo,
        session=session,
        merchant_id=booking.merchant_id,
        event=event,
        dedupe_key=f"booking:{booking.id}:{event.KIND.lower()}:{booking.version}",
    )
    if booking.reminder_key is not None:
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=booking.merchant_id,
            event=booking_event(BookingReminder, booking),
            dedupe_key=booking.reminder_key,
            due_at=booking.start - policy.reminder_lead,
        )
