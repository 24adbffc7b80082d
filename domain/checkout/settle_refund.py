"""`apply_refund`: the one transaction that makes a refund count, once: the order's refunded amount and status,
the claw-backs on the member's card and the ORDER_REFUNDED outbox event; and `fail_refund` for one a provider
will not make, which gives back what was reserved. A refund that can never be applied (a provider's notification
of more than is left to refund) ends FAILED too: each FAILED refund keeps its reason.

Points earned are clawed back and points redeemed given back in proportion to the money refunded (cumulatively,
so a full refund takes exactly all); earned points already spent are recorded as short, never taken below zero.
Stored value spent comes back in its paid and bonus parts. A top-up's stored value (the paid amount and exactly
its bonus) is taken back once.
"""

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo, required_doc, transaction
from domain import outbox
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM, Account, Actor, ActorKind, EntryKind, Parts, Posting, post
from domain.cards.stored_value import refund_top_up, top_up
from domain.checkout.records import Clawback, Refund, RefundStatus, refund_from_doc
from domain.events import OrderRefunded
from domain.orders.model import FlagKind, Order, OrderKind, OrderStatus, PayMethod, flag_order, order_from_doc

log = logging.getLogger(__name__)

REFUNDABLE = [OrderStatus.PAID.value, OrderStatus.PARTIALLY_REFUNDED.value]


class RefundOutcome(StrEnum):
    APPLIED = "APPLIED"
    ALREADY_APPLIED = "ALREADY_APPLIED"
    # The payment it refunds has not been applied yet: the notification is kept and applied after it.
    PARKED = "PARKED"
    MISMATCH = "MISMATCH"
    UNKNOWN = "UNKNOWN"


async def take_top_up_back(mongo: Mongo, s: AsyncClientSession, order: Order, refund_id: ObjectId) -> None:
    if order.top_up is None or order.top_up.entry_id is None:
        raise CardError(CardCode.TOP_UP_NOT_FOUND, "orderId")
    await refund_top_up(
        mongo=mongo,
        merchant_id=order.merchant_id,
        top_up_entry_id=order.top_up.entry_id,
        reference=f"refund:{refund_id}",
        actor=SYSTEM,
        session=s,
    )


def _share(total: int, before: int, after: int, whole: int) -> int:
    """This refund's part of `total`, for money refunded going from `before` to `after` out of `whole`."""
    return total * after // whole - total * before // whole


async def apply_refund(*, mongo: Mongo, refund_id: ObjectId, provider_refund_id: str | None) -> RefundOutcome:
    """The refund succeeded: counted on the order once, with its claw-backs and the outbox event."""

    async def work(s: AsyncClientSession) -> RefundOutcome:
        return await apply_in(mongo, s, refund_id, provider_refund_id)

    return await transaction(mongo, work)


async def apply_in(
    mongo: Mongo, s: AsyncClientSession, refund_id: ObjectId, provider_refund_id: str | None
) -> RefundOutcome:
    """`apply_refund` inside the caller's transaction (an unasked-for refund is recorded and applied in one)."""
    doc = await required_doc(mongo, c.REFUNDS, {"_id": refund_id}, s)
    if doc["status"] == RefundStatus.SUCCEEDED.value:
        return RefundOutcome.ALREADY_APPLIED
    refund = refund_from_doc(doc)
    order_doc = await required_doc(mongo, c.ORDERS, {"merchant_id": refund.merchant_id, "_id": refund.order_id}, s)
    order = order_from_doc(order_doc)
    due, before = order.price.due_fen, order.refunded_fen
    after = before + refund.amount_fen
    if order.status.value not in REFUNDABLE or after > due:
        reason = (
            f"{refund.amount_fen} fen is more than the {due - before} fen left to refund"
            if order.status.value in REFUNDABLE or order.status is OrderStatus.REFUNDED
            else f"the order is {order.status.value}"
        )
        await flag_order(
            mongo=mongo,
            merchant_id=order.merchant_id,
            order_id=order.id,
            code=FlagKind.REFUND_MISMATCH,
            detail=f"refund {refund.out_refund_no}: {reason}",
            key=f"refund:{refund.out_refund_no}",
            session=s,
        )
        log.error("REFUND MISMATCH: more refunded than paid", extra={"order_id": str(order.id)})
        # Never to be applied: it ends FAILED with the reason, so no refund stays PROCESSING for ever.
        await fail_in(mongo, s, refund.id, reason)
        return RefundOutcome.MISMATCH
    reserved = refund.amount_fen if doc.get("reserved") else 0
    status = OrderStatus.REFUNDED if after == due else OrderStatus.PARTIALLY_REFUNDED
    await mongo.db[c.ORDERS].update_one(
        {"merchant_id": order.merchant_id, "_id": order.id},
        {"$inc": {"refunded_fen": refund.amount_fen, "refund_reserved_fen": -reserved}, "$set": {"status": status}},
        session=s,
    )
    clawback = await _claw_back(mongo, s, order, order_doc.get("effects") or {}, refund, before, after)
    if order.kind is OrderKind.TOP_UP and not doc.get("top_up_taken"):
        try:
            await take_top_up_back(mongo, s, order, refund.id)
        except CardError as e:
            await _short(mongo, s, order, refund, f"top-up not taken back: {e.code}")
    now = datetime.now(UTC)
    await mongo.db[c.REFUNDS].update_one(
        {"_id": refund.id},
        {
            "$set": {
                "status": RefundStatus.SUCCEEDED.value,
                "settled_at": now,
                "provider_refund_id": provider_refund_id or refund.provider_refund_id,
                "clawback": {
                    "points_taken": clawback.points_taken,
                    "points_returned": clawback.points_returned,
                    "stored_value_returned": clawback.stored_value_returned,
                    "points_short": clawback.points_short,
                },
            }
        },
        session=s,
    )
    await outbox.record(
        mongo=mongo,
        session=s,
        merchant_id=order.merchant_id,
        event=OrderRefunded(
            order_id=order.id,
            refund_id=str(refund.id),
            refunded_fen=refund.amount_fen,
            order_paid_fen=due,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            order_refunded_total_fen=after,
            method=refund.method.value,
        ),
        dedupe_key=f"order_refunded:{refund.id}",
    )
    return RefundOutcome.APPLIED


async def _short(mongo: Mongo, s: AsyncClientSession, order: Order, refund: Refund, detail: str) -> None:
    await flag_order(
        mongo=mongo,
        merchant_id=order.merchant_id,
        order_id=order.id,
        code=FlagKind.CLAWBACK_SHORT,
        detail=detail,
        key=f"clawback:{refund.id}",
        session=s,
    )
    log.warning("refund could not take back everything", extra={"order_id": str(order.id), "detail": detail})


async def _claw_back(
    mongo: Mongo,
    s: AsyncClientSession,
    order: Order,
    effects: dict[str, Any],
    refund: Refund,
    before: int,
    after: int,
) -> Clawback:
    if order.member_id is None or order.kind is OrderKind.TOP_UP:
        return Clawback(0, 0, 0, 0)
    member_id, due, key = order.member_id, order.price.due_fen, f"refund:{refund.id}"

    def posting(account: Account, amount: int, suffix: str, parts: Parts | None = None) -> Posting:
        return Posting(
            merchant_id=order.merchant_id,
            member_id=member_id,
            account=account,
            kind=EntryKind.ADJUSTMENT,
            amount=amount,
            parts=parts,
            reference=f"order:{order.id}",
            actor=SYSTEM if refund.staff_id is None else Actor(ActorKind.STAFF, refund.staff_id),
            idempotency_key=f"{key}:{suffix}",
            reason=f"退款 {refund.out_refund_no}",
            detail={"refund_id": refund.id, "order_id": order.id},
        )

    wanted = _share(effects.get("points_earned", 0), before, after, due)
    taken = 0
    if wanted > 0:
        card = await mongo.db[c.CARDS].find_one({"merchant_id": order.merchant_id, "member_id": member_id}, session=s)
        taken = min(wanted, card["points"] if card else 0)
        if taken > 0:
            await post(mongo=mongo, session=s, posting=posting(Account.POINTS, -taken, "points_taken"))
        if taken < wanted:
            await _short(mongo, s, order, refund, f"{wanted - taken} earned points already spent")
    returned = _share(effects.get("points_redeemed", 0), before, after, due)
    if returned > 0:
        await post(mongo=mongo, session=s, posting=posting(Account.POINTS, returned, "points_returned"))
    stored = 0
    if refund.method is PayMethod.STORED_VALUE:
        bonus = _share(effects.get("stored_value_bonus", 0), before, after, due)
        stored = refund.amount_fen
        parts = Parts(stored - bonus, bonus)
        await post(mongo=mongo, session=s, posting=posting(Account.STORED_VALUE, stored, "stored_value", parts))
    return Clawback(taken, returned, stored, wanted - taken)


async def fail_refund(*, mongo: Mongo, refund_id: ObjectId, reason: str) -> bool:
    """The provider will not refund: the reservation goes, and a top-up's stored value comes back to the member."""

    async def work(s: AsyncClientSession) -> bool:
        return await fail_in(mongo, s, refund_id, reason)

    return await transaction(mongo, work)


async def fail_in(mongo: Mongo, s: AsyncClientSession, refund_id: ObjectId, reason: str) -> bool:
    """`fail_refund` inside the caller's transaction; False when the refund was not PROCESSING."""
    doc = await mongo.db[c.REFUNDS].find_one_and_update(
        {"_id": refund_id, "status": RefundStatus.PROCESSING.value},
        {"$set": {"status": RefundStatus.FAILED.value, "settled_at": datetime.now(UTC), "failure_reason": reason}},
        session=s,
    )
    if doc is None:
        return False
    if doc.get("reserved"):
        await mongo.db[c.ORDERS].update_one(
            {"merchant_id": doc["merchant_id"], "_id": doc["order_id"]},
            {"$inc": {"refund_reserved_fen": -doc["amount_fen"]}},
            session=s,
        )
    if doc.get("top_up_taken"):
        order = order_from_doc(
            await required_doc(mongo, c.ORDERS, {"merchant_id": doc["merchant_id"], "_id": doc["order_id"]}, s)
        )
        assert order.top_up is not None and order.member_id is not None
        entry = await top_up(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=order.member_id,
            paid_fen=order.top_up.pay_fen,
            bonus_fen=order.top_up.bonus_fen,
            reference=f"refund:{refund_id}",
            idempotency_key=f"refund:{refund_id}:restore",
            actor=SYSTEM,
            session=s,
        )
        # A later refund takes back this entry: the first one's refund is spent.
        await mongo.db[c.ORDERS].update_one(
            {"merchant_id": order.merchant_id, "_id": order.id}, {"$set": {"top_up.entry_id": entry.id}}, session=s
        )
    return True
