"""Refund notifications: ours (found by out_refund_no) complete through `settle_refund.apply_refund`; refunds a
merchant made in the provider's own dashboard arrive as notifications we never asked for and are recorded under
the provider's number, then applied the same way. One for a payment not applied yet waits (PARKED); one from the
provider the payment was not made with never applies (flagged METHOD_MISMATCH).
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Mongo, transaction
from domain.checkout.records import Payment, PaymentStatus, RefundStatus, payment_from_doc
from domain.checkout.settle_refund import RefundOutcome, apply_in, apply_refund, fail_refund
from domain.orders.model import FlagKind, PayMethod, flag_order

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderRefund:
    """A refund as a provider reports it. WeChat Pay names this refund's amount; Alipay the trade's total so far.
    `method` is the provider's: it only ever refunds payments made with it."""

    method: PayMethod
    out_trade_no: str
    out_refund_no: str | None
    provider_refund_id: str | None
    refund_fen: int | None
    cumulative_fen: int | None
    total_fen: int | None


async def apply_provider_refund(*, mongo: Mongo, refund: ProviderRefund) -> RefundOutcome:
    """A refund notification: ours (by out_refund_no) or one made in the provider's dashboard."""
    pay_doc = await mongo.db[c.PAYMENTS].find_one({"out_trade_no": refund.out_trade_no})
    if pay_doc is None:
        return RefundOutcome.UNKNOWN
    payment = payment_from_doc(pay_doc)
    if refund.method is not payment.method:
        detail = f"{refund.method.value} notified a refund of a {payment.method.value} payment"
        return await _mismatch(mongo, payment, refund, detail, FlagKind.METHOD_MISMATCH)
    if payment.status is not PaymentStatus.SUCCEEDED:
        return RefundOutcome.PARKED
    if refund.total_fen is not None and refund.total_fen != payment.amount_fen:
        return await _mismatch(mongo, payment, refund, f"refund names a total of {refund.total_fen} fen")
    ours = None
    if refund.out_refund_no is not None:
        ours = await mongo.db[c.REFUNDS].find_one({"out_refund_no": refund.out_refund_no})
    if ours is not None:
        if ours["status"] == RefundStatus.SUCCEEDED.value:
            return RefundOutcome.ALREADY_APPLIED
        if refund.refund_fen is not None and refund.refund_fen != ours["amount_fen"]:
            return await _mismatch(
                mongo, payment, refund, f"refund of {refund.refund_fen} fen, asked for {ours['amount_fen']}"
            )
        return await apply_refund(mongo=mongo, refund_id=ours["_id"], provider_refund_id=refund.provider_refund_id)
    if payment.duplicate:
        log.info("refund of a duplicate payment", extra={"payment_id": str(payment.id)})
        return RefundOutcome.ALREADY_APPLIED
    return await _apply_external(mongo, payment, refund)


async def _mismatch(
    mongo: Mongo, payment: Payment, refund: ProviderRefund, detail: str, code: FlagKind = FlagKind.REFUND_MISMATCH
) -> RefundOutcome:
    await flag_order(
        mongo=mongo,
        merchant_id=payment.merchant_id,
        order_id=payment.order_id,
        code=code,
        detail=detail,
        key=f"refund:{refund.out_refund_no}:{refund.refund_fen}:{refund.total_fen}",
    )
    log.error("REFUND MISMATCH: refund notification does not match our records", extra={"detail": detail})
    return RefundOutcome.MISMATCH


async def _apply_external(mongo: Mongo, payment: Payment, refund: ProviderRefund) -> RefundOutcome:
    """A refund we never asked for: recorded under the provider's number, then applied like ours."""

    async def work(s: AsyncClientSession) -> RefundOutcome:
        amount = refund.refund_fen
        if amount is None:
            applied = (
                await mongo.db[c.REFUNDS]
                .find({"payment_id": payment.id, "status": RefundStatus.SUCCEEDED.value}, {"amount_fen": 1}, session=s)
                .to_list()
            )
            amount = (refund.cumulative_fen or 0) - sum(d["amount_fen"] for d in applied)
        if amount <= 0:
            return RefundOutcome.ALREADY_APPLIED
        out_refund_no = refund.out_refund_no or f"{refund.out_trade_no}:{refund.cumulative_fen}"
        rid = ObjectId()
        await mongo.db[c.REFUNDS].insert_one(
            {
                "_id": rid,
                "merchant_id": payment.merchant_id,
                "order_id": payment.order_id,
                "payment_id": payment.id,
                "method": payment.method.value,
                "amount_fen": amount,
                "reason": "商户平台退款",
                "status": RefundStatus.PROCESSING.value,
                "out_refund_no": out_refund_no,
                "idem_key": f"external:{out_refund_no}",
                "staff_id": None,
                "created_at": datetime.now(UTC),
                "reserved": False,
                "top_up_taken": False,
            },
            session=s,
        )
        return await apply_in(mongo, s, rid, refund.provider_refund_id)

    try:
        return await transaction(mongo, work)
    except DuplicateKeyError:
        return RefundOutcome.ALREADY_APPLIED


async def fail_provider_refund(*, mongo: Mongo, out_refund_no: str, reason: str) -> bool:
    doc = await mongo.db[c.REFUNDS].find_one({"out_refund_no": out_refund_no}, {"_id": 1})
    return await fail_refund(mongo=mongo, refund_id=doc["_id"], reason=reason) if doc else False
