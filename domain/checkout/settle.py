"""`mark_paid`: the one way an order becomes paid, whoever says so (a webhook, the active query, the counter).

One transaction: the order PENDING (or CLOSED) -> PAID, the payment record SUCCEEDED, the coupon used up, the
points redeemed, stored value spent or topped up, points earned with the level re-checked (record_payment), the
ORDER_PAID outbox event, and for a deposit its booking confirmed. Conditional updates make it exactly-once: two
notifications with different event ids for one payment, or twenty deliveries of one, race to the payment's
status and all but one find it already applied; two payments of one order race to the order's, and the later
is kept as a duplicate. An amount the provider reports that is not the payment's changes nothing but a flag on
the order, and is logged loudly.

Paid time, one clock: the order's `paid_at` (and ORDER_PAID's) is the moment we record the settlement here, on our
own clock, and everything attributed by time reads it: a shareholder program's window, a coupon claim's revenue,
the business day and the commission freeze. The provider's success time is another clock, in whole seconds (and a
few seconds off at times), so compared with our millisecond timestamps (a program started, a forward accepted a
moment ago) it would put a payment before them that came after; it is kept on the payment, as the provider's
statement. A payment we learn of late (the active query) is attributed when we learned of it.
"""

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, required_doc, transaction
from domain import outbox
from domain.booking.deposits import confirm_paid_hold
from domain.booking.occupancy import CellTaken
from domain.cards.errors import CardError
from domain.cards.ledger import SYSTEM, Actor, ActorKind
from domain.cards.points import record_payment, redeem_points
from domain.cards.stored_value import spend_stored_value, top_up
from domain.checkout.records import EXTERNAL, Payment, PaymentStatus, SettledBy, payment_from_doc
from domain.coupons.errors import CouponError
from domain.coupons.redemption import consume
from domain.events import DepositRefundDue, OrderPaid
from domain.orders.model import FlagKind, Order, OrderKind, OrderStatus, PayMethod, flag_order, order_from_doc

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    # This call paid the order.
    APPLIED = "APPLIED"
    # The payment had been applied before (a redelivery, a second event id, the query after the webhook).
    ALREADY_APPLIED = "ALREADY_APPLIED"
    # Money came in for an order another payment had already paid: recorded and flagged for a refund by staff.
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    # The provider's amount is not the payment's: nothing applied, the order flagged.
    MISMATCH = "MISMATCH"
    # No payment of ours has this out_trade_no.
    UNKNOWN = "UNKNOWN"
    # The payment was made with another method than the one that says it succeeded (WeChat Pay naming an
    # Alipay payment): nothing applied.
    METHOD_MISMATCH = "METHOD_MISMATCH"


@dataclass(frozen=True)
class ProviderPayment:
    """What a provider (or the counter) says about one payment having succeeded; `method` is who says so."""

    method: PayMethod
    out_trade_no: str
    amount_fen: int
    provider_trade_no: str | None
    # The provider's success time, by its clock: kept on the payment, never used to attribute the order.
    paid_at: datetime


@dataclass(frozen=True)
class Settlement:
    outcome: Outcome
    order: Order | None
    payment: Payment | None


async def _find_payment(mongo: Mongo, out_trade_no: str, session: AsyncClientSession | None = None) -> Doc | None:
    return await mongo.db[c.PAYMENTS].find_one({"out_trade_no": out_trade_no}, session=session)


async def mark_paid(*, mongo: Mongo, paid: ProviderPayment, settled_by: SettledBy) -> Settlement:
    """Applies a successful payment once; every other call for it answers ALREADY_APPLIED and changes nothing."""
    doc = await _find_payment(mongo, paid.out_trade_no)
    if doc is None:
        log.error("payment succeeded for an out_trade_no we never opened", extra={"out_trade_no": paid.out_trade_no})
        return Settlement(Outcome.UNKNOWN, None, None)
    payment = payment_from_doc(doc)
    if paid.method is not payment.method:
        return Settlement(Outcome.METHOD_MISMATCH, None, payment)
    if payment.status is PaymentStatus.SUCCEEDED and paid.amount_fen == payment.amount_fen:
        # The common redelivery: answered from one read, without a transaction.
        order = order_from_doc(
            await required_doc(mongo, c.ORDERS, {"merchant_id": payment.merchant_id, "_id": payment.order_id})
        )
        return Settlement(Outcome.ALREADY_APPLIED, order, payment)
    if paid.amount_fen != payment.amount_fen:
        await flag_order(
            mongo=mongo,
            merchant_id=payment.merchant_id,
            order_id=payment.order_id,
            code=FlagKind.AMOUNT_MISMATCH,
            detail=f"{payment.method} reported {paid.amount_fen} fen for payment {payment.id} of {payment.amount_fen}",
            key=f"amount:{payment.id}:{paid.amount_fen}",
        )
        log.error(
            "PAYMENT AMOUNT MISMATCH: order left unpaid and flagged",
            extra={"order_id": str(payment.order_id), "expected_fen": payment.amount_fen, "got_fen": paid.amount_fen},
        )
        return Settlement(Outcome.MISMATCH, None, payment)

    async def work(s: AsyncClientSession) -> Settlement:
        return await settle_in(mongo=mongo, session=s, payment_id=payment.id, paid=paid, settled_by=settled_by)

    try:
        return await transaction(mongo, work)
    except CellTaken:
        # A booking took a paid deposit's slot while this settled; settled again, the deposit finds it lost.
        return await transaction(mongo, work)


async def settle_in(
    *, mongo: Mongo, session: AsyncClientSession, payment_id: ObjectId, paid: ProviderPayment, settled_by: SettledBy
) -> Settlement:
    """`mark_paid` inside the caller's transaction (the counter opens and settles a payment in one)."""
    s = session
    now = datetime.now(UTC)
    # Of every settlement of this payment racing here, one finds it not yet succeeded; the payment comes back
    # from the write, so it is not read first.
    settled_doc = await mongo.db[c.PAYMENTS].find_one_and_update(
        {"_id": payment_id, "status": {"$ne": PaymentStatus.SUCCEEDED.value}},
        {
            "$set": {
                "status": PaymentStatus.SUCCEEDED.value,
                "paid_at": paid.paid_at,
                "provider_trade_no": paid.provider_trade_no,
                "settled_by": settled_by.value,
                "settled_at": now,
                "duplicate": False,
            },
            "$unset": {"open_key": ""},
        },
        return_document=ReturnDocument.AFTER,
        session=s,
    )
    if settled_doc is None:
        payment = payment_from_doc(await required_doc(mongo, c.PAYMENTS, {"_id": payment_id}, s))
        order_query = {"merchant_id": payment.merchant_id, "_id": payment.order_id}
        order = order_from_doc(await required_doc(mongo, c.ORDERS, order_query, s))
        return Settlement(Outcome.ALREADY_APPLIED, order, payment)
    settled = payment_from_doc(settled_doc)
    paid_doc = {"method": settled.method.value, "payment_id": settled.id}
    # The exactly-once guard for the order: of every payment of it settling here, one finds it unpaid.
    won = await mongo.db[c.ORDERS].find_one_and_update(
        {
            "merchant_id": settled.merchant_id,
            "_id": settled.order_id,
            "status": {"$in": [OrderStatus.PENDING.value, OrderStatus.CLOSED.value]},
        },
        {"$set": {"status": OrderStatus.PAID.value, "paid_at": now, "paid": paid_doc}},
        return_document=ReturnDocument.AFTER,
        session=s,
    )
    if won is None:
        await mongo.db[c.PAYMENTS].update_one({"_id": settled.id}, {"$set": {"duplicate": True}}, session=s)
        settled = replace(settled, duplicate=True)
        await flag_order(
            mongo=mongo,
            merchant_id=settled.merchant_id,
            order_id=settled.order_id,
            code=FlagKind.DUPLICATE_PAYMENT,
            detail=f"payment {settled.id} ({settled.method}) of {settled.amount_fen} fen came after the order was paid",
            key=f"duplicate:{settled.id}",
            session=s,
        )
        log.error("DUPLICATE PAYMENT for an order already paid", extra={"payment_id": str(settled.id)})
        order = order_from_doc(
            await required_doc(mongo, c.ORDERS, {"merchant_id": settled.merchant_id, "_id": settled.order_id}, s)
        )
        return Settlement(Outcome.DUPLICATE_PAYMENT, order, settled)
    order = order_from_doc(won)
    effects = await _effects(mongo, s, order, settled)
    if order.kind is OrderKind.DEPOSIT and order.booking_id is not None:
        await _confirm_booking(mongo, s, order, order.booking_id, now)
    done = await mongo.db[c.ORDERS].find_one_and_update(
        {"merchant_id": order.merchant_id, "_id": order.id},
        {"$set": {"effects": effects}},
        return_document=ReturnDocument.AFTER,
        session=s,
    )
    await _announce(mongo, s, order, settled, now, effects)
    return Settlement(Outcome.APPLIED, order_from_doc(done or won), settled)


async def _confirm_booking(
    mongo: Mongo, s: AsyncClientSession, order: Order, booking_id: ObjectId, now: datetime
) -> None:
    """The deposit's booking confirmed; money in for a booking that can no longer be had is flagged (so staff
    see why) and refunded by the worker."""
    if (
        await confirm_paid_hold(mongo=mongo, session=s, merchant_id=order.merchant_id, booking_id=booking_id, now=now)
        is None
    ):
        await flag_order(
            mongo=mongo,
            merchant_id=order.merchant_id,
            order_id=order.id,
            code=FlagKind.BOOKING_LOST,
            detail=f"deposit paid for booking {booking_id}, which was cancelled or whose time was taken",
            key=f"booking_lost:{order.id}",
            session=s,
        )
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=order.merchant_id,
            event=DepositRefundDue(booking_id=booking_id),
            dedupe_key=f"booking:{booking_id}:deposit_refund:{order.id}",
        )
        log.warning("deposit paid for a lost booking: refunding it", extra={"order_id": str(order.id)})


def _actor(order: Order, payment: Payment) -> Actor:
    if payment.staff_id is not None:
        return Actor(ActorKind.STAFF, payment.staff_id)
    return SYSTEM if payment.method in EXTERNAL else Actor(ActorKind.MEMBER, order.member_id)


async def _effects(mongo: Mongo, s: AsyncClientSession, order: Order, payment: Payment) -> dict[str, Any]:
    """Everything the payment does to coupons and the member's card, recorded on the order for refunds."""
    return {"points_redeemed": await _use_discounts(mongo, s, order, payment)} | await _move_money(
        mongo, s, order, payment
    )


async def _use_discounts(mongo: Mongo, s: AsyncClientSession, order: Order, payment: Payment) -> int:
    """The coupon used up and the points redeemed; the points redeemed. Money a provider already took cannot be
    refused, so there a coupon or points that can no longer be used are flagged; at the counter they refuse."""
    strict = payment.method not in EXTERNAL
    if order.coupon_id is not None:
        try:
            await consume(
                mongo=mongo, merchant_id=order.merchant_id, coupon_id=order.coupon_id, order_id=order.id, session=s
            )
        except CouponError as e:
            if strict:
                raise
            await _flag_effect(mongo, s, order, FlagKind.COUPON_NOT_CONSUMED, e)
    if order.member_id is None or not order.price.points_used:
        return 0
    try:
        await redeem_points(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            points=order.price.points_used,
            reference=f"order:{order.id}",
            idempotency_key=f"order:{order.id}:points",
            actor=_actor(order, payment),
            session=s,
        )
    except CardError as e:
        if strict:
            raise
        await _flag_effect(mongo, s, order, FlagKind.POINTS_NOT_REDEEMED, e)
        return 0
    return order.price.points_used


async def _move_money(mongo: Mongo, s: AsyncClientSession, order: Order, payment: Payment) -> dict[str, int]:
    """Stored value spent or topped up, and points earned with the level re-checked."""
    moved = {"points_earned": 0, "stored_value_paid": 0, "stored_value_bonus": 0}
    if order.member_id is None:
        return moved
    due, key = order.price.due_fen, f"order:{order.id}"
    if payment.method is PayMethod.STORED_VALUE and due > 0:
        spent = await spend_stored_value(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            amount_fen=due,
            reference=key,
            idempotency_key=f"{key}:stored_value",
            actor=_actor(order, payment),
            session=s,
        )
        moved["stored_value_paid"], moved["stored_value_bonus"] = -spent.parts.paid, -spent.parts.bonus
    if order.kind is OrderKind.TOP_UP and order.top_up is not None:
        entry = await top_up(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            paid_fen=order.top_up.pay_fen,
            bonus_fen=order.top_up.bonus_fen,
            reference=key,
            idempotency_key=f"{key}:top_up",
            actor=_actor(order, payment),
            session=s,
        )
        await mongo.db[c.ORDERS].update_one(
            {"merchant_id": order.merchant_id, "_id": order.id}, {"$set": {"top_up.entry_id": entry.id}}, session=s
        )
    elif due > 0:
        # Points and lifetime spending on money paid for consumption; a top-up earns when it is spent.
        recorded = await record_payment(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            paid_fen=due,
            reference=key,
            idempotency_key=f"{key}:earn",
            session=s,
        )
        moved["points_earned"] = recorded.entry.amount
    return moved


async def _flag_effect(
    mongo: Mongo, s: AsyncClientSession, order: Order, code: FlagKind, error: CouponError | CardError
) -> None:
    await flag_order(
        mongo=mongo,
        merchant_id=order.merchant_id,
        order_id=order.id,
        code=code,
        detail=error.code.value,
        key=f"{code}:{order.id}",
        session=s,
    )
    log.error("paid order could not use what it was priced with", extra={"order_id": str(order.id), "flag": code})


async def _announce(
    mongo: Mongo, s: AsyncClientSession, order: Order, payment: Payment, paid_at: datetime, effects: dict[str, Any]
) -> None:
    top_up_paid = order.top_up.pay_fen if order.kind is OrderKind.TOP_UP and order.top_up else 0
    await outbox.record(
        mongo=mongo,
        session=s,
        merchant_id=order.merchant_id,
        event=OrderPaid(
            order_id=order.id,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            store_id=order.store_id,
            paid_at=paid_at,
            # Stored value's bonus part is the store's gift, not money the member paid: nobody earns on it.
            consumption_paid_fen=0
            if order.kind is OrderKind.TOP_UP
            else order.price.due_fen - effects["stored_value_bonus"],
            stored_value_spent_fen=effects["stored_value_paid"],
            top_up_paid_fen=top_up_paid,
            method=payment.method.value,
            payment_id=payment.id,
        ),
        dedupe_key=OrderPaid.dedupe_key_of(order.id),
    )
