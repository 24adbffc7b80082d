"""WeChat Pay end to end: the member pays through the sandbox, which posts a notification signed with RSA keys made
for the test to our real webhook. The webhook answers once the notification is kept and applies it behind the
answer. Good notifications apply exactly once; forged, stale or mismatched ones leave every balance and status as
it was.
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
from domain.checkout.reconcile import reconcile_pending
from payments.sandbox import Provider, SignedNotification
from payments.sandbox.keys import new_rsa_key
from payments.sandbox.wechatpay import notification, signed_headers
from payments.wechatpay.signing import signed_message
from startup.clients import payment_providers
from startup.settings import Settings
from tests.checkout.conftest import (
    PaymentsSandbox,
    all_handled,
    balances_and_statuses,
    card,
    flags,
    give,
    handled,
    held,
    member_pay,
    once,
    open_payment,
    order_doc,
    order_turns,
    outbox,
    scan_order,
    shopper,
    wire_headers,
)
from tests.conftest import Gql, Shop, count_commands
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


async def wechat_order(
    gql: Gql, mongo: Mongo, shop: Shop, amount_fen: int = 12_345, member: Customer | None = None
) -> tuple[Customer, str, str]:
    """A member (a new one unless given) with an order whose WeChat Pay payment is open: (member, order id,
    out_trade_no)."""
    member = member or await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), amount_fen)
    paying = await member_pay(gql, member, order["id"], "WECHAT_PAY")
    assert paying["userErrors"] == [], paying
    return member, order["id"], (await open_payment(mongo, order["id"]))["out_trade_no"]


def paid_notification(world: PaymentsSandbox, out_trade_no: str, /, **resource_changes: Any) -> SignedNotification:
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


def dashboard_refund(
    world: PaymentsSandbox, out_trade_no: str, n: int, refund_fen: int, /, **resource_changes: Any
) -> SignedNotification:
    """WeChat Pay's notification of the `n`th refund the merchant made in its own dashboard (REFUND-EVENT-n), of
    `refund_fen` from the trade's whole amount, with optional changes."""
    wechat = world.sandbox.wechatpay
    total = wechat.orders[out_trade_no].amount_fen
    resource = {
        "mchid": world.keys.wechat_mchid,
        "out_trade_no": out_trade_no,
        "transaction_id": wechat.transaction_resource(wechat.orders[out_trade_no])["transaction_id"],
        "out_refund_no": f"DASHBOARD-REFUND-{n}",
        "refund_id": f"5030000000000000000000000000{n}",
        "refund_status": "SUCCESS",
        "success_time": datetime.now(UTC).isoformat(timespec="seconds"),
        "amount": {"total": total, "refund": refund_fen, "payer_total": total, "payer_refund": refund_fen},
    } | resource_changes
    return notification(
        world.keys, event_id=f"REFUND-EVENT-{n}", event_type="REFUND.SUCCESS", resource=resource, now=datetime.now(UTC)
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
    await order_turns(mongo, order["id"], "PAID")
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
    signed = forge(payments_sandbox, out_trade_no)
    answer = await deliver(client, signed)
    if answer.status_code == 204:
        await handled(mongo, json.loads(signed.body)["id"])

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
    await handled(mongo, json.loads(signed.body)["id"])
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}) == 1
    assert (await card(mongo, member))["points"] == 50
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert stored["status"] == "APPLIED"


async def test_twenty_api_processes_keeping_and_applying_one_notification_at_once_pay_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, settings: Settings
) -> None:
    # given a paid order's verified notification
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)
    async with httpx.AsyncClient() as http:
        providers = payment_providers(settings, http)
        assert providers.wechatpay is not None
        note = providers.wechatpay.parse_notification(signed.headers, signed.body, now=datetime.now(UTC))

        # when twenty processes (no in-process sharing between them) keep it at the same moment, and each then
        # applies it, as if each had been told to (the first delivery's process, sweeps)
        async def process() -> tuple[bool, bool]:
            kept = await notifications.receive_wechatpay(mongo=mongo, providers=providers, note=note)
            record = kept.first or await mongo.db[c.PAYMENT_NOTIFICATIONS].find_one({"event_id": note.event_id})
            assert record is not None
            return kept.first is not None, (await notifications.apply_kept(mongo=mongo, note=record)).by_this_call

        outcomes = await asyncio.gather(*(process() for _ in range(20)))

    # then they met at the database: one record of twenty deliveries, kept first by one of them and applied by one,
    # one payment, one set of effects
    assert [sum(firsts) for firsts in zip(*outcomes, strict=True)] == [1, 1]
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert (stored["status"], stored["deliveries"]) == ("APPLIED", 20)
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}) == 1
    assert (await card(mongo, member))["points"] == 50
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_the_webhook_answers_once_the_notification_is_kept_and_pays_the_order_behind_the_answer(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a paid order's notification, and the order held by a slow transaction so it cannot be paid for now
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)
    async with held(mongo, order_gid):
        # when WeChat Pay delivers the notification
        answer = await deliver(client, signed)

        # then it is acknowledged while the payment still waits: the notification is kept, the order not yet paid
        assert answer.status_code == 204
        [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
        assert (stored["status"], (await order_doc(mongo, order_gid))["status"]) == ("RECEIVED", "PENDING")

    # and once the order is free, the payment is applied behind the answer, once
    await handled(mongo, stored["event_id"])
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert (await card(mongo, member))["points"] == 50
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_a_redelivery_of_an_applied_notification_is_acknowledged_without_applying_it_again(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a notification delivered and applied
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)
    assert (await deliver(client, signed)).status_code == 204
    await handled(mongo, json.loads(signed.body)["id"])

    # when WeChat Pay delivers it again (it missed our answer)
    with count_commands(mongo) as commands:
        again = await deliver(client, signed)

    # then it is acknowledged with one write (its record counts the delivery), and nothing is applied twice
    assert again.status_code == 204
    assert commands == ["update"]
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert (stored["status"], stored["deliveries"]) == ("APPLIED", 2)
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
    for signed in (first, second):
        await handled(mongo, json.loads(signed.body)["id"])
    assert await mongo.db[c.PAYMENT_NOTIFICATIONS].count_documents({"status": "APPLIED"}) == 2
    assert (await card(mongo, member))["points"] == 50
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_a_refund_notified_before_its_payment_is_kept_and_applied_after_it(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a member who paid 80 yuan, and the merchant refunded 30 of it in WeChat Pay's own dashboard at once
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 8_000)
    paid = paid_notification(payments_sandbox, out_trade_no)
    refunded = dashboard_refund(payments_sandbox, out_trade_no, 1, 3_000)

    # when the refund notification arrives first, and the payment's only afterwards
    early = await deliver(client, refunded)
    parked = await handled(mongo, "REFUND-EVENT-1")
    order_before_payment = await order_doc(mongo, order_gid)
    late = await deliver(client, paid)

    # then the refund was kept (acknowledged, nothing applied yet) and applied right after the payment
    assert (early.status_code, parked["status"], order_before_payment["status"]) == (
        204,
        "PARKED",
        "PENDING",
    )
    assert late.status_code == 204
    order = await order_turns(mongo, order_gid, "PARTIALLY_REFUNDED")
    assert order["refunded_fen"] == 3_000
    # and 30 of the 80 points earned were clawed back, with one ORDER_REFUNDED event
    assert (await card(mongo, member))["points"] == 80 - 30
    [event] = await outbox(mongo, "ORDER_REFUNDED")
    assert {k: event["payload"][k] for k in ("refunded_fen", "order_paid_fen")} == {
        "refunded_fen": 3_000,
        "order_paid_fen": 8_000,
    }
    # and the kept refund notification is recorded as applied (waited for: it is marked right after its refund)
    await once(mongo, c.PAYMENT_NOTIFICATIONS, {"event_id": "REFUND-EVENT-1"}, lambda d: d["status"] == "APPLIED")


async def test_money_that_comes_in_for_an_order_already_paid_another_way_is_kept_and_flagged_for_a_refund(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, settings: Settings, client: httpx.AsyncClient
) -> None:
    # given a member who chose WeChat Pay for a 50 yuan order, whose payment our active query closed after its window
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    async with httpx.AsyncClient() as http:
        closing = await reconcile_pending(
            mongo=mongo, providers=payment_providers(settings, http), now=datetime.now(UTC) + timedelta(minutes=16)
        )
    assert closing.closed == 1
    # and who then paid the order with stored value
    await give(mongo, shop, member, stored=(5_000, 0))
    assert (await member_pay(gql, member, order_gid, "STORED_VALUE"))["order"]["status"] == "PAID"

    # when WeChat Pay says the closed payment was paid after all (the member paid in the instant it closed)
    answer = await deliver(client, paid_notification(payments_sandbox, out_trade_no))
    await all_handled(mongo)

    # then the money is on record as a duplicate and the order flagged so staff refund it
    assert answer.status_code == 204
    duplicate = await mongo.db[c.PAYMENTS].find_one({"out_trade_no": out_trade_no})
    assert duplicate is not None and (duplicate["status"], duplicate["duplicate"]) == ("SUCCEEDED", True)
    assert await flags(mongo, order_gid) == ["DUPLICATE_PAYMENT"]
    # and the order stays paid by stored value, with its effects once: 50 yuan spent, 50 points earned
    order = await order_doc(mongo, order_gid)
    assert (order["status"], order["paid"]["method"]) == ("PAID", "STORED_VALUE")
    held = await card(mongo, member)
    assert (held["stored_paid"], held["points"], held["lifetime_paid_fen"]) == (0, 50, 5_000)
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


ADMIN_ORDER = """
query($id: ID!) {
  order(id: $id) { order { status refundedFen flags { code detail } } refunds { amountFen status } }
}
"""


async def staff_view(gql: Gql, owner_token: str, order_gid: str) -> dict[str, Any]:
    body = await gql("admin", ADMIN_ORDER, {"id": order_gid}, token=owner_token)
    detail: dict[str, Any] = body["data"]["order"]
    return detail


async def failure_reasons(mongo: Mongo) -> list[str]:
    return [r["failure_reason"] for r in await mongo.db[c.REFUNDS].find({"status": "FAILED"}).to_list()]


async def test_a_dashboard_refund_of_more_than_was_paid_is_flagged_and_ends_failed_with_the_reason(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a member who paid 30 yuan by WeChat Pay
    _, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 3_000)
    await deliver(client, paid_notification(payments_sandbox, out_trade_no))
    await all_handled(mongo)

    # when WeChat Pay notifies a refund of 60 yuan made in its own dashboard
    answer = await deliver(client, dashboard_refund(payments_sandbox, out_trade_no, 1, 6_000))
    await all_handled(mongo)

    # then it is acknowledged and flagged for staff, and nothing is refunded; the refund recorded for it is FAILED,
    # not PROCESSING for ever, with the reason
    assert answer.status_code == 204
    seen = await staff_view(gql, owner_token, order_gid)
    assert (seen["order"]["status"], seen["order"]["refundedFen"]) == ("PAID", 0)
    assert [f["code"] for f in seen["order"]["flags"]] == ["REFUND_MISMATCH"]
    assert seen["refunds"] == [{"amountFen": 6_000, "status": "FAILED"}]
    assert await failure_reasons(mongo) == ["6000 fen is more than the 3000 fen left to refund"]


async def test_of_two_racing_dashboard_refunds_that_together_pass_what_is_left_one_applies_and_one_fails(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a member who paid 50 yuan by WeChat Pay, 20 of which were refunded in WeChat Pay's dashboard
    _, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    await deliver(client, paid_notification(payments_sandbox, out_trade_no))
    await all_handled(mongo)
    await deliver(client, dashboard_refund(payments_sandbox, out_trade_no, 1, 2_000))
    await all_handled(mongo)

    # when two more refunds of 20 yuan each are notified at the same moment, 10 yuan more than is left
    answers = await asyncio.gather(
        *(deliver(client, dashboard_refund(payments_sandbox, out_trade_no, n, 2_000)) for n in (2, 3))
    )
    await all_handled(mongo)

    # then both are acknowledged; one applied and the other is flagged and FAILED with the reason, none PROCESSING
    assert [a.status_code for a in answers] == [204, 204]
    seen = await staff_view(gql, owner_token, order_gid)
    assert (seen["order"]["status"], seen["order"]["refundedFen"]) == ("PARTIALLY_REFUNDED", 4_000)
    assert [f["code"] for f in seen["order"]["flags"]] == ["REFUND_MISMATCH"]
    assert sorted(r["status"] for r in seen["refunds"]) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert await failure_reasons(mongo) == ["2000 fen is more than the 1000 fen left to refund"]
