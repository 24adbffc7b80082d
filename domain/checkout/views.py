"""One order as its detail screen shows it: the order with its store's name (and for staff the member's
nickname), every payment attempt and every refund, in five queries at most.
"""

from dataclasses import dataclass

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.checkout.records import Payment, Refund, payment_from_doc, refund_from_doc
from domain.orders.model import Order, load_order
from domain.orders.views import OrderView, staff_order, views_of
from domain.tenancy import Staff


@dataclass(frozen=True)
class OrderDetail:
    view: OrderView
    payments: tuple[Payment, ...]
    refunds: tuple[Refund, ...]


async def _detail(mongo: Mongo, order: Order, *, nicknames: bool) -> OrderDetail:
    [view] = await views_of(mongo, [order], nicknames=nicknames)
    payments = await mongo.db[c.PAYMENTS].find({"order_id": order.id}).sort("_id", 1).to_list()
    refunds = await mongo.db[c.REFUNDS].find({"order_id": order.id}).sort("_id", 1).to_list()
    return OrderDetail(view, tuple(map(payment_from_doc, payments)), tuple(map(refund_from_doc, refunds)))


async def staff_order_detail(*, mongo: Mongo, actor: Staff, order_id: ObjectId) -> OrderDetail:
    return await _detail(mongo, await staff_order(mongo=mongo, actor=actor, order_id=order_id), nicknames=True)


async def member_order_detail(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, order_id: ObjectId
) -> OrderDetail:
    order = await load_order(mongo=mongo, merchant_id=merchant_id, order_id=order_id, member_id=member_id)
    return await _detail(mongo, order, nicknames=False)


async def open_payment(*, mongo: Mongo, order_id: ObjectId) -> Payment | None:
    """The order's payment still waiting for the member, if any (what the dev sandbox's pay button pays)."""
    doc = await mongo.db[c.PAYMENTS].find_one({"open_key": str(order_id)})
    return payment_from_doc(doc) if doc else None
