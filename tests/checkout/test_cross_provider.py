"""A genuine notification from one provider naming a payment made with the other: it never pays the order. It is
recorded REJECTED, flagged on the order, logged and acknowledged, like every notification that can never apply.
"""

import logging

import httpx
import pytest

from db import collections as c
from db.mongo import Mongo
from payments.sandbox import Provider
from tests.checkout import test_alipay_webhook as alipay
from tests.checkout import test_wechatpay_webhook as wechatpay
from tests.checkout.conftest import PaymentsSandbox, all_handled, balances_and_statuses, flags
from tests.conftest import Gql, Shop


async def notifications(mongo: Mongo, out_trade_no: str) -> dict[str, str]:
    """The status of each kind of notification stored for the trade."""
    notes = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({"out_trade_no": out_trade_no}).to_list()
    return {n["kind"]: n["status"] for n in notes}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_wechat_pay_notification_naming_an_alipay_payment_does_not_pay_the_order(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an order being paid by Alipay, and a WeChat Pay trade of the same amount
    _, order_gid, alipay_trade = await alipay.alipay_order(gql, mongo, shop, 2_000)
    _, _, wechat_trade = await wechatpay.wechat_order(gql, mongo, shop, 2_000)
    before = await balances_and_statuses(mongo)

    # when WeChat Pay, genuinely signed, says a payment succeeded under the Alipay payment's out_trade_no
    notified = wechatpay.paid_notification(payments_sandbox, wechat_trade, out_trade_no=alipay_trade)
    answer = await wechatpay.deliver(client, notified)
    await all_handled(mongo)

    # then it is acknowledged, the order stays unpaid, and it is flagged, recorded REJECTED and logged
    assert answer.status_code == 204
    assert await balances_and_statuses(mongo) == before
    assert await flags(mongo, order_gid) == ["METHOD_MISMATCH"]
    assert await notifications(mongo, alipay_trade) == {"PAYMENT": "REJECTED"}
    assert errors_logged(caplog) == ["PAYMENT NOTIFICATION REJECTED"]


async def test_an_alipay_notification_naming_a_wechat_pay_payment_does_not_pay_the_order(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an order being paid by WeChat Pay, and an Alipay trade of the same amount
    _, order_gid, wechat_trade = await wechatpay.wechat_order(gql, mongo, shop, 2_000)
    _, _, alipay_trade = await alipay.alipay_order(gql, mongo, shop, 2_000)
    before = await balances_and_statuses(mongo)

    # when Alipay, genuinely signed, says a payment succeeded under the WeChat Pay payment's out_trade_no
    said = await alipay.deliver(client, alipay.paid_form(payments_sandbox, alipay_trade, out_trade_no=wechat_trade))
    await all_handled(mongo)

    # then it is acknowledged, the order stays unpaid, and it is flagged, recorded REJECTED and logged
    assert said == "success"
    assert await balances_and_statuses(mongo) == before
    assert await flags(mongo, order_gid) == ["METHOD_MISMATCH"]
    assert await notifications(mongo, wechat_trade) == {"PAYMENT": "REJECTED"}
    assert errors_logged(caplog) == ["PAYMENT NOTIFICATION REJECTED"]


async def test_a_wechat_pay_refund_notification_naming_an_alipay_payment_refunds_nothing(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given an order paid by Alipay, and a WeChat Pay trade of the same amount paid too
    _, order_gid, alipay_trade = await alipay.alipay_order(gql, mongo, shop, 2_000)
    await payments_sandbox.sandbox.pay(Provider.ALIPAY, alipay_trade)
    _, _, wechat_trade = await wechatpay.wechat_order(gql, mongo, shop, 2_000)
    await wechatpay.deliver(client, wechatpay.paid_notification(payments_sandbox, wechat_trade))
    await all_handled(mongo)
    before = await balances_and_statuses(mongo)

    # when WeChat Pay, genuinely signed, says a refund of it all succeeded under the Alipay payment's out_trade_no
    notified = wechatpay.dashboard_refund(payments_sandbox, wechat_trade, 1, 2_000, out_trade_no=alipay_trade)
    answer = await wechatpay.deliver(client, notified)
    await all_handled(mongo)

    # then it is acknowledged, nothing is refunded or recorded as a refund, and it is flagged, REJECTED and logged
    assert answer.status_code == 204
    assert await balances_and_statuses(mongo) == before
    assert await mongo.db[c.REFUNDS].count_documents({}) == 0
    assert await flags(mongo, order_gid) == ["METHOD_MISMATCH"]
    assert await notifications(mongo, alipay_trade) == {"PAYMENT": "APPLIED", "REFUND": "REJECTED"}
    assert errors_logged(caplog) == ["REFUND MISMATCH: refund notification does not match our records"]
