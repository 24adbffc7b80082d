"""What the webhooks call with a verified notification, and what applies it behind their answer.

`receive_wechatpay` / `receive_alipay` keep the notification (one write, an upsert unique by the provider's event
id: the first delivery inserts the record, a redelivery counts itself on it) with everything applying it needs,
decided there and then: what it says (a payment, a refund, a state we only record) and whether it is for our
merchant account. Once kept, the provider may stop delivering it.

`apply_kept` applies a kept notification: the webhooks run it behind their answer on a first delivery, and
`apply_unapplied`, the worker's sweep, on any notification a process kept but never applied (it died after
answering). Applying is exactly-once however often it runs (see `settle.mark_paid`,
`provider_refunds.apply_provider_refund`, and `_mark`, which moves a record out of RECEIVED once).

A refund that arrives before the payment it refunds is kept PARKED and applied right after that payment is. A
genuine notification we will never apply (another merchant's, an amount that is not the payment's, an unknown
trade, a payment made with the other provider) is recorded as REJECTED, flagged on the order and logged loudly:
the provider's retries for a day could not change the outcome, and the record is what staff reconcile from.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

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

# A notification still unapplied this long after it was kept is taken to be lost by the process that kept it (it
# died after answering), and the sweep applies it. Until then it is left to that process, which applies a storm's
# notifications a few at a time.
APPLY_GRACE = timedelta(seconds=30)


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


class Effect(StrEnum):
    """What applying a notification does, read from the provider's state when it is kept."""

    # A successful payment: settle.mark_paid.
    PAY = "PAY"
    # A successful refund: provider_refunds.apply_provider_refund.
    REFUND = "REFUND"
    # A refund the provider closed or could not make: the refund fails and its reservation is released.
    FAIL_REFUND = "FAIL_REFUND"
    # A state only recorded (a trade not paid yet or closed, a refund still processing).
    NOTHING = "NOTHING"


_REFUND_EFFECTS = {
    RefundStatus.SUCCESS: Effect.REFUND,
    RefundStatus.CLOSED: Effect.FAIL_REFUND,
    RefundStatus.ABNORMAL: Effect.FAIL_REFUND,
}


@dataclass(frozen=True)
class Kept:
    """The notification is durable: the provider may stop. `first` is its record when this was its first delivery,
    the one that has it applied; a redelivery leaves it to that one (and to the sweep). Any failure to get here
    raises, and the webhook answers so that the provider delivers again."""

    first: Doc | None


@dataclass(frozen=True)
class Applied:
    """Where the notification stands after `apply_kept`, and whether this call moved it there (of applications
    racing for one notification, one does)."""

    status: NoteStatus
    by_this_call: bool


async def _keep(mongo: Mongo, provider: Provider, event_id: str, fields: Doc) -> Kept:
    """One write, whichever delivery this is: the first inserts the record, a redelivery counts itself on it."""
    now = datetime.now(UTC)
    key = {"provider": provider.value, "event_id": event_id}
    record = {"status": NoteStatus.RECEIVED.value, "received_at": now, **fields}
    keep = {"$setOnInsert": record, "$inc": {"deliveries": 1}, "$set": {"last_delivery_at": now}}
    notes = mongo.db[c.PAYMENT_NOTIFICATIONS]
    try:
        written = await notes.update_one(key, keep, upsert=True)
    except DuplicateKeyError:
        # Two first deliveries raced to insert and the server refused the loser rather than retry it as an update:
        # it is a redelivery.
        written = await notes.update_one(key, keep, upsert=True)
    if written.upserted_id is None:
        return Kept(first=None)
    return Kept(first={"_id": written.upserted_id, **key, **record, "deliveries": 1, "last_delivery_at": now})


def _not_ours(check: Callable[[], None]) -> str | None:
    """Why the notification is not for our merchant account, or None when it is."""
    try:
        check()
    except NotificationRejected as e:
        return e.reason
    return None


async def _mark(mongo: Mongo, note: Doc, status: NoteStatus, reason: str | None = None) -> Applied:
    moved = await mongo.db[c.PAYMENT_NOTIFICATIONS].update_one(
        {"_id": note["_id"], "status": {"$in": [NoteStatus.RECEIVED.value, NoteStatus.PARKED.value]}},
        {"$set": {"status": status.value, "reason": reason, "handled_at": datetime.now(UTC)}},
    )
    return Applied(status, moved.modified_count == 1)


async def _reject(mongo: Mongo, note: Doc, code: FlagKind, reason: str) -> Applied:
    payment = await mongo.db[c.PAYMENTS].find_one(
        {"out_trade_no": note["out_trade_no"]}, {"merchant_id": 1, "order_id": 1}
    )
    if payment is not None:
        await flag_order(
            mongo=mongo,
            merchant_id=payment["merchant_id"],
            order_id=payment["order_id"],
            code=code,
            detail=reason,
            key=f"note:{note['_id']}",
        )
    log.error("PAYMENT NOTIFICATION REJECTED", extra={"provider": note["provider"], "reason": reason})
    return await _mark(mongo, note, NoteStatus.REJECTED, reason)


async def receive_wechatpay(
    *, mongo: Mongo, providers: Providers, note: PaymentNotification | RefundNotification
) -> Kept:
    """Keeps a verified WeChat Pay notification (signature, timestamp and decryption already checked)."""
    assert providers.wechatpay is not None
    config = providers.wechatpay.config
    fields: Doc
    if isinstance(note, PaymentNotification):
        tx = note.transaction
        paid = tx.trade_state is TradeState.SUCCESS
        fields = {
            "kind": "PAYMENT",
            "out_trade_no": tx.out_trade_no,
            "amount_fen": tx.amount_fen,
            "effect": (Effect.PAY if paid else Effect.NOTHING).value,
            "said": f"trade state {tx.trade_state}",
            "provider_trade_no": tx.transaction_id,
            "paid_at": tx.success_time or note.create_time,
            "not_ours": _not_ours(lambda: note.check_merchant(config.mchid, config.appid)),
        }
    else:
        status = note.refund.status
        fields = {
            "kind": "REFUND",
            "out_trade_no": note.refund.out_trade_no,
            "refund": _wechat_refund_doc(note),
            "effect": _REFUND_EFFECTS.get(status, Effect.NOTHING).value,
            "said": f"refund {status}",
            "not_ours": _not_ours(lambda: note.check_merchant(config.mchid)),
        }
    return await _keep(mongo, Provider.WECHATPAY, note.event_id, fields)


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


async def receive_alipay(*, mongo: Mongo, providers: Providers, note: AlipayNotification) -> Kept:
    """Keeps a verified Alipay notification (RSA2 over the sorted parameters already checked)."""
    assert providers.alipay is not None
    config = providers.alipay.config
    fields: Doc = {
        "kind": "REFUND" if note.is_refund else "PAYMENT",
        "out_trade_no": note.out_trade_no,
        "not_ours": _not_ours(lambda: note.check_merchant(config.app_id, config.seller_id)),
    }
    if note.is_refund:
        fields["effect"] = Effect.REFUND.value
        fields["refund"] = {
            "out_trade_no": note.out_trade_no,
            "out_refund_no": note.out_biz_no,
            "provider_refund_id": note.trade_no,
            "refund_fen": None,
            "cumulative_fen": note.refund_fee_fen,
            "total_fen": None,
        }
    else:
        paid = note.trade_status in (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED)
        fields |= {
            "amount_fen": note.total_fen,
            "effect": (Effect.PAY if paid else Effect.NOTHING).value,
            "said": f"trade status {note.trade_status}",
            "provider_trade_no": note.trade_no,
            "paid_at": note.gmt_payment or note.notify_time,
        }
    return await _keep(mongo, Provider.ALIPAY, note.notify_id, fields)


async def apply_kept(*, mongo: Mongo, note: Doc) -> Applied:
    """Applies a kept notification: what the webhooks run behind their answer and the sweep runs on what they
    never applied. Safe to run any number of times, concurrently: the effects happen once."""
    if note["not_ours"] is not None:
        return await _reject(mongo, note, FlagKind.MERCHANT_MISMATCH, note["not_ours"])
    effect = Effect(note["effect"])
    if effect is Effect.PAY:
        method = Provider(note["provider"]).method
        paid = ProviderPayment(
            method, note["out_trade_no"], note["amount_fen"], note["provider_trade_no"], note["paid_at"]
        )
        return await _payment(mongo, note, paid)
    if effect is Effect.REFUND:
        return await _refund(mongo, note, _provider_refund(note))
    if effect is Effect.FAIL_REFUND:
        await fail_provider_refund(mongo=mongo, out_refund_no=note["refund"]["out_refund_no"], reason=note["said"])
    return await _mark(mongo, note, NoteStatus.APPLIED, note["said"])


async def apply_unapplied(*, mongo: Mongo, now: datetime, limit: int = 100) -> int:
    """The worker's sweep behind the webhooks: applies notifications kept over APPLY_GRACE ago and still not applied
    (the process that answered them died first), oldest first; how many this call applied."""
    lost = (
        await mongo.db[c.PAYMENT_NOTIFICATIONS]
        .find({"status": NoteStatus.RECEIVED.value, "received_at": {"$lte": now - APPLY_GRACE}})
        .sort("received_at", 1)
        .limit(limit)
        .to_list()
    )
    applied = 0
    for note in lost:
        try:
            applied += (await apply_kept(mongo=mongo, note=note)).by_this_call
        except Exception:
            # One notification that cannot be applied (a bug) must not hold back those kept after it; it stays
            # RECEIVED, logged here on every sweep until fixed.
            log.exception("kept payment notification could not be applied", extra={"note_id": str(note["_id"])})
    return applied


async def _payment(mongo: Mongo, stored: Doc, paid: ProviderPayment) -> Applied:
    settlement = await mark_paid(mongo=mongo, paid=paid, settled_by=SettledBy.NOTIFICATION)
    if settlement.outcome is Outcome.UNKNOWN:
        return await _reject(mongo, stored, FlagKind.AMOUNT_MISMATCH, "unknown out_trade_no")
    if settlement.outcome is Outcome.MISMATCH:
        return await _mark(mongo, stored, NoteStatus.REJECTED, f"amount {paid.amount_fen} does not match")
    if settlement.outcome is Outcome.METHOD_MISMATCH and settlement.payment is not None:
        reason = f"{paid.method.value} notified a {settlement.payment.method.value} payment"
        return await _reject(mongo, stored, FlagKind.METHOD_MISMATCH, reason)
    # Refunds kept for this payment first: a record marked APPLIED has nothing of its own left to do, and one whose
    # application stopped short stays RECEIVED for the sweep.
    await apply_parked(mongo=mongo, out_trade_no=paid.out_trade_no)
    return await _mark(mongo, stored, NoteStatus.APPLIED)


async def _refund(mongo: Mongo, stored: Doc, refund: ProviderRefund) -> Applied:
    outcome = await apply_provider_refund(mongo=mongo, refund=refund)
    if outcome is RefundOutcome.PARKED:
        # Kept until its payment is applied; re-checked right away in case the payment landed meanwhile.
        parked = await _mark(mongo, stored, NoteStatus.PARKED)
        await apply_parked(mongo=mongo, out_trade_no=refund.out_trade_no)
        fresh = await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one({"_id": stored["_id"]}, {"status": 1})
        return Applied(NoteStatus(fresh["status"]) if fresh else NoteStatus.PARKED, parked.by_this_call)
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
