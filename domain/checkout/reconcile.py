"""The active query (主动查单): for payments still open after a while, ask the provider what happened, because a
notification can be lost or late. Paid ones go through `settle.mark_paid` like a webhook; ones whose window
passed unpaid are closed (freeing the coupon). It also closes orders nobody paid in time and applies refund
notifications kept for a payment that has been applied since. Safe to run concurrently and as often as wanted.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from db import collections as c
from db.mongo import Mongo
from domain.checkout.closing import close_payment, close_unpaid
from domain.checkout.notifications import apply_parked
from domain.checkout.providers import Providers
from domain.checkout.records import Payment, PaymentStatus, SettledBy, payment_from_doc
from domain.checkout.settle import Outcome, ProviderPayment, mark_paid
from domain.orders.model import OrderStatus, PayMethod, order_from_doc
from payments.alipay import TradeStatus
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.wechatpay import TradeState

log = logging.getLogger(__name__)

_WECHAT_PAID = (TradeState.SUCCESS, TradeState.REFUND)
_ALIPAY_PAID = (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED)


@dataclass(frozen=True)
class ReconcileReport:
    checked: int
    paid: int
    closed: int
    still_open: int
    orders_closed: int
    refunds_applied: int


async def _ask(providers: Providers, payment: Payment, now: datetime) -> ProviderPayment | bool:
    """The provider's word: a successful payment, True if it can be closed (its window passed unpaid), else False."""
    expired = now >= payment.expires_at
    if payment.method is PayMethod.WECHAT_PAY and providers.wechatpay is not None:
        tx = await providers.wechatpay.query_order(payment.out_trade_no)
        if tx is not None and tx.trade_state in _WECHAT_PAID:
            return ProviderPayment(
                PayMethod.WECHAT_PAY, tx.out_trade_no, tx.amount_fen, tx.transaction_id, tx.success_time or now
            )
        # USERPAYING: the member is entering a password right now; give them the time.
        return expired and (tx is None or tx.trade_state is not TradeState.USERPAYING)
    if payment.method is PayMethod.ALIPAY and providers.alipay is not None:
        trade = await providers.alipay.query(payment.out_trade_no)
        if trade is not None and trade.trade_status in _ALIPAY_PAID:
            return ProviderPayment(PayMethod.ALIPAY, trade.out_trade_no, trade.total_fen, trade.trade_no, now)
        return expired
    return expired


async def settle_from_provider(*, mongo: Mongo, providers: Providers, payment: Payment, now: datetime) -> PaymentStatus:
    """Brings one open payment up to date with its provider; the status it has afterwards (OPEN when the
    provider could not be asked)."""
    try:
        word = await _ask(providers, payment, now)
    except (ProviderUnavailable, ProviderRefused) as e:
        log.warning("active query failed", extra={"payment_id": str(payment.id), "error": str(e)})
        return PaymentStatus.OPEN
    if isinstance(word, ProviderPayment):
        settled = await mark_paid(mongo=mongo, paid=word, settled_by=SettledBy.QUERY)
        return PaymentStatus.OPEN if settled.outcome is Outcome.MISMATCH else PaymentStatus.SUCCEEDED
    if word:
        await close_payment(mongo=mongo, payment=payment)
        doc = await mongo.db[c.PAYMENTS].find_one({"_id": payment.id}, {"status": 1})
        return PaymentStatus(doc["status"]) if doc else PaymentStatus.CLOSED
    return PaymentStatus.OPEN


async def paid_at_provider(*, mongo: Mongo, providers: Providers, payment: Payment) -> bool:
    """Whether the provider says the payment succeeded, and if so applied here as the active query applies it.
    A provider that cannot be asked raises: the caller decides what not knowing means."""
    word = await _ask(providers, payment, datetime.now(UTC))
    if not isinstance(word, ProviderPayment):
        return False
    settled = await mark_paid(mongo=mongo, paid=word, settled_by=SettledBy.QUERY)
    return settled.outcome is not Outcome.MISMATCH


async def reconcile_pending(
    *,
    mongo: Mongo,
    providers: Providers,
    older_than: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
    limit: int = 200,
) -> ReconcileReport:
    """One sweep: payments open for longer than `older_than`, oldest first, at most `limit` of them; then the
    unpaid orders past their time and the refund notifications waiting for their payment."""
    now = now or datetime.now(UTC)
    docs = (
        await mongo.db[c.PAYMENTS]
        .find({"status": PaymentStatus.OPEN.value, "opened_at": {"$lte": now - older_than}})
        .sort("opened_at", 1)
        .limit(limit)
        .to_list()
    )
    counts = dict.fromkeys(PaymentStatus, 0)
    for doc in docs:
        status = await settle_from_provider(mongo=mongo, providers=providers, payment=payment_from_doc(doc), now=now)
        counts[status] += 1
    orders_closed = 0
    stale = (
        await mongo.db[c.ORDERS]
        .find({"status": OrderStatus.PENDING.value, "expires_at": {"$lte": now}})
        .sort("expires_at", 1)
        .limit(limit)
        .to_list()
    )
    # Orders with a payment still open wait for it: one query for the whole batch.
    keys = [str(d["_id"]) for d in stale]
    paying = {
        p["open_key"] for p in await mongo.db[c.PAYMENTS].find({"open_key": {"$in": keys}}, {"open_key": 1}).to_list()
    }
    for doc in stale:
        if str(doc["_id"]) not in paying:
            orders_closed += await close_unpaid(mongo=mongo, order=order_from_doc(doc)) is not None
    return ReconcileReport(
        checked=len(docs),
        paid=counts[PaymentStatus.SUCCEEDED],
        closed=counts[PaymentStatus.CLOSED],
        still_open=counts[PaymentStatus.OPEN],
        orders_closed=orders_closed,
        refunds_applied=await apply_parked(mongo=mongo),
    )
