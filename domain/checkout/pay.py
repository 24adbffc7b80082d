"""`pay_order`: how a member or the counter pays an order, and `close_order` for one nobody will pay.

WECHAT_PAY opens a JSAPI prepay for the member's openid and returns the `wx.requestPayment` parameters; ALIPAY
creates the trade `my.tradePay` pays and returns its number. At the counter staff open either as a code whoever
pays scans (`counter_codes`), with no member needed. All lock the order's coupon while the payment is open; the
order becomes paid when the provider says so (webhook or active query, through `settle.mark_paid`).
STORED_VALUE and CASH (counter only, audited) open and settle in one transaction. An order has at most one
payment open at a time (a unique index), so a member cannot pay one order twice by switching methods; a cashier
who moves on from a shown code has it closed at its provider first. A replayed idempotency key returns the first
result, a code included.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, required_doc, transaction
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import check_key
from domain.checkout.closing import close_unpaid
from domain.checkout.counter_codes import open_code, withdraw_code
from domain.checkout.errors import CheckoutCode, CheckoutError
from domain.checkout.providers import Providers
from domain.checkout.reconcile import settle_from_provider
from domain.checkout.records import (
    COUPON_LOCK,
    EXTERNAL,
    PAY_WINDOW,
    Payment,
    PaymentStatus,
    SettledBy,
    payment_from_doc,
)
from domain.checkout.settle import Outcome, ProviderPayment, settle_in
from domain.coupons.errors import CouponError
from domain.coupons.redemption import lock_for_order, release
from domain.errors import PermissionDenied
from domain.members import Channel
from domain.orders.create import COUNTER_ROLES
from domain.orders.model import SETTLED, Order, OrderKind, OrderStatus, PayMethod, load_order
from domain.orders.views import OrderView, staff_order, view
from domain.tenancy import Staff, audit
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.wechatpay import RequestPaymentParams

log = logging.getLogger(__name__)

MEMBER_METHODS = (PayMethod.WECHAT_PAY, PayMethod.ALIPAY, PayMethod.STORED_VALUE)
COUNTER_METHODS = (PayMethod.CASH, PayMethod.STORED_VALUE, PayMethod.WECHAT_PAY, PayMethod.ALIPAY)
# The provider already has this out_trade_no paid: the order is paid, we just have not heard yet.
_ALREADY_PAID_AT_PROVIDER = frozenset({"ORDERPAID", "ACQ.TRADE_HAS_SUCCESS"})


@dataclass(frozen=True)
class Payer:
    """Who pays: a member in the mini-program, or a staff member at the counter."""

    merchant_id: ObjectId
    member_id: ObjectId | None = None
    staff: Staff | None = None

    def __post_init__(self) -> None:
        if (self.member_id is None) == (self.staff is None):
            raise ValueError("a payer is a member or a staff member, not both or neither")

    @property
    def key_prefix(self) -> str:
        return f"staff:{self.staff.id}" if self.staff else f"member:{self.member_id}"


@dataclass(frozen=True)
class PaymentCode:
    """What the counter shows for whoever pays to scan with `method`'s app; it cannot be paid after `expires_at`."""

    url: str
    method: PayMethod
    expires_at: datetime


@dataclass(frozen=True)
class PayResult:
    order: OrderView
    payment: Payment
    wechat_pay: RequestPaymentParams | None
    alipay_trade_no: str | None
    code: PaymentCode | None
    replayed: bool


def _result(view: OrderView, payment: Payment, answer: dict[str, Any], replayed: bool) -> PayResult:
    """A result from what the provider answered (kept with the idempotency key, so a replay answers the same)."""
    code = answer.get("code")
    return PayResult(
        view,
        payment,
        _params(answer.get("wechat_pay")),
        answer.get("alipay"),
        PaymentCode(code, payment.method, payment.expires_at) if code else None,
        replayed,
    )


async def _payer_order(mongo: Mongo, payer: Payer, order_id: ObjectId, method: PayMethod) -> Order:
    if payer.staff is not None:
        if not payer.staff.has_role(*COUNTER_ROLES):
            raise PermissionDenied()
        order = await staff_order(mongo=mongo, actor=payer.staff, order_id=order_id)
        allowed: tuple[PayMethod, ...] = COUNTER_METHODS
    else:
        order = await load_order(
            mongo=mongo, merchant_id=payer.merchant_id, order_id=order_id, member_id=payer.member_id
        )
        allowed = MEMBER_METHODS
    if method not in allowed or (method is PayMethod.STORED_VALUE and order.kind is OrderKind.TOP_UP):
        raise CheckoutError(CheckoutCode.METHOD_NOT_ALLOWED, "method")
    if method is PayMethod.STORED_VALUE and order.member_id is None:
        raise CheckoutError(CheckoutCode.METHOD_NOT_ALLOWED, "method")
    return order


def _check_payable(order: Order) -> None:
    if order.status in SETTLED:
        raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId")
    if order.status is OrderStatus.CLOSED:
        raise CheckoutError(CheckoutCode.ORDER_CLOSED, "orderId")
    if order.kind is OrderKind.DEPOSIT and order.expires_at <= datetime.now(UTC):
        raise CheckoutError(CheckoutCode.HOLD_EXPIRED, "orderId")


async def _replay(mongo: Mongo, merchant_id: ObjectId, key: str, order_id: ObjectId) -> PayResult | None:
    doc = await mongo.db[c.PAY_REQUESTS].find_one({"merchant_id": merchant_id, "key": key})
    if doc is None:
        return None
    if doc["order_id"] != order_id:
        raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
    payment = payment_from_doc(await required_doc(mongo, c.PAYMENTS, {"_id": doc["payment_id"]}))
    order = await load_order(mongo=mongo, merchant_id=merchant_id, order_id=order_id)
    return _result(await view(mongo, order), payment, doc.get("result") or {}, True)


def _params(stored: dict[str, str] | None) -> RequestPaymentParams | None:
    if not stored:
        return None
    return RequestPaymentParams(
        appId=stored["appId"],
        timeStamp=stored["timeStamp"],
        nonceStr=stored["nonceStr"],
        package=stored["package"],
        signType=stored["signType"],
        paySign=stored["paySign"],
    )


async def pay_order(
    *,
    mongo: Mongo,
    providers: Providers,
    payer: Payer,
    order_id: ObjectId,
    method: PayMethod,
    idempotency_key: str,
) -> PayResult:
    key = f"{payer.key_prefix}:{check_key(idempotency_key)}"
    replayed = await _replay(mongo, payer.merchant_id, key, order_id)
    if replayed is not None:
        return replayed
    order = await _payer_order(mongo, payer, order_id, method)
    _check_payable(order)
    through_provider = method in EXTERNAL and order.price.due_fen > 0
    if through_provider and (
        (method is PayMethod.WECHAT_PAY and providers.wechatpay is None)
        or (method is PayMethod.ALIPAY and providers.alipay is None)
    ):
        raise CheckoutError(CheckoutCode.METHOD_UNAVAILABLE, "method")
    open_payment = await _open_payment(mongo, providers, order)
    if open_payment is not None and _moves_on(payer, open_payment, method):
        await withdraw_code(mongo=mongo, providers=providers, payment=open_payment)
        open_payment = None
    if through_provider:
        return await _pay_with_provider(mongo, providers, payer, order, method, key, open_payment)
    if open_payment is not None:
        raise CheckoutError(CheckoutCode.PAYMENT_IN_PROGRESS, "orderId")
    return await _pay_at_once(mongo, payer, order, method, key)


def _moves_on(payer: Payer, open_payment: Payment, method: PayMethod) -> bool:
    """Staff taking another method while their code is shown: the code goes. A member's own payment in progress
    is theirs to finish; staff tapping the same method again show the same code."""
    return payer.staff is not None and open_payment.shown_at_counter and open_payment.method is not method


async def _open_payment(mongo: Mongo, providers: Providers, order: Order) -> Payment | None:
    """The order's open payment, after asking its provider about one past its window (it may have been paid,
    or may be closed now, which frees the order for another method)."""
    doc = await mongo.db[c.PAYMENTS].find_one({"order_id": order.id, "status": PaymentStatus.OPEN.value})
    if doc is None:
        return None
    payment = payment_from_doc(doc)
    if payment.expires_at > datetime.now(UTC):
        return payment
    status = await settle_from_provider(mongo=mongo, providers=providers, payment=payment, now=datetime.now(UTC))
    if status is PaymentStatus.SUCCEEDED:
        raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId")
    return payment if status is PaymentStatus.OPEN else None


def _payment_doc(order: Order, method: PayMethod, payer: Payer, now: datetime) -> Doc:
    # BSON keeps milliseconds: the payment (and code expiry) answered now is the one a replay reads back.
    now = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
    pid = ObjectId()
    return {
        "_id": pid,
        "merchant_id": order.merchant_id,
        "order_id": order.id,
        "method": method.value,
        "amount_fen": order.price.due_fen,
        "status": PaymentStatus.OPEN.value,
        # What the provider knows the payment by (6-32 characters of [0-9a-f] here).
        "out_trade_no": str(pid),
        # Present only while OPEN: at most one open payment per order.
        "open_key": str(order.id),
        "opened_at": now,
        # A deposit can be paid only while its booking's slot is held for it.
        "expires_at": min(now + PAY_WINDOW, order.expires_at) if order.kind is OrderKind.DEPOSIT else now + PAY_WINDOW,
        "staff_id": payer.staff.id if payer.staff else None,
    }


async def _member_identity(mongo: Mongo, order: Order, method: PayMethod) -> str:
    """The member's openid on the channel this method pays through; the other channel's members cannot."""
    member = await mongo.db[c.MEMBERS].find_one(
        {"merchant_id": order.merchant_id, "_id": order.member_id}, {"channel": 1, "openid": 1}
    )
    channel = Channel.WECHAT if method is PayMethod.WECHAT_PAY else Channel.ALIPAY
    if member is None or member.get("channel") != channel.value:
        raise CheckoutError(CheckoutCode.METHOD_UNAVAILABLE, "method")
    return str(member["openid"])


async def _pay_with_provider(
    mongo: Mongo,
    providers: Providers,
    payer: Payer,
    order: Order,
    method: PayMethod,
    key: str,
    open_payment: Payment | None,
) -> PayResult:
    at_counter = payer.staff is not None
    if open_payment is not None and (open_payment.method is not method or open_payment.shown_at_counter != at_counter):
        raise CheckoutError(CheckoutCode.PAYMENT_IN_PROGRESS, "orderId")
    # At the counter the payer is whoever scans the code; the order still credits its member, if it has one.
    buyer = None if at_counter else await _member_identity(mongo, order, method)
    await _lock_coupon(mongo, order, COUPON_LOCK)
    payment = open_payment or await _open(mongo, order, method, payer)
    result = await _ask_provider(mongo, providers, order, payment, buyer)
    try:
        await mongo.db[c.PAY_REQUESTS].insert_one(
            {
                "merchant_id": order.merchant_id,
                "key": key,
                "order_id": order.id,
                "payment_id": payment.id,
                "result": result,
                "at": datetime.now(UTC),
            }
        )
    except DuplicateKeyError:
        first = await _replay(mongo, order.merchant_id, key, order.id)
        if first is not None:
            return first
        raise
    return _result(await view(mongo, order), payment, result, False)


def _buyer(order: Order) -> ObjectId:
    if order.member_id is None:
        raise CheckoutError(CheckoutCode.METHOD_NOT_ALLOWED, "method")
    return order.member_id


async def _open(mongo: Mongo, order: Order, method: PayMethod, payer: Payer) -> Payment:
    doc = _payment_doc(order, method, payer, datetime.now(UTC))
    try:
        await mongo.db[c.PAYMENTS].insert_one(doc)
    except DuplicateKeyError as e:
        # A concurrent request opened one first: use it if it is for the same method, by the same door.
        other = await mongo.db[c.PAYMENTS].find_one({"order_id": order.id, "status": PaymentStatus.OPEN.value})
        first = payment_from_doc(other) if other else None
        if first is None or first.method is not method or first.shown_at_counter != (payer.staff is not None):
            raise CheckoutError(CheckoutCode.PAYMENT_IN_PROGRESS, "orderId") from e
        return first
    return payment_from_doc(doc)


def _description(order: Order) -> str:
    names = "、".join(line.name for line in order.lines)
    return names[:40] or "订单"


async def _ask_provider(
    mongo: Mongo, providers: Providers, order: Order, payment: Payment, buyer: str | None
) -> dict[str, Any]:
    """What the provider answered, as kept for a replay; `buyer` None opens a code for the counter."""
    try:
        if buyer is None:
            return {
                "code": await open_code(
                    mongo=mongo, providers=providers, payment=payment, description=_description(order)
                )
            }
        if payment.method is PayMethod.WECHAT_PAY:
            assert providers.wechatpay is not None
            prepay_id = await providers.wechatpay.jsapi_prepay(
                out_trade_no=payment.out_trade_no,
                description=_description(order),
                amount_fen=payment.amount_fen,
                payer_openid=buyer,
                notify_url=providers.wechatpay_notify_url,
                expire_at=payment.expires_at,
            )
            await mongo.db[c.PAYMENTS].update_one({"_id": payment.id}, {"$set": {"prepay_id": prepay_id}})
            return {"wechat_pay": dict(providers.wechatpay.request_payment_params(prepay_id))}
        assert providers.alipay is not None
        trade_no = await providers.alipay.trade_create(
            out_trade_no=payment.out_trade_no,
            total_fen=payment.amount_fen,
            subject=_description(order),
            buyer_open_id=buyer,
            notify_url=providers.alipay_notify_url,
            expire_at=payment.expires_at,
        )
        await mongo.db[c.PAYMENTS].update_one({"_id": payment.id}, {"$set": {"provider_trade_no": trade_no}})
        return {"alipay": trade_no}
    except ProviderUnavailable as e:
        log.warning("payment provider unavailable when opening a payment", extra={"payment_id": str(payment.id)})
        raise CheckoutError(CheckoutCode.PROVIDER_UNAVAILABLE, "method") from e
    except ProviderRefused as e:
        if e.code in _ALREADY_PAID_AT_PROVIDER:
            await settle_from_provider(mongo=mongo, providers=providers, payment=payment, now=datetime.now(UTC))
            raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId") from e
        log.warning("payment provider refused to open a payment", extra={"code": e.code, "payment_id": str(payment.id)})
        raise CheckoutError(CheckoutCode.PROVIDER_REFUSED, "method", provider_code=e.code) from e


async def _lock_coupon(mongo: Mongo, order: Order, ttl: timedelta) -> None:
    if order.coupon_id is not None:
        await lock_for_order(
            mongo=mongo,
            merchant_id=order.merchant_id,
            member_id=_buyer(order),
            coupon_id=order.coupon_id,
            order_id=order.id,
            store_id=order.store_id,
            ttl=ttl,
        )


async def _pay_at_once(mongo: Mongo, payer: Payer, order: Order, method: PayMethod, key: str) -> PayResult:
    """Stored value and cash (and anything with nothing left to pay): open and settle in one transaction."""
    await _lock_coupon(mongo, order, PAY_WINDOW)
    now = datetime.now(UTC)
    doc = _payment_doc(order, method, payer, now)

    async def work(s: AsyncClientSession) -> tuple[Order, Payment] | None:
        if await mongo.db[c.PAY_REQUESTS].find_one({"merchant_id": order.merchant_id, "key": key}, session=s):
            return None
        await mongo.db[c.PAYMENTS].insert_one(dict(doc), session=s)
        await mongo.db[c.PAY_REQUESTS].insert_one(
            {"merchant_id": order.merchant_id, "key": key, "order_id": order.id, "payment_id": doc["_id"], "at": now},
            session=s,
        )
        paid = ProviderPayment(method, doc["out_trade_no"], doc["amount_fen"], None, now)
        settled = await settle_in(
            mongo=mongo, session=s, payment_id=doc["_id"], paid=paid, settled_by=SettledBy.COUNTER
        )
        if settled.outcome is not Outcome.APPLIED or settled.order is None or settled.payment is None:
            raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId")
        return settled.order, settled.payment

    try:
        result = await transaction(mongo, work)
    except (CheckoutError, CardError, CouponError, DuplicateKeyError) as e:
        if order.coupon_id is not None:
            await release(mongo=mongo, merchant_id=order.merchant_id, coupon_id=order.coupon_id, order_id=order.id)
        if not isinstance(e, DuplicateKeyError):
            raise
        # The same key committed first (its replay), or a payment opened meanwhile (none for this key).
        result = None
    if result is None:
        first = await _replay(mongo, order.merchant_id, key, order.id)
        if first is None:
            raise CheckoutError(CheckoutCode.PAYMENT_IN_PROGRESS, "orderId")
        return first
    if payer.staff is not None:
        await audit(
            mongo=mongo,
            actor=payer.staff,
            action=f"order.pay.{method.value.lower()}",
            target=order.id,
            amount=order.price.due_fen,
        )
    return PayResult(await view(mongo, result[0]), result[1], None, None, None, False)


async def close_order(*, mongo: Mongo, providers: Providers, payer: Payer, order_id: ObjectId) -> OrderView:
    """An unpaid order nobody will pay: CLOSED, its coupon free again. Refused while a payment is open, except a
    code staff showed at the counter, which is withdrawn first."""
    if payer.staff is not None:
        if not payer.staff.has_role(*COUNTER_ROLES):
            raise PermissionDenied()
        order = await staff_order(mongo=mongo, actor=payer.staff, order_id=order_id)
    else:
        order = await load_order(
            mongo=mongo, merchant_id=payer.merchant_id, order_id=order_id, member_id=payer.member_id
        )
    if order.status is OrderStatus.CLOSED:
        return await view(mongo, order)
    _check_payable(order)
    open_payment = await _open_payment(mongo, providers, order)
    if open_payment is not None:
        if payer.staff is None or not open_payment.shown_at_counter:
            raise CheckoutError(CheckoutCode.PAYMENT_IN_PROGRESS, "orderId")
        await withdraw_code(mongo=mongo, providers=providers, payment=open_payment)
    closed = await close_unpaid(mongo=mongo, order=order)
    if closed is None:
        raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId")
    return await view(mongo, closed)
