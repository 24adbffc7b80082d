"""What the webhooks call with a verified notification: keep it (unique by provider event id), check it is for
our merchant account, apply it, and say how to answer.

Every notification is stored before it is applied, so a duplicate finds its first delivery's record; applying is
idempotent in any case (see `settle.mark_paid`, `refunds.apply_refund`). A refund that arrives before the payment
it refunds is kept PARKED and applied right after that payment is. A genuine notification we will never apply
(another merchant's, an amount that is not the payment's, an unknown trade, a payment made with the other
provider) is recorded as REJECTED, flagged on the order and logged loudly, and then acknowledged: the provider's
retries for a day could not change the outcome, and the record is what staff reconcile from.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.checkout.provider_refunds import ProviderRefund, apply_provider_refund, fail_provider_refund
from domain.checkout.providers import Providers
from domain.checkout.records import SettledBy
from domain.checkout.settle import Outcome, ProviderPayment, mark_paid
from domain.checkout.settle_refund import RefundOutcome
from domain.orders.model import FlagKind, PayMethod, flag_order
from payments.alipay import AlipayNotification, TradeStatus
from payments.errors import NotificationRejected
from payments.wechatpay import PaymentNotification, RefundNotification, RefundStatus, TradeState

log = logging.getLogger(__name__)


class Provider(StrEnum):
    WECHATPAY = "wechatpay"
    ALIPAY = "alipay"

    @property
    def method(self) -> PayMethod:
        """The payment method whose payments this provider may notify about."""
        return PayMethod.WECHAT_PAY if self is Provider.WECHATPAY else PayMethod.ALIPAY


class NoteStatus(StrEnum):
    RECEIVED = "RECEIVED"
    APPLIED = "APPLIED"
    PARKED = "PARKED"
    REJECTED = "REJECTED"


@dataclass(frozen=True)
class Receipt:
    """The notification is durable (applied, kept for later, or rejected for good): the provider may stop. Any
    failure to get here raises, and the webhook answers so that the provider delivers again."""

    status: NoteStatus
    duplicate: bool


async def _keep(mongo: Mongo, provider: Provider, event_id: str, fields: Doc) -> tuple[Doc, bool]:
    """The stored notification and whether it was stored before (a redelivery)."""
    now = datetime.now(UTC)
    doc = {
        "provider": provider.value,
        "event_id": event_id,
        "status": NoteStatus.RECEIVED.value,
        "received_at": now,
        "deliveries": 1,
        **fields,
    }
    try:
        await mongo.db[c.PAYMENT_NOTIFICATIONS].insert_one(doc)
        return doc, False
    except DuplicateKeyError:
        first = await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one_and_update(
            {"provider": provider.value, "event_id": event_id},
            {"$inc": {"deliveries": 1}, "$set": {"last_delivery_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if first is None:
            raise
        return first, True


async def _mark(mongo: Mongo, note: Doc, status: NoteStatus, reason: str | None = None) -> Receipt:
    await mongo.db[c.PAYMENT_NOTIFICATIONS].update_one(
        {"_id": note["_id"], "status": {"$in": [NoteStatus.RECEIVED.value, NoteStatus.PARKED.value]}},
        {"$set": {"status": status.value, "reason": reason, "handled_at": datetime.now(UTC)}},
    )
    return Receipt(status, False)


async def _reject(mongo: Mongo, note: Doc, out_trade_no: str, code: FlagKind, reason: str) -> Receipt:
    payment = await mongo.db[c.PAYMENTS].find_one({"out_trade_no": out_trade_no}, {"order_id": 1})
    if payment is not None:
        await flag_order(mongo=mongo, order_id=payment["order_id"], code=code, detail=reason, key=f"note:{note['_id']}")
    log.error("PAYMENT NOTIFICATION REJECTED", extra={"provider": note["provider"], "reason": reason})
    return await _mark(mongo, note, NoteStatus.REJECTED, reason)


async def receive_wechatpay(
    *, mongo: Mongo, providers: Providers, note: PaymentNotification | RefundNotification
) -> Receipt:
    """A verified WeChat Pay notification (signature, timestamp and decryption already checked)."""
    assert providers.wechatpay is not None
    config = providers.wechatpay.config
    if isinstance(note, PaymentNotification):
        tx = note.transaction
        fields: Doc = {"kind": "PAYMENT", "out_trade_no": tx.out_trade_no, "amount_fen": tx.amount_fen}
    else:
        r = note.refund
        fields = {"kind": "REFUND", "out_trade_no": r.out_trade_no, "refund": _wechat_refund_doc(note)}
    stored, again = await _keep(mongo, Provider.WECHATPAY, note.event_id, fields)
    if again and stored["status"] in (NoteStatus.APPLIED.value, NoteStatus.REJECTED.value):
        return Receipt(NoteStatus(stored["status"]), True)
    try:
        if isinstance(note, PaymentNotification):
            note.check_merchant(config.mchid, config.appid)
        else:
            note.check_merchant(config.mchid)
    except NotificationRejected as e:
        return await _reject(mongo, stored, fields["out_trade_no"], FlagKind.MERCHANT_MISMATCH, e.reason)
    if isinstance(note, PaymentNotification):
        if note.transaction.trade_state is not TradeState.SUCCESS:
            return await _mark(mongo, stored, NoteStatus.APPLIED, f"trade state {note.transaction.trade_state}")
        tx = note.transaction
        at = tx.success_time or note.create_time
        paid = ProviderPayment(Provider.WECHATPAY.method, tx.out_trade_no, tx.amount_fen, tx.transaction_id, at)
        return await _payment(mongo, stored, paid)
    if note.refund.status in (RefundStatus.CLOSED, RefundStatus.ABNORMAL):
        reason = f"refund {note.refund.status}"
        await fail_provider_refund(mongo=mongo, out_refund_no=note.refund.out_refund_no, reason=reason)
        return await _mark(mongo, stored, NoteStatus.APPLIED, reason)
    if note.refund.status is not RefundStatus.SUCCESS:
        return await _mark(mongo, stored, NoteStatus.APPLIED, f"refund {note.refund.status}")
    return await _refund(mongo, stored, _provider_refund(stored))


def _wechat_refund_doc(note: RefundNotification) -> Doc:
    r = note.refund
    return {
        "out_trade_no": r.out_trade_no,
        "out_refund_no": r.out_refund_no,
        "provider_refund_id": r.refund_id,
        "refund_fen": r.refund_fen,
        "cumulative_fen": None,
        "total_fen": r.total_fen,
    }


def _provider_refund(note: Doc) -> ProviderRefund:
    """The refund a stored notification reports, and who reports it."""
    doc = note["refund"]
    return ProviderRefund(
        method=Provider(note["provider"]).method,
        out_trade_no=doc["out_trade_no"],
        out_refund_no=doc["out_refund_no"],
        provider_refund_id=doc["provider_refund_id"],
        refund_fen=doc["refund_fen"],
        cumulative_fen=doc["cumulative_fen"],
        total_fen=doc["total_fen"],
    )


async def receive_alipay(*, mongo: Mongo, providers: Providers, note: AlipayNotification) -> Receipt:
    """A verified Alipay notification (RSA2 over the sorted parameters already checked)."""
    assert providers.alipay is not None
    config = providers.alipay.config
    fields: Doc = {"kind": "REFUND" if note.is_refund else "PAYMENT", "out_trade_no": note.out_trade_no}
    if note.is_refund:
        fields["refund"] = {
            "out_trade_no": note.out_trade_no,
            "out_refund_no": note.out_biz_no,
            "provider_refund_id": note.trade_no,
            "refund_fen": None,
            "cumulative_fen": note.refund_fee_fen,
            "total_fen": None,
        }
    else:
        fields["amount_fen"] = note.total_fen
    stored, again = await _keep(mongo, Provider.ALIPAY, note.notify_id, fields)
    if again and stored["status"] in (NoteStatus.APPLIED.value, NoteStatus.REJECTED.value):
        return Receipt(NoteStatus(stored["status"]), True)
    try:
        note.check_merchant(config.app_id, config.seller_id)
    except NotificationRejected as e:
        return await _reject(mongo, stored, note.out_trade_no, FlagKind.MERCHANT_MISMATCH, e.reason)
    if note.is_refund:
        return await _refund(mongo, stored, _provider_refund(stored))
    if note.trade_status not in (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED):
        return await _mark(mongo, stored, NoteStatus.APPLIED, f"trade status {note.trade_status}")
    paid = ProviderPayment(
        Provider.ALIPAY.method, note.out_trade_no, note.total_fen, note.trade_no, note.gmt_payment or note.notify_time
    )
    return await _payment(mongo, stored, paid)


async def _payment(mongo: Mongo, stored: Doc, paid: ProviderPayment) -> Receipt:
    settlement = await mark_paid(mongo=mongo, paid=paid, settled_by=SettledBy.NOTIFICATION)
    if settlement.outcome is Outcome.UNKNOWN:
        return await _reject(mongo, stored, paid.out_trade_no, FlagKind.AMOUNT_MISMATCH, "unknown out_trade_no")
    if settlement.outcome is Outcome.MISMATCH:
        return await _mark(mongo, stored, NoteStatus.REJECTED, f"amount {paid.amount_fen} does not match")
    if settlement.outcome is Outcome.METHOD_MISMATCH and settlement.payment is not None:
        reason = f"{paid.method.value} notified a {settlement.payment.method.value} payment"
        return await _reject(mongo, stored, paid.out_trade_no, FlagKind.METHOD_MISMATCH, reason)
    receipt = await _mark(mongo, stored, NoteStatus.APPLIED)
    await apply_parked(mongo=mongo, out_trade_no=paid.out_trade_no)
    return receipt


async def _refund(mongo: Mongo, stored: Doc, refund: ProviderRefund) -> Receipt:
    outcome = await apply_provider_refund(mongo=mongo, refund=refund)
    if outcome is RefundOutcome.PARKED:
        # Kept until its payment is applied; re-checked right away in case the payment landed meanwhile.
        await _mark(mongo, stored, NoteStatus.PARKED)
        await apply_parked(mongo=mongo, out_trade_no=refund.out_trade_no)
        fresh = await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one({"_id": stored["_id"]}, {"status": 1})
        return Receipt(NoteStatus(fresh["status"]) if fresh else NoteStatus.PARKED, False)
    if outcome in (RefundOutcome.MISMATCH, RefundOutcome.UNKNOWN):
        return await _mark(mongo, stored, NoteStatus.REJECTED, f"refund {outcome}")
    return await _mark(mongo, stored, NoteStatus.APPLIED)


async def apply_parked(*, mongo: Mongo, out_trade_no: str | None = None) -> int:
    """Applies kept refund notifications whose payment has been applied since; how many were applied."""
    query: dict[str, Any] = {"status": NoteStatus.PARKED.value}
    if out_trade_no is not None:
        query["out_trade_no"] = out_trade_no
    applied = 0
    for note in await mongo.db[c.PAYMENT_NOTIFICATIONS].find(query).sort("received_at", 1).to_list():
        outcome = await apply_provider_refund(mongo=mongo, refund=_provider_refund(note))
        if outcome is RefundOutcome.PARKED:
            continue
        status = (
            NoteStatus.REJECTED if outcome in (RefundOutcome.MISMATCH, RefundOutcome.UNKNOWN) else NoteStatus.APPLIED
        )
        await _mark(mongo, note, status)
        applied += status is NoteStatus.APPLIED
    return applied
