"""Closing what nobody paid: a payment whose window passed unpaid, and an order nobody will pay. Each frees the
order's coupon. Both are conditional updates, so a payment that succeeds at the same moment always wins.
"""

from datetime import UTC, datetime

from pymongo import ReturnDocument

from db import collections as c
from db.mongo import Mongo
from domain.checkout.records import Payment, PaymentStatus
from domain.coupons.redemption import release
from domain.orders.model import Order, OrderStatus, order_from_doc


async def close_payment(*, mongo: Mongo, payment: Payment) -> bool:
    """OPEN -> CLOSED, the coupon released; False when it was settled (or closed) meanwhile. A provider may still
    report it paid later: `settle.mark_paid` accepts a CLOSED payment, since the money is real."""
    result = await mongo.db[c.PAYMENTS].update_one(
        {"_id": payment.id, "status": PaymentStatus.OPEN.value},
        {"$set": {"status": PaymentStatus.CLOSED.value, "closed_at": datetime.now(UTC)}, "$unset": {"open_key": ""}},
    )
    if result.modified_count == 0:
        return False
    order = await mongo.db[c.ORDERS].find_one(
        {"merchant_id": payment.merchant_id, "_id": payment.order_id}, {"coupon_id": 1, "merchant_id": 1}
    )
    if order is not None and order.get("coupon_id") is not None:
        await release(
            mongo=mongo, merchant_id=order["merchant_id"], coupon_id=order["coupon_id"], order_id=order["_id"]
        )
    return True


async def close_unpaid(*, mongo: Mongo, order: Order) -> Order | None:
    """PENDING -> CLOSED and the coupon released; None when the order was paid meanwhile."""
    doc = await mongo.db[c.ORDERS].find_one_and_update(
        {"merchant_id": order.merchant_id, "_id": order.id, "status": OrderStatus.PENDING.value},
        {"$set": {"status": OrderStatus.CLOSED.value, "closed_at": datetime.now(UTC)}, "$unset": {"booking_key": ""}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        fresh = await mongo.db[c.ORDERS].find_one({"merchant_id": order.merchant_id, "_id": order.id})
        return order_from_doc(fresh) if fresh and fresh["status"] == OrderStatus.CLOSED.value else None
    if order.coupon_id is not None:
        await release(mongo=mongo, merchant_id=order.merchant_id, coupon_id=order.coupon_id, order_id=order.id)
    return order_from_doc(doc)
