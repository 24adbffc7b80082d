"""Alipay end to end: `my.tradePay` through the sandbox, whose RSA2-signed form notifications reach our real
webhook. `success` only once the notification is durably kept, the payment applied behind the answer; forgeries
and mismatches change nothing.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from db import collections as c
from db.mongo import Mongo
from payments.sandbox import Provider
from payments.sandbox.alipay import notification
from payments.sandbox.keys import new_rsa_key
from schema.ids import from_global_id
from tests.checkout.conftest import (
    PaymentsSandbox,
    all_handled,
    balances_and_statuses,
    card,
    flags,
    handled,
    held,
    member_pay,
    open_payment,
    order_doc,
    order_turns,
    outbox,
    refund,
    scan_order,
    shopper,
)
from tests.conftest import Gql, Shop, staff_token
from tests.coupons.conftest import Customer, store_gid


async def alipay_order(gql: Gql, mongo: Mongo, shop: Shop, amount_fen: int) -> tuple[Customer, str, str]:
    """An Alipay member with an order whose Alipay trade is open: (member, order id, out_trade_no)."""
    member = await shopper(mongo, shop, channel="ALIPAY")
    order = await scan_order(gql, member, store_gid(shop), amount_fen)
    paying = await member_pay(gql, member, order["id"], "ALIPAY")
    assert paying["userErrors"] == [] and paying["alipayTradeNo"], paying
    return member, order["id"], (await open_payment(mongo, order["id"]))["out_trade_no"]


def paid_form(world: PaymentsSandbox, out_trade_no: str, /, **changes: str) -> dict[str, str]:
    """Alipay's payment notification once the member has paid in the sandbox, re-signed with any changes."""
    world.sandbox.alipay.mark_paid(out_trade_no, datetime.now(UTC))
    form = world.sandbox.alipay.payment_notification(out_trade_no, datetime.now(UTC))
    if not changes:
        return form
    fields = {k: v for k, v in form.items() if k not in ("sign", "sign_type")} | changes
    return notification(world.keys, fields, datetime.now(UTC))


async def deliver(client: httpx.AsyncClient, form: dict[str, str]) -> str:
    answer = await client.post("/webhooks/alipay", data=form)
    return answer.text


async def test_member_pays_with_alipay_and_the_notification_pays_the_order(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given an Alipay member with a 66.60 yuan trade open
    member, order_gid, out_trade_no = await alipay_order(gql, mongo, shop, 6_660)

    # when they pay in my.tradePay and Alipay notifies us
    delivery = await payments_sandbox.sandbox.pay(Provider.ALIPAY, out_trade_no)

    # then we answered `success`, the order is paid and the points are earned
    assert delivery is not None and delivery.answer == "success"
    await order_turns(mongo, order_gid, "PAID")
    assert (await card(mongo, member))["points"] == 66
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


def _changed_param(world: PaymentsSandbox, out_trade_no: str) -> dict[str, str]:
    return paid_form(world, out_trade_no) | {"buyer_open_id": "someone-else"}


def _wrong_key(world: PaymentsSandbox, out_trade_no: str) -> dict[str, str]:
    form = paid_form(world, out_trade_no)
    impostor = replace(world.keys, alipay_platform_key=new_rsa_key())
    return notification(impostor, {k: v for k, v in form.items() if k not in ("sign", "sign_type")}, datetime.now(UTC))


def _wrong_amount(world: PaymentsSandbox, out_trade_no: str) -> dict[str, str]:
    return paid_form(world, out_trade_no, total_amount="0.01")


def _wrong_app(world: PaymentsSandbox, out_trade_no: str) -> dict[str, str]:
    return paid_form(world, out_trade_no, app_id="2021009999999999")


@pytest.mark.parametrize(
    ("forge", "answer", "flag"),
    [
        (_changed_param, "fail", None),
        (_wrong_key, "fail", None),
        (_wrong_amount, "success", "AMOUNT_MISMATCH"),
        (_wrong_app, "success", "MERCHANT_MISMATCH"),
    ],
    ids=["changed-param", "wrong-key", "wrong-amount", "wrong-app-id"],
)
async def test_an_alipay_notification_that_is_not_genuine_or_not_ours_changes_nothing(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
    forge: Any,
    answer: str,
    flag: str | None,
) -> None:
    # given an open Alipay trade
    _, order_gid, out_trade_no = await alipay_order(gql, mongo, shop, 2_000)
    before = await balances_and_statuses(mongo)

    # when a forged, re-signed or mismatched notification arrives
    form = forge(payments_sandbox, out_trade_no)
    said = await deliver(client, form)
    if said == "success":
        await handled(mongo, form["notify_id"])

    # then nothing changed but a flag for staff on a genuine mismatch
    assert await balances_and_statuses(mongo) == before
    assert said == answer
    assert await flags(mongo, order_gid) == ([flag] if flag else [])


async def test_alipay_duplicates_and_the_later_trade_finished_apply_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a paid trade's notification, and the TRADE_FINISHED Alipay sends months later under a new notify_id
    member, order_gid, out_trade_no = await alipay_order(gql, mongo, shop, 3_000)
    paid = paid_form(payments_sandbox, out_trade_no)
    finished = paid_form(payments_sandbox, out_trade_no, trade_status="TRADE_FINISHED", notify_id="finished-1")

    # when the first arrives five times at once, then the other
    answers = await asyncio.gather(*(deliver(client, paid) for _ in range(5)))
    answers.append(await deliver(client, finished))

    # then all get `success` and the payment applied once
    assert answers == ["success"] * 6
    for form in (paid, finished):
        await handled(mongo, form["notify_id"])
    assert (await card(mongo, member))["points"] == 30
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"


async def test_an_alipay_refund_completes_at_once_and_its_notification_changes_nothing_more(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who paid 100 yuan with Alipay and earned 100 points
    member, order_gid, out_trade_no = await alipay_order(gql, mongo, shop, 10_000)
    await payments_sandbox.sandbox.pay(Provider.ALIPAY, out_trade_no)
    await order_turns(mongo, order_gid, "PAID")
    owner = await staff_token(gql, shop.owner_phone)

    # when the owner refunds 40 yuan (Alipay refunds synchronously, then notifies)
    refunded = await refund(gql, owner, order_gid, 4_000)
    out_request_no = str(from_global_id("Refund", refunded["refund"]["id"]))
    delivery = await payments_sandbox.sandbox.deliveries.wait_for(out_request_no)

    # then the refund succeeded at once, the notification was acknowledged, and 40 points were taken back once
    assert refunded["userErrors"] == [] and refunded["refund"]["status"] == "SUCCEEDED"
    assert delivery.answer == "success"
    assert (await order_doc(mongo, order_gid))["status"] == "PARTIALLY_REFUNDED"
    assert (await card(mongo, member))["points"] == 60
    assert len(await outbox(mongo, "ORDER_REFUNDED")) == 1
    await all_handled(mongo)
    assert await mongo.db[c.PAYMENT_NOTIFICATIONS].count_documents({"kind": "REFUND", "status": "APPLIED"}) == 1


async def test_alipay_is_answered_success_once_the_notification_is_kept_and_the_order_is_paid_behind_it(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, client: httpx.AsyncClient
) -> None:
    # given a paid trade's notification, and the order held by a slow transaction so it cannot be paid for now
    member, order_gid, out_trade_no = await alipay_order(gql, mongo, shop, 3_000)
    form = paid_form(payments_sandbox, out_trade_no)
    async with held(mongo, order_gid):
        # when Alipay notifies us
        said = await deliver(client, form)

        # then it gets `success` while the payment still waits: the notification kept, the order not yet paid
        assert said == "success"
        [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
        assert (stored["status"], (await order_doc(mongo, order_gid))["status"]) == ("RECEIVED", "PENDING")

    # and once the order is free, the payment is applied behind the answer, once
    await handled(mongo, form["notify_id"])
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert (await card(mongo, member))["points"] == 30
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
