"""The records checkout keeps: one payment per attempt to pay an order (its out_trade_no is what the provider
knows), one refund per refund, and how each was settled.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bson import ObjectId

from db.mongo import Doc
from domain.orders.model import PayMethod

# What WeChat Pay is told as time_expire: after it the member can no longer pay, so the active query may close.
PAY_WINDOW = timedelta(minutes=15)
# The coupon stays locked past the window, so a notification that arrives late still finds it held for the order.
COUPON_LOCK = PAY_WINDOW + timedelta(minutes=45)
EXTERNAL = (PayMethod.WECHAT_PAY, PayMethod.ALIPAY)


class PaymentStatus(StrEnum):
    OPEN = "OPEN"
    SUCCEEDED = "SUCCEEDED"
    CLOSED = "CLOSED"


class SettledBy(StrEnum):
    """What told us a payment succeeded."""

    NOTIFICATION = "NOTIFICATION"
    QUERY = "QUERY"
    COUNTER = "COUNTER"


class RefundStatus(StrEnum):
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Payment:
    id: ObjectId
    merchant_id: ObjectId
    order_id: ObjectId
    method: PayMethod
    amount_fen: int
    status: PaymentStatus
    out_trade_no: str
    provider_trade_no: str | None
    opened_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    settled_by: SettledBy | None
    # Money came in for an order another payment had already paid: staff refund it.
    duplicate: bool
    staff_id: ObjectId | None
    # The code (WeChat Pay Native code_url, Alipay precreate qr_code) staff show at the counter, once opened.
    code_url: str | None

    @property
    def shown_at_counter(self) -> bool:
        """Staff open WeChat Pay and Alipay payments only as a code for whoever pays at the counter to scan."""
        return self.staff_id is not None and self.method in EXTERNAL


def payment_from_doc(doc: Doc) -> Payment:
    settled = doc.get("settled_by")
    return Payment(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        order_id=doc["order_id"],
        method=PayMethod(doc["method"]),
        amount_fen=doc["amount_fen"],
        status=PaymentStatus(doc["status"]),
        out_trade_no=doc["out_trade_no"],
        provider_trade_no=doc.get("provider_trade_no"),
        opened_at=doc["opened_at"],
        expires_at=doc["expires_at"],
        paid_at=doc.get("paid_at"),
        settled_by=SettledBy(settled) if settled else None,
        duplicate=doc.get("duplicate", False),
        staff_id=doc.get("staff_id"),
        code_url=doc.get("code_url"),
    )


@dataclass(frozen=True)
class Clawback:
    """What a refund took back (or gave back) on the member's card."""

    points_taken: int
    points_returned: int
    stored_value_returned: int
    # Earned points the member had already spent, so could not be taken back.
    points_short: int


NO_CLAWBACK = Clawback(0, 0, 0, 0)


@dataclass(frozen=True)
class Refund:
    id: ObjectId
    merchant_id: ObjectId
    order_id: ObjectId
    payment_id: ObjectId | None
    method: PayMethod
    amount_fen: int
    reason: str
    status: RefundStatus
    out_refund_no: str
    provider_refund_id: str | None
    staff_id: ObjectId | None
    created_at: datetime
    settled_at: datetime | None
    clawback: Clawback


def refund_from_doc(doc: Doc) -> Refund:
    cb = doc.get("clawback")
    return Refund(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        order_id=doc["order_id"],
        payment_id=doc.get("payment_id"),
        method=PayMethod(doc["method"]),
        amount_fen=doc["amount_fen"],
        reason=doc["reason"],
        status=RefundStatus(doc["status"]),
        out_refund_no=doc["out_refund_no"],
        provider_refund_id=doc.get("provider_refund_id"),
        staff_id=doc.get("staff_id"),
        created_at=doc["created_at"],
        settled_at=doc.get("settled_at"),
        clawback=Clawback(cb["points_taken"], cb["points_returned"], cb["stored_value_returned"], cb["points_short"])
        if cb
        else NO_CLAWBACK,
    )
