"""The order document: its lines, its price as checkout worked it out, its status and the flags that ask staff to
look at it (a payment that did not match, a coupon that could not be used up).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.orders.errors import OrderCode, OrderError
from domain.pricing import LineKind


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


# Money has come in for these: refunds and reports read them, and a payment can never apply twice.
SETTLED = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
# 退款中: part of the order is reserved for a refund its provider has not confirmed yet (a refund is not an order
# status: the order stays PAID or PARTIALLY_REFUNDED meanwhile).
REFUND_IN_PROGRESS: Doc = {"refund_reserved_fen": {"$gt": 0}}


class OrderKind(StrEnum):
    CONSUMPTION = "CONSUMPTION"
    # Stored value bought (充值): no discounts, no points; the ledger credits it when paid.
    TOP_UP = "TOP_UP"
    # A booking's deposit (定金): no discounts; paying it confirms the held slot, and the booking's own order
    # counts it as prepaid.
    DEPOSIT = "DEPOSIT"


class OrderSource(StrEnum):
    COUNTER = "COUNTER"
    SCAN = "SCAN"
    BOOKING = "BOOKING"
    TOP_UP = "TOP_UP"


class PayMethod(StrEnum):
    WECHAT_PAY = "WECHAT_PAY"
    ALIPAY = "ALIPAY"
    STORED_VALUE = "STORED_VALUE"
    CASH = "CASH"


class FlagKind(StrEnum):
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    MERCHANT_MISMATCH = "MERCHANT_MISMATCH"
    DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
    COUPON_NOT_CONSUMED = "COUPON_NOT_CONSUMED"
    POINTS_NOT_REDEEMED = "POINTS_NOT_REDEEMED"
    CLAWBACK_SHORT = "CLAWBACK_SHORT"
    REFUND_MISMATCH = "REFUND_MISMATCH"
    # A provider said a payment made with another method (the other provider's, or at the counter) succeeded.
    METHOD_MISMATCH = "METHOD_MISMATCH"
    # A deposit paid for a booking that was cancelled, or whose lapsed hold someone else took, meanwhile.
    BOOKING_LOST = "BOOKING_LOST"


@dataclass(frozen=True)
class Line:
    item_id: str
    kind: LineKind
    name: str
    unit_price_fen: int
    quantity: int

    def doc(self) -> Doc:
        return {
            "item_id": self.item_id,
            "kind": self.kind.value,
            "name": self.name,
            "unit_price_fen": self.unit_price_fen,
            "quantity": self.quantity,
        }


@dataclass(frozen=True)
class Price:
    """What checkout worked out: list = level + coupon discounts + payable; payable = prepaid + points + due."""

    list_fen: int
    level_discount_fen: int
    coupon_discount_fen: int
    payable_fen: int
    points_used: int
    points_fen: int
    # Paid in money: through WeChat Pay or Alipay, in cash, or from stored value.
    due_fen: int
    # Paid before, by the booking's deposit order.
    prepaid_fen: int = 0

    def doc(self) -> Doc:
        return {
            "list_fen": self.list_fen,
            "level_discount_fen": self.level_discount_fen,
            "coupon_discount_fen": self.coupon_discount_fen,
            "payable_fen": self.payable_fen,
            "points_used": self.points_used,
            "points_fen": self.points_fen,
            "due_fen": self.due_fen,
            "prepaid_fen": self.prepaid_fen,
        }


@dataclass(frozen=True)
class TopUp:
    plan_id: ObjectId
    pay_fen: int
    bonus_fen: int
    # The ledger's TOP_UP entry, once paid; a refund takes exactly it back.
    entry_id: ObjectId | None


@dataclass(frozen=True)
class Flag:
    code: FlagKind
    detail: str
    at: datetime


@dataclass(frozen=True)
class Order:
    id: ObjectId
    merchant_id: ObjectId
    store_id: ObjectId
    member_id: ObjectId | None
    kind: OrderKind
    source: OrderSource
    lines: tuple[Line, ...]
    price: Price
    coupon_id: ObjectId | None
    booking_id: ObjectId | None
    top_up: TopUp | None
    status: OrderStatus
    note: str
    created_by_staff_id: ObjectId | None
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    paid_method: PayMethod | None
    payment_id: ObjectId | None
    refunded_fen: int
    flags: tuple[Flag, ...]


def order_from_doc(doc: Doc) -> Order:
    p, t, paid = doc["price"], doc.get("top_up"), doc.get("paid") or {}
    return Order(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        store_id=doc["store_id"],
        member_id=doc["member_id"],
        kind=OrderKind(doc["kind"]),
        source=OrderSource(doc["source"]),
        lines=tuple(
            Line(ln["item_id"], LineKind(ln["kind"]), ln["name"], ln["unit_price_fen"], ln["quantity"])
            for ln in doc["lines"]
        ),
        price=Price(
            p["list_fen"],
            p["level_discount_fen"],
            p["coupon_discount_fen"],
            p["payable_fen"],
            p["points_used"],
            p["points_fen"],
            p["due_fen"],
            p.get("prepaid_fen", 0),
        ),
        coupon_id=doc.get("coupon_id"),
        booking_id=doc.get("booking_id"),
        top_up=TopUp(t["plan_id"], t["pay_fen"], t["bonus_fen"], t.get("entry_id")) if t else None,
        status=OrderStatus(doc["status"]),
        note=doc.get("note", ""),
        created_by_staff_id=doc.get("created_by_staff_id"),
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
        paid_at=doc.get("paid_at"),
        paid_method=PayMethod(paid["method"]) if paid.get("method") else None,
        payment_id=paid.get("payment_id"),
        refunded_fen=doc.get("refunded_fen", 0),
        flags=tuple(Flag(FlagKind(f["code"]), f["detail"], f["at"]) for f in doc.get("flags", [])),
    )


async def load_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    order_id: ObjectId,
    member_id: ObjectId | None = None,
    session: AsyncClientSession | None = None,
) -> Order:
    """The order within the merchant (and the member's own, when a member asks); else ORDER_NOT_FOUND."""
    query: Doc = {"_id": order_id, "merchant_id": merchant_id}
    if member_id is not None:
        query["member_id"] = member_id
    doc = await mongo.db[c.ORDERS].find_one(query, session=session)
    if doc is None:
        raise OrderError(OrderCode.ORDER_NOT_FOUND, "orderId")
    return order_from_doc(doc)


async def flag_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    order_id: ObjectId,
    code: FlagKind,
    detail: str,
    key: str,
    session: AsyncClientSession | None = None,
) -> None:
    """Asks staff to look at the order; once per `key`, so a redelivered notification does not flag twice."""
    await mongo.db[c.ORDERS].update_one(
        {"merchant_id": merchant_id, "_id": order_id, "flags.key": {"$ne": key}},
        {"$push": {"flags": {"code": code.value, "detail": detail, "key": key, "at": datetime.now(UTC)}}},
        session=session,
    )
