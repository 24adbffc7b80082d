"""Refunds (退款) as managers ask for them (`refund_order`, partial or full), and a cancelled booking's deposit
given back by the worker (`refund_deposit`).

A refund is reserved against the order before anything is asked of a provider, so concurrent refunds never add up
to more than was paid. WeChat Pay refunds complete by notification; Alipay answers at once (its notification then
finds the refund applied); stored value and cash are refunded in our own ledger at once. A top-up's stored value
is taken back before the money leaves, and given back if the provider refuses. How a refund takes effect is
`settle_refund.apply_refund`.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, required_doc, transaction
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import check_key
from domain.checkout.errors import CheckoutCode, CheckoutError
from domain.checkout.providers import Providers
from domain.checkout.records import Payment, Refund, RefundStatus, payment_from_doc, refund_from_doc
from domain.checkout.settle_refund import REFUNDABLE, apply_refund, fail_refund, take_top_up_back
from domain.errors import PermissionDenied
from domain.orders.bookings import deposit_key
from domain.orders.model import Order, OrderKind, PayMethod, order_from_doc
from domain.orders.views import OrderView, staff_order, view
from domain.outbox import TryAgainLater
from domain.tenancy import Role, Staff, audit
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.wechatpay import RefundStatus as WeChatRefundStatus

log = logging.getLogger(__name__)

MAX_REASON = 80


@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    order: OrderView
    replayed: bool


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise CheckoutError(CheckoutCode.REFUND_REASON_REQUIRED, "reason")
    return reason


async def refund_order(
    *,
    mongo: Mongo,
    providers: Providers,
    actor: Staff,
    order_id: ObjectId,
    amount_fen: int,
    reason: str,
    idempotency_key: str,
) -> RefundResult:
    """MANAGER or OWNER, for an order at a store in their scope. A replayed key returns the first refund (and
    submits it again to its provider while it is still PROCESSING, with the same out_refund_no)."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    key = f"staff:{actor.id}:{check_key(idempotency_key)}"
    order = await staff_order(mongo=mongo, actor=actor, order_id=order_id)
    first = await mongo.db[c.REFUNDS].find_one({"merchant_id": actor.merchant_id, "idem_key": key})
    if first is not None:
        return await _replay(mongo, providers, first, order_id)
    reason = _check_reason(reason)
    if order.status.value not in REFUNDABLE or order.payment_id is None:
        raise CheckoutError(CheckoutCode.ORDER_NOT_REFUNDABLE, "orderId")
    if amount_fen <= 0:
        raise CheckoutError(CheckoutCode.REFUND_AMOUNT_INVALID, "amountFen")
    if order.kind is OrderKind.TOP_UP and amount_fen != order.price.due_fen:
        raise CheckoutError(CheckoutCode.TOP_UP_REFUND_NOT_FULL, "amountFen")
    result = await _start(mongo, providers, order, amount_fen, reason, key, actor.id)
    await audit(mongo=mongo, actor=actor, action="order.refund", target=order.id, amount=amount_fen, reason=reason)
    return result


async def refund_deposit(
    *, mongo: Mongo, providers: Providers, merchant_id: ObjectId, booking_id: ObjectId
) -> Refund | None:
    """A cancelled booking's deposit, whatever of it is still held, back to the member (the member cancelled
    before the cut-off, staff cancelled, or the payment landed on a booking already lost). Keyed by the booking,
    so every event asking for it refunds once; None when no deposit was paid (or it is already back)."""
    doc = await mongo.db[c.ORDERS].find_one(
        {"merchant_id": merchant_id, "booking_key": deposit_key(booking_id), "kind": OrderKind.DEPOSIT.value}
    )
    if doc is None:
        return None
    order = order_from_doc(doc)
    key = f"deposit:{booking_id}"
    first = await mongo.db[c.REFUNDS].find_one({"merchant_id": order.merchant_id, "idem_key": key})
    if first is not None:
        return (await _replay(mongo, providers, first, order.id)).refund
    # What staff already refunded, or are refunding now, is not refunded again.
    left = order.price.due_fen - order.refunded_fen - int(doc.get("refund_reserved_fen", 0))
    if order.status.value not in REFUNDABLE or order.payment_id is None or left <= 0:
        return None
    try:
        return (await _start(mongo, providers, order, left, "预约取消，退还定金", key, None)).refund
    except CheckoutError as e:
        # Only the worker calls this: an unreachable provider is asked again later with the same refund.
        if e.code is CheckoutCode.PROVIDER_UNAVAILABLE:
            raise TryAgainLater(str(booking_id)) from e
        raise


async def _start(
    mongo: Mongo,
    providers: Providers,
    order: Order,
    amount_fen: int,
    reason: str,
    key: str,
    staff_id: ObjectId | None,
) -> RefundResult:
    """Reserves `amount_fen` of the order (refused when it would pass what was paid), records the refund and
    asks the provider; a concurrent request with the same key gets the first refund."""
    assert order.payment_id is not None
    payment = payment_from_doc(await required_doc(mongo, c.PAYMENTS, {"_id": order.payment_id}))
    rid = ObjectId()
    refund: Doc = {
        "_id": rid,
        "merchant_id": order.merchant_id,
        "order_id": order.id,
        "payment_id": payment.id,
        "method": payment.method.value,
        "amount_fen": amount_fen,
        "reason": reason,
        "status": RefundStatus.PROCESSING.value,
        "out_refund_no": str(rid),
        "idem_key": key,
        "staff_id": staff_id,
        "created_at": datetime.now(UTC),
        "reserved": True,
        "top_up_taken": order.kind is OrderKind.TOP_UP,
    }

    async def reserve(s: AsyncClientSession) -> None:
        held = await mongo.db[c.ORDERS].update_one(
            {
                "merchant_id": order.merchant_id,
                "_id": order.id,
                "status": {"$in": REFUNDABLE},
                "$expr": {"$lte": [{"$add": ["$refunded_fen", "$refund_reserved_fen", amount_fen]}, "$price.due_fen"]},
            },
            {"$inc": {"refund_reserved_fen": amount_fen}},
            session=s,
        )
        if held.modified_count == 0:
            raise CheckoutError(CheckoutCode.REFUND_AMOUNT_INVALID, "amountFen")
        await mongo.db[c.REFUNDS].insert_one(dict(refund), session=s)
        if order.kind is OrderKind.TOP_UP:
            await take_top_up_back(mongo, s, order, rid)

    try:
        await transaction(mongo, reserve)
    except DuplicateKeyError:
        return await _replay(mongo, providers, await required_doc(mongo, c.REFUNDS, {"idem_key": key}), order.id)
    return await _submit(mongo, providers, refund_from_doc(refund), payment)


async def _replay(mongo: Mongo, providers: Providers, doc: Doc, order_id: ObjectId) -> RefundResult:
    if doc["order_id"] != order_id:
        raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
    refund = refund_from_doc(doc)
    if refund.status is RefundStatus.PROCESSING and refund.payment_id is not None:
        payment = payment_from_doc(await required_doc(mongo, c.PAYMENTS, {"_id": refund.payment_id}))
        result = await _submit(mongo, providers, refund, payment)
        return RefundResult(result.refund, result.order, True)
    order = order_from_doc(await required_doc(mongo, c.ORDERS, {"merchant_id": refund.merchant_id, "_id": order_id}))
    return RefundResult(refund, await view(mongo, order), True)


async def _current(mongo: Mongo, refund_id: ObjectId, replayed: bool = False) -> RefundResult:
    refund = refund_from_doc(await required_doc(mongo, c.REFUNDS, {"_id": refund_id}))
    order = order_from_doc(
        await required_doc(mongo, c.ORDERS, {"merchant_id": refund.merchant_id, "_id": refund.order_id})
    )
    return RefundResult(refund, await view(mongo, order), replayed)


async def _submit(mongo: Mongo, providers: Providers, refund: Refund, payment: Payment) -> RefundResult:
    """Asks the payment's provider for the money back (same out_refund_no every time), or refunds at once."""
    try:
        if payment.method is PayMethod.WECHAT_PAY and payment.amount_fen > 0:
            if providers.wechatpay is None:
                raise CheckoutError(CheckoutCode.METHOD_UNAVAILABLE, "orderId")
            answer = await providers.wechatpay.refund(
                out_trade_no=payment.out_trade_no,
                out_refund_no=refund.out_refund_no,
                refund_fen=refund.amount_fen,
                total_fen=payment.amount_fen,
                reason=refund.reason,
                notify_url=providers.wechatpay_notify_url,
            )
            if answer.status is WeChatRefundStatus.SUCCESS:
                await apply_refund(mongo=mongo, refund_id=refund.id, provider_refund_id=answer.refund_id)
            elif answer.status in (WeChatRefundStatus.CLOSED, WeChatRefundStatus.ABNORMAL):
                await fail_refund(mongo=mongo, refund_id=refund.id, reason=f"refund {answer.status}")
            else:
                await mongo.db[c.REFUNDS].update_one(
                    {"_id": refund.id}, {"$set": {"provider_refund_id": answer.refund_id}}
                )
        elif payment.method is PayMethod.ALIPAY and payment.amount_fen > 0:
            if providers.alipay is None:
                raise CheckoutError(CheckoutCode.METHOD_UNAVAILABLE, "orderId")
            done = await providers.alipay.refund(
                out_trade_no=payment.out_trade_no,
                out_request_no=refund.out_refund_no,
                refund_fen=refund.amount_fen,
                reason=refund.reason,
            )
            await apply_refund(mongo=mongo, refund_id=refund.id, provider_refund_id=done.trade_no)
        else:
            await apply_refund(mongo=mongo, refund_id=refund.id, provider_refund_id=None)
    except ProviderRefused as e:
        log.warning("provider refused a refund", extra={"refund_id": str(refund.id), "code": e.code})
        await fail_refund(mongo=mongo, refund_id=refund.id, reason=f"refused: {e.code}")
        raise CheckoutError(CheckoutCode.PROVIDER_REFUSED, "amountFen", provider_code=e.code) from e
    except ProviderUnavailable as e:
        # The outcome is unknown; the refund stays PROCESSING and reserved, and a retry asks again.
        raise CheckoutError(CheckoutCode.PROVIDER_UNAVAILABLE, "orderId") from e
    return await _current(mongo, refund.id)
