"""Reversal on ORDER_REFUNDED: every commission of the order shrinks to floor(rate × base × kept share), the
kept share being what is left of the order after all its refunds so far. Before payout that comes off the
pending, available or in-review amount (a commission reversed to nothing is CANCELLED); after payout it
becomes owed, a negative adjustment the next payout nets out. Each refund id is applied once.

A refund right after its payment is relayed with it, and its job may run before the payment's: it then runs the
payment's accrual itself, from the ORDER_PAID in the outbox (accrual happens once, whoever runs it), and reverses
at once instead of waiting for a retry.
"""

from dataclasses import dataclass

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.commissions.accrual import on_order_paid
from domain.commissions.commission import BUCKETS, CommissionStatus, amount_after_refunds
from domain.commissions.ledger import Bucket, EntryKind, post
from domain.events import OrderPaid, OrderRefunded
from domain.outbox import TryAgainLater


@dataclass(frozen=True)
class Reversal:
    order_id: ObjectId
    refund_id: str
    reversed_fen: int
    replayed: bool


_SETTLED = (CommissionStatus.CANCELLED, CommissionStatus.REJECTED)


class PaidEventPending(TryAgainLater):
    """ORDER_REFUNDED arrived before its order's ORDER_PAID was even recorded: the relay runs it again later."""


async def _reverse_one(
    mongo: Mongo, session: AsyncClientSession, doc: Doc, event: OrderRefunded, refunded_total: int
) -> int:
    status = CommissionStatus(doc["status"])
    target = amount_after_refunds(doc["rate_bp"], doc["base_fen"], event.order_paid_fen, refunded_total)
    cut = int(doc["amount_fen"] - doc["reversed_fen"]) - target
    if status in _SETTLED or cut <= 0:
        return 0
    new_status: CommissionStatus = status
    if status in (CommissionStatus.PAID, CommissionStatus.PAID_OFFLINE):
        deltas = {Bucket.OWED: cut}
    else:
        deltas = {BUCKETS[status]: -cut}
        new_status = CommissionStatus.CANCELLED if target == 0 else status
    changed = await mongo.db[c.COMMISSIONS].update_one(
        {
            "merchant_id": doc["merchant_id"],
            "_id": doc["_id"],
            "status": status.value,
            "reversed_fen": doc["reversed_fen"],
        },
        {"$inc": {"reversed_fen": cut}, "$set": {"status": new_status.value}},
        session=session,
    )
    if changed.modified_count != 1:
        raise RuntimeError("commission changed inside its own transaction snapshot")
    await post(
        mongo,
        session,
        merchant_id=doc["merchant_id"],
        beneficiary_id=doc["beneficiary_id"],
        kind=EntryKind.REVERSE,
        deltas=deltas,
        idempotency_key=f"reverse:{event.refund_id}:{doc['_id']}",
        commission_id=doc["_id"],
        detail={"order_id": event.order_id, "refund_id": event.refund_id},
    )
    return cut


async def _accrue_first(mongo: Mongo, order_id: ObjectId) -> None:
    """The order's ORDER_PAID handled now, ahead of its own job (which then finds it done)."""
    entry = await outbox.recorded(mongo=mongo, dedupe_key=OrderPaid.dedupe_key_of(order_id))
    if entry is None:
        raise PaidEventPending(str(order_id))
    await on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry.payload))


async def on_order_refunded(*, mongo: Mongo, event: OrderRefunded) -> Reversal:
    """Handle ORDER_REFUNDED once per refund id, accruing the order first when its ORDER_PAID is unhandled yet
    (PaidEventPending only when there is no ORDER_PAID to handle). A walk-in sale (no member) earned nobody
    anything, so its refund has nothing to reverse."""
    if event.member_id is None:
        return Reversal(event.order_id, event.refund_id, 0, replayed=False)

    async def work(session: AsyncClientSession) -> Reversal:
        orders = mongo.db[c.COMMISSION_ORDERS]
        order = await orders.find_one({"merchant_id": event.merchant_id, "_id": event.order_id}, session=session)
        if order is None:
            raise PaidEventPending(str(event.order_id))
        if event.refund_id in order["refund_ids"]:
            return Reversal(event.order_id, event.refund_id, 0, replayed=True)
        paid = event.order_paid_fen
        refunded = min(order["refunded_fen"] + event.refunded_fen, paid)
        revenue = order["revenue_fen"]
        await orders.update_one(
            {"merchant_id": event.merchant_id, "_id": event.order_id, "refund_ids": {"$ne": event.refund_id}},
            {
                "$push": {"refund_ids": event.refund_id},
                "$set": {
                    "refunded_fen": refunded,
                    "net_revenue_fen": revenue * (paid - refunded) // paid if paid else revenue,
                },
            },
            session=session,
        )
        commissions = (
            await mongo.db[c.COMMISSIONS]
            .find({"merchant_id": event.merchant_id, "order_id": event.order_id}, session=session)
            .to_list()
        )
        total = 0
        for doc in commissions:
            total += await _reverse_one(mongo, session, doc, event, refunded)
        return Reversal(event.order_id, event.refund_id, total, replayed=False)

    try:
        return await transaction(mongo, work)
    except PaidEventPending:
        await _accrue_first(mongo, event.order_id)
        return await transaction(mongo, work)
