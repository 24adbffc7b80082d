"""A booking's deposit (定金) paid: the HELD booking becomes BOOKED, inside the transaction that settles the
deposit order (domain.checkout.settle), so money in and slot confirmed are one change.

A payment that lands after the hold ran out still gets the slot when nobody has taken it meanwhile (the member
paid in good faith and the time is free); only when another booking holds it is the booking lost, and then the
paid deposit is flagged for a refund by the caller.
"""

from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo
from domain.booking import occupancy
from domain.booking.model import (
    Booking,
    BookingStatus,
    announce,
    booking_event,
    booking_from_doc,
    occupy_cells,
    reminder_for,
)
from domain.booking.policy import load_policy
from domain.events import BookingConfirmed

# Past the hold: these already hold their slot for good (a redelivered payment finds them so).
_CONFIRMED = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


async def confirm_paid_hold(
    *, mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, booking_id: ObjectId, now: datetime
) -> Booking | None:
    """HELD (or lapsed) -> BOOKED with its cells made permanent, the confirmation and the reminder; the booking
    as it is when it was confirmed before; None when it can no longer be had (cancelled, or its time taken)."""
    s = session
    doc = await mongo.db[c.BOOKINGS].find_one({"merchant_id": merchant_id, "_id": booking_id}, session=s)
    if doc is None:
        return None
    booking = booking_from_doc(doc)
    if booking.stored_status in _CONFIRMED:
        return booking
    if booking.stored_status is not BookingStatus.HELD:
        return None
    keys = booking.cell_keys()
    if await occupancy.taken_keys(
        mongo=mongo,
        session=s,
        merchant_id=booking.merchant_id,
        keys=keys,
        span=booking.span,
        now=now,
        ignore=booking.id,
    ):
        await occupancy.release(mongo=mongo, session=s, merchant_id=booking.merchant_id, booking_id=booking.id)
        return None
    policy = await load_policy(mongo=mongo, merchant_id=booking.merchant_id)
    # Ours go, lapsed or not, and come back without an expiry: one shape whether the hold ran out or not.
    await occupancy.release(mongo=mongo, session=s, merchant_id=booking.merchant_id, booking_id=booking.id)
    await occupy_cells(mongo=mongo, session=s, booking=booking, hold_expires_at=None, now=now)
    changes = {
        "status": BookingStatus.BOOKED.value,
        "hold_expires_at": None,
        "confirmed_at": now,
        "reminder_key": reminder_for(booking.id, booking.version, booking.start, policy, now),
    }
    confirmed_doc = await mongo.db[c.BOOKINGS].find_one_and_update(
        {
            "merchant_id": booking.merchant_id,
            "_id": booking.id,
            "status": BookingStatus.HELD.value,
            "version": booking.version,
        },
        {"$set": changes},
        session=s,
        return_document=True,
    )
    if confirmed_doc is None:
        raise RuntimeError(f"booking {booking.id} changed inside the transaction that read it")
    confirmed = booking_from_doc(confirmed_doc)
    await announce(
        mongo=mongo,
        session=s,
        booking=confirmed,
        event=booking_event(BookingConfirmed, confirmed),
        policy=policy,
    )
    return confirmed
