"""The facts commissions are built from, as the payments capability records them in the outbox: ORDER_PAID
and ORDER_REFUNDED. Payments writes `payload()`; the relay hands `from_payload(entry["payload"])` to
`on_order_paid` / `on_order_refunded`. Ids and times may arrive as BSON values or as strings.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from bson import ObjectId
from bson.errors import InvalidId

from domain.outbox import TryAgainLater

ORDER_PAID = "ORDER_PAID"
ORDER_REFUNDED = "ORDER_REFUNDED"
COMMISSION_ACCRUED = "COMMISSION_ACCRUED"


class PaidEventPending(TryAgainLater):
    """ORDER_REFUNDED arrived before its order's ORDER_PAID was handled: the relay runs it again later."""


def _oid(payload: Mapping[str, Any], key: str) -> ObjectId:
    value = payload[key]
    if isinstance(value, ObjectId):
        return value
    try:
        return ObjectId(str(value))
    except InvalidId as e:
        raise ValueError(f"{key} is not an id: {value!r}") from e


def _when(payload: Mapping[str, Any], key: str) -> datetime:
    value = payload[key]
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _fen(payload: Mapping[str, Any], key: str) -> int:
    value = payload.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key} must be whole fen, not negative: {value!r}")
    return value


@dataclass(frozen=True)
class OrderPaid:
    """`consumption_paid_fen`: what the member actually paid for goods and services, after coupons and
    discounts, including the PAID part of stored value they spent (`stored_value_spent_fen`, never the
    bonus part). `top_up_paid_fen`: what a stored-value top-up order paid; 0 for other orders."""

    KIND: ClassVar[str] = ORDER_PAID

    order_id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId
    store_id: ObjectId
    paid_at: datetime
    consumption_paid_fen: int
    stored_value_spent_fen: int = 0
    top_up_paid_fen: int = 0

    def __post_init__(self) -> None:
        if min(self.consumption_paid_fen, self.stored_value_spent_fen, self.top_up_paid_fen) < 0:
            raise ValueError("amounts are never negative")
        if self.stored_value_spent_fen > self.consumption_paid_fen:
            raise ValueError("stored value spent is part of consumption paid")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "OrderPaid":
        return cls(
            order_id=_oid(payload, "order_id"),
            merchant_id=_oid(payload, "merchant_id"),
            member_id=_oid(payload, "member_id"),
            store_id=_oid(payload, "store_id"),
            paid_at=_when(payload, "paid_at"),
            consumption_paid_fen=_fen(payload, "consumption_paid_fen"),
            stored_value_spent_fen=_fen(payload, "stored_value_spent_fen"),
            top_up_paid_fen=_fen(payload, "top_up_paid_fen"),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "merchant_id": self.merchant_id,
            "member_id": self.member_id,
            "store_id": self.store_id,
            "paid_at": self.paid_at,
            "consumption_paid_fen": self.consumption_paid_fen,
            "stored_value_spent_fen": self.stored_value_spent_fen,
            "top_up_paid_fen": self.top_up_paid_fen,
        }


@dataclass(frozen=True)
class OrderRefunded:
    """One refund of a paid order: `refunded_fen` this refund, `order_paid_fen` what the whole order paid.
    Commissions shrink by the refunded share of the order, however many refunds it takes."""

    KIND: ClassVar[str] = ORDER_REFUNDED

    order_id: ObjectId
    refund_id: str
    refunded_fen: int
    order_paid_fen: int

    def __post_init__(self) -> None:
        if not self.refund_id or self.refunded_fen < 0 or self.order_paid_fen < 0:
            raise ValueError("a refund needs an id and amounts that are not negative")

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "OrderRefunded":
        return cls(
            order_id=_oid(payload, "order_id"),
            refund_id=str(payload["refund_id"]),
            refunded_fen=_fen(payload, "refunded_fen"),
            order_paid_fen=_fen(payload, "order_paid_fen"),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "refund_id": self.refund_id,
            "refunded_fen": self.refunded_fen,
            "order_paid_fen": self.order_paid_fen,
        }
