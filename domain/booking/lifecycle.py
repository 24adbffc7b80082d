"""What happens to a booking after it is made: cancellation (members until the cut-off, staff always, with a
reason), check-in, completion and no-show, each one transaction with its cells and outbox entries. A deposit's
payment confirms a hold (domain.booking.deposits); what pays for a visit is domain.orders.bookings' to decide.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.booking import occupancy
from domain.booking.access import ANY_ROLE, check_scope
from domain.booking.bookings import check_cutoff
from domain.booking.errors import BookingCode, BookingError
from domain.booking.model import (
    Booking,
    BookingStatus,
    booking_event,
    booking_from_doc,
    find_booking,
)
from domain.booking.policy import load_policy
from domain.booking.views import BookingView, view
from domain.events import BookingCancelled, DepositRefundDue
from domain.tenancy import Staff

MAX_REASON = 200
Extra = Callable[[AsyncClientSession, Booking], Awaitable[None]]


async def _move(
    mongo: Mongo,
    booking: Booking,
    allowed: tuple[BookingStatus, ...],
    to: BookingStatus,
    now: datetime,
    changes: Doc,
    then: Extra | None = None,
) -> Booking:
    """`booking` from one of `allowed` to `to` as of `now`, with `changes`, and `then` in the same transaction.
    The status in the filter makes a concurrent second change find nothing and be refused."""
    if booking.status_at(now) not in allowed:
        raise BookingError(BookingCode.BOOKING_STATUS_INVALID, "bookingId")

    async def work(s: AsyncClientSession) -> Booking:
        doc = await mongo.db[c.BOOKINGS].find_one_and_update(
            {
                "merchant_id": booking.merchant_id,
                "_id": booking.id,
                "status": booking.stored_status.value,
                "version": booking.version,
            },
            {"$set": {"status": to.value, **changes}},
            session=s,
            return_document=True,
        )
        if doc is None:
            raise BookingError(BookingCode.BOOKING_STATUS_INVALID, "bookingId")
        moved = booking_from_doc(doc)
        if then is not None:
            await then(s, moved)
        return moved

    return await transaction(mongo, work)


async def _cancel(mongo: Mongo, booking: Booking, now: datetime, by_staff: ObjectId | None, reason: str) -> Booking:
    async def release(s: AsyncClientSession, cancelled: Booking) -> None:
        await occupancy.release(mongo=mongo, session=s, merchant_id=cancelled.merchant_id, booking_id=cancelled.id)
        if cancelled.reminder_key is not None:
            await outbox.cancel(mongo=mongo, session=s, dedupe_key=cancelled.reminder_key)
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=cancelled.merchant_id,
            event=booking_event(BookingCancelled, cancelled, by_staff_id=by_staff, reason=reason),
            dedupe_key=f"booking:{cancelled.id}:cancelled",
        )
        if cancelled.deposit_fen > 0:
            # Cancelled in time (members only before the cut-off) or by the store: the deposit goes back.
            await outbox.record(
                mongo=mongo,
                session=s,
                merchant_id=cancelled.merchant_id,
                event=DepositRefundDue(booking_id=cancelled.id),
                dedupe_key=f"booking:{cancelled.id}:deposit_refund:cancelled",
            )

    changes = {"cancelled_at": now, "cancelled_by_staff_id": by_staff, "cancel_reason": reason or None}
    allowed = (BookingStatus.HELD, BookingStatus.BOOKED)
    return await _move(mongo, booking, allowed, BookingStatus.CANCELLED, now, changes, release)


async def member_cancel(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, booking_id: ObjectId, now: datetime | None = None
) -> BookingView:
    now = now or datetime.now(UTC)
    booking = await find_booking(mongo=mongo, merchant_id=merchant_id, booking_id=booking_id, member_id=member_id)
    # An unpaid hold can always be dropped: nothing was paid and the slot goes back to everyone.
    if booking.status_at(now) is not BookingStatus.HELD:
        policy = await load_policy(mongo=mongo, merchant_id=merchant_id)
        check_cutoff(booking, policy.cancel_cutoff_min, now)
    return await view(mongo, await _cancel(mongo, booking, now, None, ""))


async def staff_cancel(
    *, mongo: Mongo, actor: Staff, booking_id: ObjectId, reason: str, now: datetime | None = None
) -> BookingView:
    """Staff may cancel at any time before the visit, and always say why (the member is told)."""
    booking = await find_booking(mongo=mongo, merchant_id=actor.merchant_id, booking_id=booking_id)
    check_scope(actor, booking.store_id, ANY_ROLE)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise BookingError(BookingCode.REASON_REQUIRED, "reason")
    return await view(mongo, await _cancel(mongo, booking, now or datetime.now(UTC), actor.id, reason))


async def staff_booking(*, mongo: Mongo, actor: Staff, booking_id: ObjectId) -> Booking:
    """The booking, found within the actor's merchant and checked against their store scope."""
    booking = await find_booking(mongo=mongo, merchant_id=actor.merchant_id, booking_id=booking_id)
    check_scope(actor, booking.store_id, ANY_ROLE)
    return booking


async def check_in(*, mongo: Mongo, actor: Staff, booking_id: ObjectId, now: datetime | None = None) -> BookingView:
    now = now or datetime.now(UTC)
    booking = await staff_booking(mongo=mongo, actor=actor, booking_id=booking_id)
    changes = {"checked_in_at": now, "checked_in_by_staff_id": actor.id}
    return await view(
        mongo, await _move(mongo, booking, (BookingStatus.BOOKED,), BookingStatus.CHECKED_IN, now, changes)
    )


async def mark_no_show(*, mongo: Mongo, actor: Staff, booking_id: ObjectId, now: datetime | None = None) -> BookingView:
    """Only once the start has passed; the rest of the booked time goes back to walk-ins and other bookings."""
    now = now or datetime.now(UTC)
    booking = await staff_booking(mongo=mongo, actor=actor, booking_id=booking_id)
    if booking.status_at(now) is BookingStatus.BOOKED and now < booking.start:
        raise BookingError(BookingCode.NO_SHOW_TOO_EARLY, "bookingId")

    async def release(s: AsyncClientSession, marked: Booking) -> None:
        await occupancy.release(mongo=mongo, session=s, merchant_id=marked.merchant_id, booking_id=marked.id)
        if marked.reminder_key is not None:
            await outbox.cancel(mongo=mongo, session=s, dedupe_key=marked.reminder_key)

    changes = {"no_show_at": now, "no_show_by_staff_id": actor.id}
    marked = await _move(mongo, booking, (BookingStatus.BOOKED,), BookingStatus.NO_SHOW, now, changes, release)
    return await view(mongo, marked)


async def mark_completed(
    *,
    mongo: Mongo,
    actor: Staff,
    booking: Booking,
    count_card_id: ObjectId | None,
    order_id: ObjectId | None,
    now: datetime,
) -> Booking:
    """CHECKED_IN -> COMPLETED, recording what pays for the visit (the count card used, or the visit's order).
    Choosing and charging that is domain.orders.bookings.complete_visit's, the one caller."""
    changes = {
        "completed_at": now,
        "completed_by_staff_id": actor.id,
        "count_card_id": count_card_id,
        "order_id": order_id,
    }
    try:
        return await _move(mongo, booking, (BookingStatus.CHECKED_IN,), BookingStatus.COMPLETED, now, changes)
    except BookingError:
        # A concurrent completion of the same booking won; it is complete either way.
        done = await find_booking(mongo=mongo, merchant_id=actor.merchant_id, booking_id=booking.id)
        if done.stored_status is not BookingStatus.COMPLETED:
            raise
        return done
