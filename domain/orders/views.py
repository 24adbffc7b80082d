"""Orders as screens show them: a store's order list for staff, a member's own list, one order; each with the
store's name and the member's nickname, fetched in one batched query per kind whatever the page size.
"""

from dataclasses import dataclass

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo, field_by_id
from domain.catalog import visible_store
from domain.members import display_name
from domain.orders.errors import OrderCode, OrderError
from domain.orders.model import REFUND_IN_PROGRESS, Order, OrderStatus, order_from_doc
from domain.pagination import Page, clamp
from domain.tenancy import Staff


@dataclass(frozen=True)
class OrderView:
    order: Order
    store_name: str
    member_nickname: str | None


async def views_of(mongo: Mongo, orders: list[Order], *, nicknames: bool = True) -> list[OrderView]:
    """The orders with their stores' names and (for staff screens, `nicknames`) their members' nicknames."""
    merchants = {o.merchant_id for o in orders}
    stores = await field_by_id(mongo, c.STORES, merchants, {o.store_id for o in orders}, "name")
    wanted = {o.member_id for o in orders if o.member_id} if nicknames else set()
    members = await field_by_id(mongo, c.MEMBERS, merchants, wanted, "nickname")
    return [
        OrderView(
            o, stores.get(o.store_id, ""), display_name(members.get(o.member_id)) if o.member_id in wanted else None
        )
        for o in orders
    ]


async def view(mongo: Mongo, order: Order) -> OrderView:
    return (await views_of(mongo, [order]))[0]


async def _page(
    mongo: Mongo, query: Doc, first: int | None, after: ObjectId | None, *, nicknames: bool = True
) -> Page[OrderView]:
    """Newest first: `after` is the last order already shown."""
    limit = clamp(first)
    if after is not None:
        query = {**query, "_id": {"$lt": after}}
    docs = await mongo.db[c.ORDERS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    views = await views_of(mongo, [order_from_doc(d) for d in docs[:limit]], nicknames=nicknames)
    return Page([(v.order.id, v) for v in views], len(docs) > limit)


async def store_orders(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId | None,
    status: OrderStatus | None,
    first: int | None,
    after: ObjectId | None,
    refund_in_progress: bool = False,
) -> Page[OrderView]:
    """Any staff role: the orders of one store in their scope (else STORE_NOT_FOUND), or of every store they see;
    with `refund_in_progress`, only those waiting for a refund to complete (退款中)."""
    query: Doc = {"merchant_id": actor.merchant_id}
    if refund_in_progress:
        query.update(REFUND_IN_PROGRESS)
    if store_id is not None:
        await visible_store(mongo, actor, store_id)
        query["store_id"] = store_id
    elif not actor.all_stores:
        query["store_id"] = {"$in": list(actor.store_ids)}
    if status is not None:
        query["status"] = status.value
    return await _page(mongo, query, first, after)


async def member_orders(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, first: int | None, after: ObjectId | None
) -> Page[OrderView]:
    return await _page(mongo, {"merchant_id": merchant_id, "member_id": member_id}, first, after, nicknames=False)


async def staff_order(*, mongo: Mongo, actor: Staff, order_id: ObjectId) -> Order:
    """An order at a store in the actor's scope; any other (or another merchant's) is ORDER_NOT_FOUND."""
    doc = await mongo.db[c.ORDERS].find_one({"_id": order_id, "merchant_id": actor.merchant_id})
    if doc is None or not actor.can_see_store(doc["store_id"]):
        raise OrderError(OrderCode.ORDER_NOT_FOUND, "orderId")
    return order_from_doc(doc)
