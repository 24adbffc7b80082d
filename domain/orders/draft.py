"""An order drafted and written once: its price worked out by `domain.pricing.price_checkout` with the member's
level, one coupon, points and what was prepaid (a booking's deposit); its document; its insert, which a
replayed creation key or a second live order for one booking cannot get past.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import gcd

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.card import get_card
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import CardStatus
from domain.cards.points import FEN_PER_YUAN
from domain.cards.program import load_program
from domain.coupons.coupon import get_my_coupon
from domain.coupons.errors import CouponCode, CouponError
from domain.orders.errors import OrderCode, OrderError
from domain.orders.model import Line, Order, OrderKind, OrderSource, OrderStatus, Price, order_from_doc
from domain.pricing import CartLine, PointsRule, PricingError, price_checkout

# An unpaid order with no payment open is closed this long after it was made (by domain.checkout.reconcile).
ORDER_TTL = timedelta(hours=2)
# Points may pay at most half of what an order costs after the coupon.
POINTS_MAX_SHARE_BP = 5_000


@dataclass(frozen=True)
class Discounts:
    """What the member puts towards the order: one of their coupons, and their points (as many as allowed)."""

    coupon_id: ObjectId | None = None
    use_points: bool = False


def points_rule(redeem_points_per_yuan: int) -> PointsRule:
    """The loyalty rate in pricing's terms, in the smallest whole units the rate allows (100 points = 1 yuan
    pays per point and per fen), which is exactly what `domain.cards.points.redeem_points` charges."""
    unit = gcd(redeem_points_per_yuan, FEN_PER_YUAN)
    return PointsRule(redeem_points_per_yuan // unit, FEN_PER_YUAN // unit, POINTS_MAX_SHARE_BP)


async def price_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId | None,
    store_id: ObjectId,
    lines: list[Line],
    discounts: Discounts,
    prepaid_fen: int = 0,
) -> Price:
    coupon_id, use_points = discounts.coupon_id, discounts.use_points
    carts = [CartLine(ln.item_id, ln.kind, ln.unit_price_fen, ln.quantity) for ln in lines]
    if member_id is None:
        if coupon_id is not None or use_points:
            raise OrderError(OrderCode.MEMBER_REQUIRED, "memberId")
        plain = price_checkout(carts)
        return Price(plain.list_fen, 0, 0, plain.payable_fen, 0, 0, plain.payable_fen)
    card = await get_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
    if card is None:
        raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    if use_points and card.status is not CardStatus.ACTIVE:
        raise CardError(CardCode.CARD_LOST, "usePoints")
    program = await load_program(mongo=mongo, merchant_id=merchant_id)
    level = program.level(card.level_id, card.lifetime_paid_fen)
    terms = None
    if coupon_id is not None:
        held = await get_my_coupon(mongo=mongo, merchant_id=merchant_id, member_id=member_id, coupon_id=coupon_id)
        if held is None:
            raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
        now = datetime.now(UTC)
        blocker = held.coupon.use_blocker(now)
        if blocker is not None:
            raise CouponError(blocker, "couponId")
        if not held.coupon.valid_at(store_id):
            raise CouponError(CouponCode.COUPON_NOT_VALID_AT_STORE, "couponId")
        terms = held.template.benefit.terms()
    try:
        checkout = price_checkout(
            carts,
            level_discount_bp=level.discount_bp,
            coupon=terms,
            points_rule=points_rule(program.points_rule.redeem_points_per_yuan) if use_points else None,
            points_available=card.points if use_points else 0,
            prepaid_fen=prepaid_fen,
        )
    except PricingError as e:
        # Pricing names its own argument; the caller's input names the coupon by its id, and the app shows the
        # message by the field it names.
        raise PricingError(e.code, "couponId", **e.detail) from e
    return Price(
        list_fen=checkout.list_fen,
        level_discount_fen=checkout.level_discount_fen,
        coupon_discount_fen=checkout.coupon_discount_fen,
        payable_fen=checkout.payable_fen,
        points_used=checkout.points_used,
        points_fen=checkout.points_fen,
        due_fen=checkout.external_fen,
        prepaid_fen=checkout.prepaid_fen,
    )


def order_doc(
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


async def insert_order(mongo: Mongo, doc: Doc) -> Order:
    """One order per creator and key: a concurrent replay collides on the unique index and gets the first."""
    try:
        await mongo.db[c.ORDERS].insert_one(doc)
    except DuplicateKeyError as e:
        pattern = (e.details or {}).get("keyPattern") or {}
        if "booking_key" in pattern:
            raise OrderError(OrderCode.BOOKING_ALREADY_ORDERED, "bookingId") from e
        first = await replayed_order(mongo, doc["merchant_id"], doc["create_key"])
        if first is None:
            raise
        return first
    return order_from_doc(doc)


async def replayed_order(mongo: Mongo, merchant_id: ObjectId, create_key: str) -> Order | None:
    doc = await mongo.db[c.ORDERS].find_one({"merchant_id": merchant_id, "create_key": create_key})
    return order_from_doc(doc) if doc else None
