"""Making an order: staff at the counter (catalog items or a free amount), or a member in the mini-program
(扫码买单 with a free amount, paying for a booking, buying a top-up plan). The price is worked out here, once,
by `domain.pricing.price_checkout` with the member's level, one coupon and points; the coupon is only checked
here and locked when a payment opens (domain.checkout). A replayed idempotency key returns the first order.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import gcd

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.model import BookingStatus, find_booking
from domain.cards.card import get_card
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import CardStatus, check_key
from domain.cards.points import FEN_PER_YUAN
from domain.cards.program import load_program
from domain.cards.stored_value import get_active_plan
from domain.catalog import items_for_order
from domain.coupons.coupon import get_my_coupon
from domain.coupons.errors import CouponCode, CouponError
from domain.errors import PermissionDenied
from domain.orders.errors import OrderCode, OrderError
from domain.orders.model import Line, Order, OrderKind, OrderSource, OrderStatus, Price, order_from_doc
from domain.orders.views import OrderView, view
from domain.pricing import CartLine, LineKind, PointsRule, price_checkout
from domain.tenancy import Role, Staff, TenancyCode, TenancyError

# An unpaid order with no payment open is closed this long after it was made (by domain.checkout.reconcile).
ORDER_TTL = timedelta(hours=2)
# Points may pay at most half of what an order costs after the coupon.
POINTS_MAX_SHARE_BP = 5_000
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
class Discounts:
    """What the member puts towards the order: one of their coupons, and their points (as many as allowed)."""

    coupon_id: ObjectId | None = None
    use_points: bool = False


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


def _check_amount(amount_fen: int) -> None:
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise OrderError(OrderCode.ORDER_AMOUNT_INVALID, "amountFen")


def _amount_line(amount_fen: int, name: str) -> Line:
    _check_amount(amount_fen)
    return Line("amount", LineKind.AMOUNT, name, amount_fen, 1)


def points_rule(redeem_points_per_yuan: int) -> PointsRule:
    """The loyalty rate in pricing's terms, in the smallest whole units the rate allows (100 points = 1 yuan
    pays per point and per fen), which is exactly what `domain.cards.points.redeem_points` charges."""
    unit = gcd(redeem_points_per_yuan, FEN_PER_YUAN)
    return PointsRule(redeem_points_per_yuan // unit, FEN_PER_YUAN // unit, POINTS_MAX_SHARE_BP)


async def _price(
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId | None,
    store_id: ObjectId,
    lines: list[Line],
    discounts: Discounts,
) -> Price:
    carts = [CartLine(ln.item_id, ln.kind, ln.unit_price_fen, ln.quantity) for ln in lines]
    if member_id is None:
        if discounts.coupon_id is not None or discounts.use_points:
            raise OrderError(OrderCode.MEMBER_REQUIRED, "memberId")
        checkout = price_checkout(carts)
        return Price(checkout.list_fen, 0, 0, checkout.payable_fen, 0, 0, checkout.payable_fen)
    card = await get_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
    if card is None:
        raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    if discounts.use_points and card.status is not CardStatus.ACTIVE:
        raise CardError(CardCode.CARD_LOST, "usePoints")
    program = await load_program(mongo=mongo, merchant_id=merchant_id)
    level = program.level(card.level_id, card.lifetime_paid_fen)
    terms = None
    if discounts.coupon_id is not None:
        held = await get_my_coupon(
            mongo=mongo, merchant_id=merchant_id, member_id=member_id, coupon_id=discounts.coupon_id
        )
        if held is None:
            raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
        now = datetime.now(UTC)
        blocker = held.coupon.blocker(now)
        if blocker is None and held.coupon.valid_from > now:
            blocker = CouponCode.COUPON_NOT_YET_VALID
        if blocker is not None:
            raise CouponError(blocker, "couponId")
        if not held.coupon.valid_at(store_id):
            raise CouponError(CouponCode.COUPON_NOT_VALID_AT_STORE, "couponId")
        terms = held.template.benefit.terms()
    checkout = price_checkout(
        carts,
        level_discount_bp=level.discount_bp,
        coupon=terms,
        points_rule=points_rule(program.points_rule.redeem_points_per_yuan) if discounts.use_points else None,
        points_available=card.points if discounts.use_points else 0,
    )
    return Price(
        list_fen=checkout.list_fen,
        level_discount_fen=checkout.level_discount_fen,
        coupon_discount_fen=checkout.coupon_discount_fen,
        payable_fen=checkout.payable_fen,
        points_used=checkout.points_used,
        points_fen=checkout.points_fen,
        due_fen=checkout.external_fen,
    )


async def _insert(mongo: Mongo, doc: Doc) -> Order:
    """One order per creator and key: a concurrent replay collides on the unique index and gets the first."""
    try:
        await mongo.db[c.ORDERS].insert_one(doc)
    except DuplicateKeyError as e:
        pattern = (e.details or {}).get("keyPattern") or {}
        if "booking_key" in pattern:
            raise OrderError(OrderCode.BOOKING_ALREADY_ORDERED, "bookingId") from e
        first = await mongo.db[c.ORDERS].find_one({"merchant_id": doc["merchant_id"], "create_key": doc["create_key"]})
        if first is None:
            raise
        return order_from_doc(first)
    return order_from_doc(doc)


async def _replay(mongo: Mongo, merchant_id: ObjectId, create_key: str) -> Order | None:
    doc = await mongo.db[c.ORDERS].find_one({"merchant_id": merchant_id, "create_key": create_key})
    return order_from_doc(doc) if doc else None


def _order_doc(
    *,
    merchant_id: ObjectId,
    store_id: ObjectId,
    member_id: ObjectId | None,
    kind: OrderKind,
    source: OrderSource,
    lines: list[Line],
    price: Price,
    create_key: str,
    coupon_id: ObjectId | None = None,
    note: str = "",
    staff_id: ObjectId | None = None,
) -> Doc:
    now = datetime.now(UTC)
    return {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "store_id": store_id,
        "member_id": member_id,
        "kind": kind.value,
        "source": source.value,
        "lines": [ln.doc() for ln in lines],
        "price": price.doc(),
        "coupon_id": coupon_id,
        "booking_id": None,
        "top_up": None,
        "status": OrderStatus.PENDING.value,
        "note": note,
        "created_by_staff_id": staff_id,
        "create_key": create_key,
        "created_at": now,
        "expires_at": now + ORDER_TTL,
        "paid_at": None,
        "paid": None,
        "refunded_fen": 0,
        "refund_reserved_fen": 0,
        "flags": [],
    }


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
    if not (actor.has_role(*COUNTER_ROLES) and actor.can_see_store(store_id)):
        raise PermissionDenied()
    if await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    replayed = await _replay(mongo, actor.merchant_id, create_key)
    if replayed is not None:
        return await view(mongo, replayed)
    if member_id is not None and (
        await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None
    ):
        raise CardError(CardCode.MEMBER_NOT_FOUND, "memberId")
    lines = await _counter_lines(mongo, actor.merchant_id, store_id, items, amount_fen)
    price = await _price(mongo, actor.merchant_id, member_id, store_id, lines, discounts)
    doc = _order_doc(
        merchant_id=actor.merchant_id,
        store_id=store_id,
        member_id=member_id,
        kind=OrderKind.CONSUMPTION,
        source=OrderSource.COUNTER,
        lines=lines,
        price=price,
        create_key=create_key,
        coupon_id=discounts.coupon_id,
        note=_check_note(note),
        staff_id=actor.id,
    )
    return await view(mongo, await _insert(mongo, doc))


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
    replayed = await _replay(mongo, merchant_id, create_key)
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
        payable = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED)
        if booking.status_at(datetime.now(UTC)) not in payable or booking.price_fen <= 0:
            raise OrderError(OrderCode.BOOKING_NOT_PAYABLE, "bookingId")
        store_id, source = booking.store_id, OrderSource.BOOKING
        lines = [Line(str(booking.service_id), LineKind.SERVICE, booking.service_name, booking.price_fen, 1)]
    else:
        assert request.amount_fen is not None
        store_id, source = await _scan_store(mongo, merchant_id, request.store_id), OrderSource.SCAN
        lines = [_amount_line(request.amount_fen, "扫码买单")]
    price = await _price(mongo, merchant_id, member_id, store_id, lines, discounts)
    doc = _order_doc(
        merchant_id=merchant_id,
        store_id=store_id,
        member_id=member_id,
        kind=OrderKind.CONSUMPTION,
        source=source,
        lines=lines,
        price=price,
        create_key=create_key,
        coupon_id=discounts.coupon_id,
    )
    if request.booking_id is not None:
        # One live order per booking: the key goes when the order closes unpaid, so it can be ordered again.
        doc |= {"booking_id": request.booking_id, "booking_key": str(request.booking_id)}
    return await view(mongo, await _insert(mongo, doc))


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
    doc = _order_doc(
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
    return await _insert(mongo, doc)
