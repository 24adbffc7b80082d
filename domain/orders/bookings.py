"""Orders for bookings: the deposit (定金) whose payment confirms a HELD booking, the member paying for a booked
visit ahead, and completing a visit with what pays for it (a count-card use, or the order paid at the desk). A
booking has at most one live order of each kind: its booking_key ("<id>:deposit", "<id>:visit") is unique.
"""

from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.errors import BookingCode, BookingError
from domain.booking.lifecycle import mark_completed, staff_booking
from domain.booking.model import Booking, BookingStatus
from domain.booking.views import BookingView, view
from domain.cards.count_cards import live_count_cards, use_count_card
from domain.orders.draft import Discounts, insert_order, order_doc, price_order
from domain.orders.errors import OrderCode, OrderError
from domain.orders.model import SETTLED, Line, Order, OrderKind, OrderSource, Price, order_from_doc
from domain.pricing import LineKind
from domain.tenancy import Staff

_VISITED_OR_DUE = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)


def deposit_key(booking_id: ObjectId) -> str:
    return f"{booking_id}:deposit"


def visit_key(booking_id: ObjectId) -> str:
    return f"{booking_id}:visit"


async def deposit_paid(mongo: Mongo, booking: Booking) -> int:
    """What the booking's deposit order brought in and still holds (none once it is refunded)."""
    doc = await mongo.db[c.ORDERS].find_one(
        {"merchant_id": booking.merchant_id, "booking_key": deposit_key(booking.id)},
        {"status": 1, "price.due_fen": 1, "refunded_fen": 1},
    )
    if doc is None or doc["status"] not in SETTLED:
        return 0
    return int(doc["price"]["due_fen"]) - int(doc.get("refunded_fen", 0))


async def _visit_doc(
    mongo: Mongo, booking: Booking, discounts: Discounts, create_key: str, staff_id: ObjectId | None
) -> Doc:
    lines = [Line(str(booking.item_id), LineKind.SERVICE, booking.service_name, booking.price_fen, 1)]
    price = await price_order(
        mongo=mongo,
        merchant_id=booking.merchant_id,
        member_id=booking.member_id,
        store_id=booking.store_id,
        lines=lines,
        discounts=discounts,
        prepaid_fen=await deposit_paid(mongo, booking),
    )
    doc = order_doc(
        merchant_id=booking.merchant_id,
        store_id=booking.store_id,
        member_id=booking.member_id,
        kind=OrderKind.CONSUMPTION,
        source=OrderSource.BOOKING,
        lines=lines,
        price=price,
        create_key=create_key,
        coupon_id=discounts.coupon_id,
        staff_id=staff_id,
    )
    return doc | {"booking_id": booking.id, "booking_key": visit_key(booking.id)}


async def member_booking_order(*, mongo: Mongo, booking: Booking, discounts: Discounts, create_key: str) -> Order:
    """A HELD booking's deposit, or a booked visit paid ahead (its deposit counted, the member's discounts
    applied); anything else about the booking is BOOKING_NOT_PAYABLE."""
    status = booking.status_at(datetime.now(UTC))
    if status is BookingStatus.HELD:
        if discounts != Discounts():
            field = "couponId" if discounts.coupon_id is not None else "usePoints"
            raise OrderError(OrderCode.DEPOSIT_NOT_DISCOUNTED, field)
        deposit = booking.deposit_fen
        line = Line(str(booking.item_id), LineKind.AMOUNT, f"{booking.service_name} 定金", deposit, 1)
        doc = order_doc(
            merchant_id=booking.merchant_id,
            store_id=booking.store_id,
            member_id=booking.member_id,
            kind=OrderKind.DEPOSIT,
            source=OrderSource.BOOKING,
            lines=[line],
            price=Price(deposit, 0, 0, deposit, 0, 0, deposit),
            create_key=create_key,
        )
        # Unpaid when the hold runs out, it closes with it (domain.checkout.reconcile).
        doc |= {
            "booking_id": booking.id,
            "booking_key": deposit_key(booking.id),
            "expires_at": booking.hold_expires_at,
        }
        return await insert_order(mongo, doc)
    if status not in _VISITED_OR_DUE or booking.price_fen <= 0:
        raise OrderError(OrderCode.BOOKING_NOT_PAYABLE, "bookingId")
    return await insert_order(mongo, await _visit_doc(mongo, booking, discounts, create_key, None))


async def visit_order(*, mongo: Mongo, booking: Booking, staff_id: ObjectId) -> Order | None:
    """The order a completed visit is paid with: the member's own live one when they ordered ahead (paid or
    not), else a new one at the service's price with their level discount and the deposit counted; None for a
    free service. The same booking always gets the same order, however often completion is retried."""
    live = await mongo.db[c.ORDERS].find_one({"merchant_id": booking.merchant_id, "booking_key": visit_key(booking.id)})
    if live is not None:
        return order_from_doc(live)
    if booking.price_fen <= 0:
        return None
    doc = await _visit_doc(mongo, booking, Discounts(), f"booking:{booking.id}:visit", staff_id)
    try:
        return await insert_order(mongo, doc)
    except OrderError:
        # The member ordered it at this very moment: theirs is the visit's order.
        live = await mongo.db[c.ORDERS].find_one(
            {"merchant_id": booking.merchant_id, "booking_key": visit_key(booking.id)}
        )
        if live is None:
            raise
        return order_from_doc(live)


async def complete_visit(
    *, mongo: Mongo, actor: Staff, booking_id: ObjectId, count_card_id: ObjectId | None, now: datetime | None = None
) -> BookingView:
    """CHECKED_IN -> COMPLETED, and the visit paid for: with `count_card_id` (one of the member's live count
    cards) by one use of it, under an idempotency key of the booking so a retried completion never uses two;
    otherwise by the visit's order (`visit_order`: the deposit counted, the member's own order if they paid
    ahead), which the desk or the member then pays."""
    now = now or datetime.now(UTC)
    booking = await staff_booking(mongo=mongo, actor=actor, booking_id=booking_id)
    if booking.status_at(now) is BookingStatus.COMPLETED:
        return await view(mongo, booking)
    if booking.status_at(now) is not BookingStatus.CHECKED_IN:
        raise BookingError(BookingCode.BOOKING_STATUS_INVALID, "bookingId")
    order_id = None
    if count_card_id is not None:
        live = await live_count_cards(mongo=mongo, merchant_id=actor.merchant_id, member_ids=[booking.member_id])
        if count_card_id not in {card.id for card in live}:
            raise BookingError(BookingCode.COUNT_CARD_NOT_APPLICABLE, "countCardId")
        await use_count_card(
            mongo=mongo, actor=actor, count_card_id=count_card_id, idempotency_key=f"booking:{booking.id}:complete"
        )
    else:
        order = await visit_order(mongo=mongo, booking=booking, staff_id=actor.id)
        order_id = order.id if order is not None else None
    done = await mark_completed(
        mongo=mongo, actor=actor, booking=booking, count_card_id=count_card_id, order_id=order_id, now=now
    )
    return await view(mongo, done)
