"""Making an order: staff at the counter (catalog items or a free amount), or a member in the mini-program
(扫码买单 with a free amount, a booking's deposit or visit (domain.orders.bookings), buying a top-up plan). The
price is worked out once, when the order is made (domain.orders.draft); the coupon is only checked here and
locked when a payment opens (domain.checkout). A replayed idempotency key returns the first order. A counter
quote and a 扫码买单 quote price the same cart the same way and write nothing, so the bill or the member's pay
page can show the price while the choice changes.
"""

from dataclasses import dataclass

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking.model import find_booking
from domain.cards.card import get_card
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import check_key
from domain.cards.stored_value import get_active_plan
from domain.catalog import items_for_order
from domain.errors import PermissionDenied
from domain.orders.bookings import member_booking_order
from domain.orders.draft import Discounts, insert_order, order_doc, price_order, replayed_order
from domain.orders.errors import OrderCode, OrderError
from domain.orders.model import Line, Order, OrderKind, OrderSource, Price
from domain.orders.views import OrderView, view
from domain.pricing import LineKind
from domain.tenancy import Role, Staff, TenancyCode, TenancyError

MAX_AMOUNT_FEN = 100_000_000
MAX_LINES = 50
MAX_QUANTITY = 999
MAX_NOTE = 200
COUNTER_ROLES = (Role.OWNER, Role.MANAGER, Role.CASHIER)


@dataclass(frozen=True)
class CartItem:
    item_id: ObjectId
    quantity: int


@dataclass(frozen=True)
class Quote:
    """What an order made now of this cart would hold and cost."""

    lines: list[Line]
    price: Price


@dataclass(frozen=True)
class MemberRequest:
    """Exactly one of: a free amount at a store (扫码买单), a booking to pay for, a top-up plan to buy."""

    store_id: ObjectId | None = None
    amount_fen: int | None = None
    booking_id: ObjectId | None = None
    top_up_plan_id: ObjectId | None = None


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise OrderError(OrderCode.NOTE_TOO_LONG, "note")
    return note


def _amount_line(amount_fen: int, name: str) -> Line:
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise OrderError(OrderCode.ORDER_AMOUNT_INVALID, "amountFen")
    return Line("amount", LineKind.AMOUNT, name, amount_fen, 1)


async def _counter_lines(
    mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, items: list[CartItem], amount_fen: int | None
) -> list[Line]:
    if (amount_fen is None) == (not items):
        raise OrderError(OrderCode.ORDER_CONTENT_INVALID, "items")
    if amount_fen is not None:
        return [_amount_line(amount_fen, "自定义金额")]
    if len(items) > MAX_LINES or any(not 0 < i.quantity <= MAX_QUANTITY for i in items):
        raise OrderError(OrderCode.ORDER_CONTENT_INVALID, "items")
    found = await items_for_order(
        mongo=mongo, merchant_id=merchant_id, store_id=store_id, item_ids=list({i.item_id for i in items})
    )
    lines = []
    for i, wanted in enumerate(items):
        item = found.get(wanted.item_id)
        if item is None:
            raise OrderError(OrderCode.ITEM_NOT_SOLD_HERE, f"items.{i}.itemId")
        kind = LineKind.SERVICE if item.spec.kind.value == LineKind.SERVICE.value else LineKind.PRODUCT
        lines.append(Line(str(item.id), kind, item.spec.name, item.spec.price_fen, wanted.quantity))
    return lines


async def _counter_store(mongo: Mongo, actor: Staff, store_id: ObjectId) -> None:
    if not (actor.has_role(*COUNTER_ROLES) and actor.can_see_store(store_id)):
        raise PermissionDenied()
    if await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")


async def _counter_quote(
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId,
    member_id: ObjectId | None,
    items: list[CartItem],
    amount_fen: int | None,
    discounts: Discounts,
) -> Quote:
    if member_id is not None and (
        await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None
    ):
        raise CardError(CardCode.MEMBER_NOT_FOUND, "memberId")
    lines = await _counter_lines(mongo, actor.merchant_id, store_id, items, amount_fen)
    price = await price_order(
        mongo=mongo,
        merchant_id=actor.merchant_id,
        member_id=member_id,
        store_id=store_id,
        lines=lines,
        discounts=discounts,
    )
    return Quote(lines, price)


async def quote_counter_order(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId,
    member_id: ObjectId | None,
    items: list[CartItem],
    amount_fen: int | None,
    discounts: Discounts,
) -> Quote:
    """The lines and price `create_counter_order` would give this cart now, refused as it would refuse it (a
    coupon not usable here, points without a member…); nothing is written and the coupon is not held."""
    await _counter_store(mongo, actor, store_id)
    return await _counter_quote(mongo, actor, store_id, member_id, items, amount_fen, discounts)


async def create_counter_order(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId,
    member_id: ObjectId | None,
    items: list[CartItem],
    amount_fen: int | None,
    discounts: Discounts,
    note: str,
    idempotency_key: str,
) -> OrderView:
    """Cashier and above, at a store in their scope: catalog items or one free amount, for a member or a walk-in."""
    create_key = f"staff:{actor.id}:{check_key(idempotency_key)}"
    await _counter_store(mongo, actor, store_id)
    replayed = await replayed_order(mongo, actor.merchant_id, create_key)
    if replayed is not None:
        return await view(mongo, replayed)
    quote = await _counter_quote(mongo, actor, store_id, member_id, items, amount_fen, discounts)
    doc = order_doc(
        merchant_id=actor.merchant_id,
        store_id=store_id,
        member_id=member_id,
        kind=OrderKind.CONSUMPTION,
        source=OrderSource.COUNTER,
        lines=quote.lines,
        price=quote.price,
        create_key=create_key,
        coupon_id=discounts.coupon_id,
        note=_check_note(note),
        staff_id=actor.id,
    )
    return await view(mongo, await insert_order(mongo, doc))


async def create_member_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    request: MemberRequest,
    discounts: Discounts,
    idempotency_key: str,
) -> OrderView:
    create_key = f"member:{member_id}:{check_key(idempotency_key)}"
    replayed = await replayed_order(mongo, merchant_id, create_key)
    if replayed is not None:
        return await view(mongo, replayed)
    chosen = [x for x in (request.amount_fen, request.booking_id, request.top_up_plan_id) if x is not None]
    if len(chosen) != 1:
        raise OrderError(OrderCode.ORDER_CONTENT_INVALID, "amountFen")
    if request.top_up_plan_id is not None:
        return await view(mongo, await _top_up_order(mongo, merchant_id, member_id, request, create_key))
    if request.booking_id is not None:
        booking = await find_booking(
            mongo=mongo, merchant_id=merchant_id, booking_id=request.booking_id, member_id=member_id
        )
        order = await member_booking_order(mongo=mongo, booking=booking, discounts=discounts, create_key=create_key)
        return await view(mongo, order)
    assert request.amount_fen is not None
    store_id = await _scan_store(mongo, merchant_id, request.store_id)
    quote = await _scan_quote(mongo, merchant_id, member_id, store_id, request.amount_fen, discounts)
    doc = order_doc(
        merchant_id=merchant_id,
        store_id=store_id,
        member_id=member_id,
        kind=OrderKind.CONSUMPTION,
        source=OrderSource.SCAN,
        lines=quote.lines,
        price=quote.price,
        create_key=create_key,
        coupon_id=discounts.coupon_id,
    )
    return await view(mongo, await insert_order(mongo, doc))


async def quote_scan_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    store_id: ObjectId,
    amount_fen: int,
    discounts: Discounts,
) -> Quote:
    """The line and price `create_member_order` would give this 扫码买单 now, for the member asking, refused as
    it would refuse it (a store of another merchant, a coupon not theirs or not usable here…); nothing is written
    and the coupon is not held."""
    await _scan_store(mongo, merchant_id, store_id)
    return await _scan_quote(mongo, merchant_id, member_id, store_id, amount_fen, discounts)


async def _scan_quote(
    mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, store_id: ObjectId, amount_fen: int, discounts: Discounts
) -> Quote:
    lines = [_amount_line(amount_fen, "扫码买单")]
    price = await price_order(
        mongo=mongo, merchant_id=merchant_id, member_id=member_id, store_id=store_id, lines=lines, discounts=discounts
    )
    return Quote(lines, price)


async def _scan_store(mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId | None) -> ObjectId:
    if store_id is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    if await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": merchant_id}, {"_id": 1}) is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    return store_id


async def _top_up_order(
    mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, request: MemberRequest, create_key: str
) -> Order:
    assert request.top_up_plan_id is not None
    plan = await get_active_plan(mongo=mongo, merchant_id=merchant_id, plan_id=request.top_up_plan_id)
    if await get_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id) is None:
        raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    # Stored value is merchant-wide; the order is booked at the store the member names, else the first one.
    store = await mongo.db[c.STORES].find_one(
        {"merchant_id": merchant_id, **({"_id": request.store_id} if request.store_id else {})},
        {"_id": 1},
        sort=[("_id", 1)],
    )
    if store is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    line = Line(str(plan.id), LineKind.AMOUNT, plan.name, plan.pay_fen, 1)
    price = Price(plan.pay_fen, 0, 0, plan.pay_fen, 0, 0, plan.pay_fen)
    doc = order_doc(
        merchant_id=merchant_id,
        store_id=store["_id"],
        member_id=member_id,
        kind=OrderKind.TOP_UP,
        source=OrderSource.TOP_UP,
        lines=[line],
        price=price,
        create_key=create_key,
    )
    doc["top_up"] = {"plan_id": plan.id, "pay_fen": plan.pay_fen, "bonus_fen": plan.bonus_fen, "entry_id": None}
    return await insert_order(mongo, doc)
