"""The active query and coupons: a coupon is locked while its order's payment is open and freed when the payment
closes unpaid; a payment whose notification never came is found paid by asking the provider; an unpaid order
with nothing open closes after its time.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from db import collections as c
from db.mongo import Mongo
from domain.checkout.providers import Providers
from domain.checkout.reconcile import reconcile_pending
from startup.clients import payment_providers
from startup.settings import Settings
from tests.checkout.conftest import (
    PaymentsSandbox,
    card,
    give,
    member_pay,
    open_payment,
    order_doc,
    scan_order,
    shopper,
)
from tests.conftest import Gql, Shop
from tests.coupons.conftest import claimed_coupon, new_template, oid, store_gid


@pytest.fixture
async def providers(settings: Settings) -> AsyncIterator[Providers]:
    async with httpx.AsyncClient(timeout=5) as http:
        yield payment_providers(settings, http)


async def coupon_doc(mongo: Mongo, coupon_gid: str) -> dict[str, object]:
    doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon_gid)})
    assert doc is not None
    return doc


async def test_a_coupon_is_locked_while_the_payment_is_open_and_freed_when_it_closes(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, providers: Providers
) -> None:
    # given a member with a 满100减20 coupon on a 120 yuan order, paying with WeChat Pay
    member = await shopper(mongo, shop)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    order = await scan_order(gql, member, store_gid(shop), 12_000, couponId=coupon)
    assert order["price"]["dueFen"] == 10_000
    await member_pay(gql, member, order["id"], "WECHAT_PAY")
    locked = await coupon_doc(mongo, coupon)

    # when the member never pays and the active query runs after the payment window
    report = await reconcile_pending(mongo=mongo, providers=providers, now=datetime.now(UTC) + timedelta(minutes=16))

    # then the coupon was held for the order while open, and is free again once the payment closed
    assert locked["lock"] is not None
    assert (report.checked, report.closed) == (1, 1)
    assert (await open_payment(mongo, order["id"]))["status"] == "CLOSED"
    assert (await coupon_doc(mongo, coupon))["lock"] is None
    # and the member can pay the same order another way, using the coupon after all
    await give(mongo, shop, member, stored=(10_000, 0))
    paid = await member_pay(gql, member, order["id"], "STORED_VALUE")
    assert (paid["userErrors"], paid["order"]["status"]) == ([], "PAID")
    assert (await coupon_doc(mongo, coupon))["status"] == "REDEEMED"


async def test_a_payment_whose_notification_was_lost_is_found_by_the_active_query(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, payments_sandbox: PaymentsSandbox, providers: Providers
) -> None:
    # given a member who paid with a coupon, but whose notification never reached us
    member = await shopper(mongo, shop)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    order = await scan_order(gql, member, store_gid(shop), 15_000, couponId=coupon)
    await member_pay(gql, member, order["id"], "WECHAT_PAY")
    out_trade_no = (await open_payment(mongo, order["id"]))["out_trade_no"]
    payments_sandbox.sandbox.wechatpay.mark_paid(out_trade_no, datetime.now(UTC))

    # when the active query runs for payments open a while
    report = await reconcile_pending(mongo=mongo, providers=providers, older_than=timedelta(0))
    again = await reconcile_pending(mongo=mongo, providers=providers, older_than=timedelta(0))

    # then the order is paid through the same path as a webhook: coupon used up, points earned; a second sweep
    # finds nothing left to do
    assert (report.checked, report.paid, again.checked) == (1, 1, 0)
    payment = await open_payment(mongo, order["id"])
    assert (payment["status"], payment["settled_by"]) == ("SUCCEEDED", "QUERY")
    assert (await order_doc(mongo, order["id"]))["status"] == "PAID"
    assert (await coupon_doc(mongo, coupon))["status"] == "REDEEMED"
    assert (await card(mongo, member))["points"] == 130


async def test_an_unpaid_order_with_nothing_open_closes_after_its_time(
    gql: Gql, mongo: Mongo, shop: Shop, providers: Providers
) -> None:
    # given an order the member never paid
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), 1_000)

    # when the active query runs now, and again three hours later
    early = await reconcile_pending(mongo=mongo, providers=providers)
    late = await reconcile_pending(mongo=mongo, providers=providers, now=datetime.now(UTC) + timedelta(hours=3))

    # then it stays pending at first and is closed later; paying it then is refused
    assert (early.orders_closed, late.orders_closed) == (0, 1)
    assert (await order_doc(mongo, order["id"]))["status"] == "CLOSED"
    refused = await member_pay(gql, member, order["id"], "WECHAT_PAY")
    assert [e["code"] for e in refused["userErrors"]] == ["ORDER_CLOSED"]


async def test_switching_methods_while_a_payment_is_open_is_refused(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member with stored value whose WeChat Pay payment is still open
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(5_000, 0))
    order = await scan_order(gql, member, store_gid(shop), 2_000)
    await member_pay(gql, member, order["id"], "WECHAT_PAY")

    # when they also try to pay from stored value
    second = await member_pay(gql, member, order["id"], "STORED_VALUE")

    # then it is refused, so the order cannot be paid twice, and the stored value is untouched
    assert [e["code"] for e in second["userErrors"]] == ["PAYMENT_IN_PROGRESS"]
    assert (await card(mongo, member))["stored_paid"] == 5_000
