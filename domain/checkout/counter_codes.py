"""Codes staff show at the counter for whoever pays to scan: WeChat Pay Native (code_url) or Alipay 当面付 precreate
(qr_code), opened without naming a payer, and withdrawn when the cashier takes another method or drops the order.
"""

from db import collections as c
from db.mongo import Mongo, required_doc
from domain.checkout.closing import close_payment
from domain.checkout.errors import CheckoutCode, CheckoutError
from domain.checkout.providers import Providers
from domain.checkout.reconcile import paid_at_provider
from domain.checkout.records import Payment, PaymentStatus
from domain.orders.model import PayMethod
from payments.errors import ProviderRefused, ProviderUnavailable

# Refusals of a close that leave nothing payable: no such trade (an Alipay code nobody has scanned has none yet),
# or one closed already. A trade paid meanwhile is told apart by asking the provider, whatever the refusal says.
_NOTHING_TO_CLOSE = frozenset({"ORDER_NOT_EXIST", "ORDER_CLOSED", "ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR"})


async def open_code(*, mongo: Mongo, providers: Providers, payment: Payment, description: str) -> str:
    """The payment's code, opened at its provider once: another tap, or a tap racing this one, shows the first code
    kept. Provider errors propagate for the caller to map."""
    if payment.code_url:
        return payment.code_url
    if payment.method is PayMethod.WECHAT_PAY:
        assert providers.wechatpay is not None
        url = await providers.wechatpay.native_prepay(
            out_trade_no=payment.out_trade_no,
            description=description,
            amount_fen=payment.amount_fen,
            notify_url=providers.wechatpay_notify_url,
            expire_at=payment.expires_at,
        )
    else:
        assert providers.alipay is not None
        url = await providers.alipay.precreate(
            out_trade_no=payment.out_trade_no,
            total_fen=payment.amount_fen,
            subject=description,
            notify_url=providers.alipay_notify_url,
            expire_at=payment.expires_at,
        )
    await mongo.db[c.PAYMENTS].update_one(
        {"_id": payment.id, "code_url": {"$exists": False}}, {"$set": {"code_url": url}}
    )
    return str((await required_doc(mongo, c.PAYMENTS, {"_id": payment.id}))["code_url"])


async def _close_at_provider(providers: Providers, payment: Payment) -> None:
    """A provider switched off since has nothing to close: the payer cannot reach it through us either."""
    if payment.method is PayMethod.WECHAT_PAY and providers.wechatpay is not None:
        await providers.wechatpay.close_order(payment.out_trade_no)
    elif payment.method is PayMethod.ALIPAY and providers.alipay is not None:
        await providers.alipay.close(payment.out_trade_no)


async def withdraw_code(*, mongo: Mongo, providers: Providers, payment: Payment) -> None:
    """A cashier moving on from a shown code: closed at its provider first, so nobody can pay it any more, then here
    (its coupon freed). Raises ORDER_ALREADY_PAID when it was paid meanwhile (applied now, as the active query
    would), and PROVIDER_UNAVAILABLE when the provider cannot say: never a second payment for one order."""
    try:
        await _close_at_provider(providers, payment)
    except ProviderUnavailable as e:
        raise CheckoutError(CheckoutCode.PROVIDER_UNAVAILABLE, "method") from e
    except ProviderRefused as refused:
        try:
            paid = await paid_at_provider(mongo=mongo, providers=providers, payment=payment)
        except (ProviderUnavailable, ProviderRefused) as e:
            raise CheckoutError(CheckoutCode.PROVIDER_UNAVAILABLE, "method") from e
        if paid:
            raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId") from refused
        if refused.code not in _NOTHING_TO_CLOSE:
            raise CheckoutError(CheckoutCode.PROVIDER_REFUSED, "method", provider_code=refused.code) from refused
    if not await close_payment(mongo=mongo, payment=payment):
        # Settled by its notification a moment ago, or closed by a racing tap (then it is out of the way all the same).
        doc = await mongo.db[c.PAYMENTS].find_one({"_id": payment.id}, {"status": 1})
        if doc is not None and doc["status"] == PaymentStatus.SUCCEEDED.value:
            raise CheckoutError(CheckoutCode.ORDER_ALREADY_PAID, "orderId")
