"""WeChat Pay end to end: the member pays through the sandbox, which posts a notification signed with RSA keys made
for the test to our real webhook. Good notifications apply exactly once; forged, stale or mismatched ones leave
every balance and status as it was.
"""

import asyncio
import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from db import collections as c
from db.mongo import Mongo
from domain.checkout import notifications
from payments.sandbox import Provider, SignedNotification
from payments.sandbox.keys import new_rsa_key
from payments.sandbox.wechatpay import notification, signed_headers
from payments.wechatpay.signing import signed_message
from startup.clients import payment_providers
from startup.settings import Settings
from tests.checkout.conftest import (
    PaymentsSandbox,
    balances_and_statuses,
    card,
    flags,
    member_pay,
    open_payment,
    order_doc,
    outbox,
    scan_order,
    shopper,
    wire_headers,
)
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer, store_gid

ORDER_PAID_KEYS = {
    "order_id",
    "merchant_id",
    "member_id",
    "store_id",
    "paid_at",
    "consumption_paid_fen",
    "stored_value_spent_fen",
    "top_up_paid_fen",
}


async def wechat_order(gql: Gql, mongo: Mongo, shop: Shop, amount_fen: int = 12_345) -> tuple[Customer, str, str]:
    """A member with an order whose WeChat Pay payment is open: (member, order id, out_trade_no)."""
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), amount_fen)
    paying = await member_pay(gql, member, order["id"], "WECHAT_PAY")
    assert paying["userErrors"] == [], paying
    return member, order["id"], (await open_payment(mongo, order["id"]))["out_trade_no"]


def paid_notification(world: PaymentsSandbox, out_trade_no: str, **resource_changes: Any) -> SignedNotification:
    """The notification WeChat Pay sends once the member has paid in the sandbox, with optional changes."""
    wechat = world.sandbox.wechatpay
    wechat.mark_paid(out_trade_no, datetime.now(UTC))
    resource = wechat.transaction_resource(wechat.orders[out_trade_no]) | resource_changes
    return notification(
        world.keys,
        event_id=wechat.orders[out_trade_no].event_id,
        event_type="TRANSACTION.SUCCESS",
        resource=resource,
        now=datetime.now(UTC),
    )


async def deliver(client: httpx.AsyncClient, signed: SignedNotification) -> httpx.Response:
    headers = wire_headers({**signed.headers, "Content-Type": "application/json"})
    return await client.post("/webhooks/wechatpay", content=signed.body, headers=headers)


async def test_member_pays_with_wechat_pay_and_the_notification_pays_the_order(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member paying 123.45 yuan by scanning the store's code
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), 12_345)

    # when they choose WeChat Pay, and pay in WeChat (the sandbox notifies our webhook)
    paying = await member_pay(gql, member, order["id"], "WECHAT_PAY")
    params = paying["wechatPay"]
    delivery = await payments_sandbox.sandbox.pay(
        Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"]
    )

    # then the mini-program got wx.requestPayment parameters signed with our merchant key (RSA-SHA256)
    assert (params["appId"], params["signType"]) == ("wxtest000000000000", "RSA")
    message = signed_message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    payments_sandbox.keys.wechat_merchant_key.public_key().verify(
        base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256()
    )
    # and our webhook answered 204, the order is paid, points earned on whole yuan, lifetime spending counted
    assert delivery is not None and delivery.status == 204
    assert (await order_doc(mongo, order["id"]))["status"] == "PAID"
    held = await card(mongo, member)
    assert (held["points"], held["lifetime_paid_fen"]) == (123, 12_345)
    # and one ORDER_PAID event carries what commissions need
    [event] = await outbox(mongo, "ORDER_PAID")
    assert ORDER_PAID_KEYS <= set(event["payload"])
    assert (event["payload"]["consumption_paid_fen"], event["payload"]["stored_value_spent_fen"]) == (12_345, 0)
    assert event["payload"]["top_up_paid_fen"] == 0


def _changed_body(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    good = paid_notification(world, out_trade_no)
    envelope = json.loads(good.body)
    envelope["summary"] = "支付成功!"
    return SignedNotification(good.headers, json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())


def _wrong_key(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    impostor = PaymentsSandbox(world.sandbox, replace(world.keys, wechat_platform_key=new_rsa_key()), world.url)
    return paid_notification(impostor, out_trade_no)


def _old_timestamp(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    wechat = world.sandbox.wechatpay
    wechat.mark_paid(out_trade_no, datetime.now(UTC))
    return notification(
        world.keys,
        event_id=wechat.orders[out_trade_no].event_id,
        event_type="TRANSACTION.SUCCESS",
        resource=wechat.transaction_resource(wechat.orders[out_trade_no]),
        now=datetime.now(UTC) - timedelta(minutes=6),
    )


def _superscript_timestamp(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    # "²" as WeChat's header would carry it (Latin-1): str.isdigit() accepts it, int() does not.
    good = paid_notification(world, out_trade_no)
    return SignedNotification({**good.headers, "Wechatpay-Timestamp": "²"}, good.body)


def _deep_signed_body(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    body = ("[" * 50_000 + "]" * 50_000).encode()
    return SignedNotification(signed_headers(world.keys, body, datetime.now(UTC)), body)


def _wrong_amount(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    return paid_notification(world, out_trade_no, amount={"total": 1, "currency": "CNY"})


def _wrong_appid(world: PaymentsSandbox, out_trade_no: str) -> SignedNotification:
    return paid_notification(world, out_trade_no, appid="wxanotherapp000000")


@pytest.mark.parametrize(
    ("forge", "status", "flag"),
    [
        (_changed_body, 401, None),
        (_wrong_key, 401, None),
        (_old_timestamp, 401, None),
        (_superscript_timestamp, 401, None),
        (_deep_signed_body, 401, None),
        (_wrong_amount, 204, "AMOUNT_MISMATCH"),
        (_wrong_appid, 204, "MERCHANT_MISMATCH"),
    ],
    ids=[
        "changed-body",
        "wrong-key",
        "old-timestamp",
        "superscript-timestamp",
        "deep-signed-body",
        "wrong-amount",
        "wrong-appid",
    ],
)
async def test_a_notification_that_is_not_genuine_or_not_ours_changes_nothing(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
    forge: Any,
    status: int,
    flag: str | None,
) -> None:
    # given an order with a WeChat Pay payment open
    _, order_gid, out_trade_no = await wechat_order(gql, mongo, shop)
    before = await balances_and_statuses(mongo)

    # when a notification arrives that was tampered with, signed by someone else, stale, with a timestamp that is
    # not a number, nested 50,000 deep though validly signed, or for another amount/app
    answer = await deliver(client, forge(payments_sandbox, out_trade_no))

    # then every balance and status is as it was; forgeries get a FAIL (WeChat would retry), and a genuine but
    # mismatched one is acknowledged (retrying cannot fix it), flagged on the order for staff
    assert await balances_and_statuses(mongo) == before
    assert answer.status_code == status
    if status == 401:
        assert answer.json()["code"] == "FAIL"
    assert await flags(mongo, order_gid) == ([flag] if flag else [])


async def test_the_same_notification_delivered_twenty_times_at_once_pays_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given an order whose member has paid
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)

    # when WeChat Pay delivers its notification 20 times concurrently
    answers = await asyncio.gather(*(deliver(client, signed) for _ in range(20)))

    # then every delivery is acknowledged, and there is one payment with one set of effects
    assert [a.status_code for a in answers] == [204] * 20
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}) == 1
    assert (await card(mongo, member))["points"] == 50
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert stored["status"] == "APPLIED"


async def test_twenty_api_processes_handling_one_notification_at_once_pay_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, settings: Settings
) -> None:
    # given a paid order's verified notification
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)
    async with httpx.AsyncClient() as http:
        providers = payment_providers(settings, http)
        assert providers.wechatpay is not None
        note = providers.wechatpay.parse_notification(signed.headers, signed.body, now=datetime.now(UTC))

        # when twenty processes (no in-process sharing between them) handle it at the same moment
        receipts = await asyncio.gather(
            *(notifications.receive_wechatpay(mongo=mongo, providers=providers, note=note) for _ in range(20))
        )

    # then they met at the database: one record of twenty deliveries, one payment, one set of effects
    assert len(receipts) == 20
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert (stored["status"], stored["deliveries"]) == ("APPLIED", 20)
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}) == 1
    assert (await card(mongo, member))["points"] == 50
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_two_notifications_with_different_event_ids_for_one_payment_apply_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a paid order's notification, and a second one for the same payment under a new event id
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    first = paid_notification(payments_sandbox, out_trade_no)
    payments_sandbox.sandbox.wechatpay.orders[out_trade_no].event_id = "ANOTHER-EVENT-ID-" + out_trade_no
    second = paid_notification(payments_sandbox, out_trade_no)

    # when both arrive at the same time
    answers = await asyncio.gather(deliver(client, first), deliver(client, second))

    # then both are acknowledged and stored, and the payment applied once
    assert [a.status_code for a in answers] == [204, 204]
    assert await mongo.db[c.PAYMENT_NOTIFICATIONS].count_documents({"status": "APPLIED"}) == 2
    assert (await card(mongo, member))["points"] == 50
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_a_refund_notified_before_its_payment_is_kept_and_applied_after_it(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a member who paid 80 yuan, and the merchant refunded 30 of it in WeChat Pay's own dashboard at once
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 8_000)
    paid = paid_notification(payments_sandbox, out_trade_no)
    wechat = payments_sandbox.sandbox.wechatpay
    refund_resource = {
        "mchid": payments_sandbox.keys.wechat_mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": wechat.transaction_resource(wechat.orders[out_trade_no])["transaction_id"],
        "out_refund_no": "DASHBOARD-REFUND-1",
        "refund_id": "50300000000000000000000000001",
        "refund_status": "SUCCESS",
        "success_time": datetime.now(UTC).isoformat(timespec="seconds"),
        "amount": {"total": 8_000, "refund": 3_000, "payer_total": 8_000, "payer_refund": 3_000},
    }
    refunded = notification(
        payments_sandbox.keys,
        event_id="REFUND-EVENT-1",
        event_type="REFUND.SUCCESS",
        resource=refund_resource,
        now=datetime.now(UTC),
    )

    # when the refund notification arrives first, and the payment's only afterwards
    early = await deliver(client, refunded)
    parked = await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one({"event_id": "REFUND-EVENT-1"})
    order_before_payment = await order_doc(mongo, order_gid)
    late = await deliver(client, paid)

    # then the refund was kept (acknowledged, nothing applied yet) and applied right after the payment
    assert (early.status_code, parked and parked["status"], order_before_payment["status"]) == (
        204,
        "PARKED",
        "PENDING",
    )
    assert late.status_code == 204
    order = await order_doc(mongo, order_gid)
    assert (order["status"], order["refunded_fen"]) == ("PARTIALLY_REFUNDED", 3_000)
    # and 30 of the 80 points earned were clawed back, with one ORDER_REFUNDED event
    assert (await card(mongo, member))["points"] == 80 - 30
    [event] = await outbox(mongo, "ORDER_REFUNDED")
    assert {k: event["payload"][k] for k in ("refunded_fen", "order_paid_fen")} == {
        "refunded_fen": 3_000,
        "order_paid_fen": 8_000,
    }
    assert (await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one({"event_id": "REFUND-EVENT-1"}) or {})[
        "status"
    ] == "APPLIED"
