"""From the till to the shareholder's phone, through the real worker over the real Redis: a member's WeChat Pay
payment (notified by the sandbox to our webhook) accrues commissions to two uplines and the staff member who signed
the member up, on the money actually paid, and tells the shareholders; a partial refund shrinks every commission in
proportion and tells the member of their points; a walk-in's cash sale and refund go through without a retry.
"""

import logging
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.notifications.topics import Topic, local_time
from domain.pii import PiiCipher
from domain.tenancy import Role
from payments.sandbox import Provider
from schema.ids import from_global_id
from startup.settings import Settings
from tests.checkout.conftest import (
    PaymentsSandbox,
    all_handled,
    card,
    cashier,
    give,
    member_pay,
    open_payment,
    order_doc,
    refund,
    scan_order,
    staff_pay,
)
from tests.checkout.test_counter import counter_order
from tests.checkout.test_refunds import refund_notified
from tests.commissions.conftest import account, open_program
from tests.conftest import Channels, Gql, Shop
from tests.coupons.conftest import Customer, claimed_coupon, new_template, store_gid
from tests.notifications.test_announcements import messages
from tests.notifications.test_inbox import INBOX
from tests.pipeline.conftest import Network, network, openid, work_through
from tests.referrals.conftest import Person
from tests.workers.conftest import TEMPLATES, grant

# 198.77 yuan by scan, 满100减20 off (178.77), 1000 points paying 10.00: 168.77 yuan paid with WeChat Pay.
LIST_FEN = 19_877
PAID_FEN = 16_877
# Loggers of our own code (modules under these packages, and the jike.* ones) and the worker's own.
OUR_LOGGERS = {"api", "channels", "db", "domain", "jike", "payments", "schema", "startup", "workers", "arq"}


async def pays_with_coupon_and_points(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, world: PaymentsSandbox, payer: Customer
) -> dict[str, Any]:
    """The payer claims a 满100减20 coupon, holds 1000 points, orders 198.77 yuan by scan using both, and pays the
    rest with WeChat Pay; the sandbox notifies our webhook. Returns the order as createOrder answered it."""
    coupon = await claimed_coupon(gql, payer, await new_template(gql, owner_token))
    await give(mongo, shop, payer, points=1_000)
    order = await scan_order(gql, payer, store_gid(shop), LIST_FEN, couponId=coupon, usePoints=True)
    paying = await member_pay(gql, payer, order["id"], "WECHAT_PAY")
    assert paying["userErrors"] == [], paying
    delivery = await world.sandbox.pay(Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"])
    assert delivery is not None and delivery.status == 204
    await all_handled(mongo)
    return order


async def commissions(mongo: Mongo, order_gid: str) -> list[tuple[ObjectId, int, int, int, int, int, str]]:
    """(beneficiary, level, rate, base, amount, reversed, status), the staff member's (level 0) first."""
    docs = await mongo.db[c.COMMISSIONS].find({"order_id": from_global_id("Order", order_gid)}).to_list()
    fields = ("beneficiary_id", "level", "rate_bp", "base_fen", "amount_fen", "reversed_fen", "status")
    return sorted(tuple(d[f] for f in fields) for d in docs)


async def inbox(gql: Gql, who: Person | Customer) -> list[tuple[str, str]]:
    """(topic, text) of the member's inbox in the mini-program, newest first."""
    body = await gql("member", INBOX, {"first": 20}, token=who.token)
    return [(e["node"]["topic"], e["node"]["body"]) for e in body["data"]["inbox"]["edges"]]


async def accrued_at(mongo: Mongo, beneficiary_id: ObjectId) -> str:
    """When the beneficiary's COMMISSION_ACCRUED was written, as the message shows it (the store's time)."""
    entry = await mongo.db[c.OUTBOX].find_one({"kind": "COMMISSION_ACCRUED", "payload.beneficiary_id": beneficiary_id})
    assert entry is not None
    return local_time(entry["created_at"], "Asia/Shanghai")


async def test_a_members_payment_pays_two_uplines_and_the_staff_member_and_tells_the_shareholder(
    gql: Gql,
    settings: Settings,
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    owner_token: str,
    payments_sandbox: PaymentsSandbox,
    channels: Channels,
) -> None:
    # given shareholders A and B (A's friend), B's friend C whom technician S signed up, A and B allowing 分红到账
    net: Network = await network(mongo, pii, shop)

    # when C pays 198.77 yuan by scan with a 满100减20 coupon and 1000 points, the rest with WeChat Pay (the sandbox
    # notifies our webhook), and the worker runs
    order = await pays_with_coupon_and_points(gql, mongo, shop, owner_token, payments_sandbox, net.c)
    await work_through(settings, mongo)

    # then 168.77 yuan was paid after the coupon and points
    assert order["price"] == {
        "listFen": 19_877,
        "levelDiscountFen": 0,
        "couponDiscountFen": 2_000,
        "payableFen": 17_877,
        "pointsUsed": 1_000,
        "pointsFen": 1_000,
        "dueFen": 16_877,
    }
    # and on it S earned 3% (5.06), B 10% at level 1 (16.87), A 5% at level 2 (8.43), rounded down to the fen, frozen
    assert await commissions(mongo, order["id"]) == sorted(
        [
            (net.s.staff.id, 0, 300, PAID_FEN, 506, 0, "PENDING"),
            (net.b.id, 1, 1_000, PAID_FEN, 1_687, 0, "PENDING"),
            (net.a.id, 2, 500, PAID_FEN, 843, 0, "PENDING"),
        ]
    )
    assert [(await account(mongo, x))["pending_fen"] for x in (net.s.staff.id, net.b.id, net.a.id)] == [506, 1_687, 843]
    # and B and A each have it in their inbox and got a 分红到账 message naming the amount and C; S is told nothing
    assert await inbox(gql, net.b) == [("COMMISSION_ACCRUED", "小明0消费，您获得分红 16.87元")]
    assert await inbox(gql, net.a) == [("COMMISSION_ACCRUED", "小明0消费，您获得分红 8.43元")]
    for who, amount in ((net.b, "16.87元"), (net.a, "8.43元")):
        fields = {"amount1": amount, "thing2": "小明0", "time3": await accrued_at(mongo, who.id)}
        assert messages(channels, await openid(mongo, who.id)) == [(TEMPLATES["COMMISSION_ACCRUED"], fields)]
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"topic": "COMMISSION_ACCRUED"}) == 2


async def test_a_partial_refund_reverses_commissions_in_proportion_and_tells_the_member_of_their_points(
    gql: Gql,
    settings: Settings,
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    owner_token: str,
    payments_sandbox: PaymentsSandbox,
    channels: Channels,
) -> None:
    # given C's 168.77 yuan WeChat Pay order of the test above, its commissions accrued by the worker (S 5.06,
    # B 16.87, A 8.43), 168 points earned on it, and C allowing two 积分变动 messages from now on
    net: Network = await network(mongo, pii, shop)
    order = await pays_with_coupon_and_points(gql, mongo, shop, owner_token, payments_sandbox, net.c)
    await work_through(settings, mongo)
    assert (await card(mongo, net.c))["points"] == 168
    await grant(mongo, shop.merchant.merchant.id, net.c.id, Topic.POINTS_CHANGED, times=2)
    manager = await cashier(mongo, pii, shop, Role.MANAGER, phone="13700000003")

    # when the manager refunds 50.00 yuan of it, WeChat Pay notifies the refund, and the worker runs
    refunded = await refund(gql, manager.token, order["id"], 5_000)
    assert (refunded["userErrors"], refunded["refund"]["status"]) == ([], "PROCESSING")
    assert await refund_notified(payments_sandbox, mongo, refunded["refund"]["id"]) == 204
    await work_through(settings, mongo)

    # then the order kept 118.77 of its 168.77 yuan, and each commission shrank to that share, rounded down:
    # S 3.56 (1.50 off), B 11.87 (5.00 off), A 5.93 (2.50 off), still frozen
    doc = await order_doc(mongo, order["id"])
    assert (doc["status"], doc["refunded_fen"]) == ("PARTIALLY_REFUNDED", 5_000)
    assert await commissions(mongo, order["id"]) == sorted(
        [
            (net.s.staff.id, 0, 300, PAID_FEN, 506, 150, "PENDING"),
            (net.b.id, 1, 1_000, PAID_FEN, 1_687, 500, "PENDING"),
            (net.a.id, 2, 500, PAID_FEN, 843, 250, "PENDING"),
        ]
    )
    assert [(await account(mongo, x))["pending_fen"] for x in (net.s.staff.id, net.b.id, net.a.id)] == [356, 1_187, 593]
    # and C gave back 49 of the 168 points earned and got 296 of the 1000 redeemed back: 415 now
    assert (await card(mongo, net.c))["points"] == 415
    # and C was told of both changes, in the inbox and by WeChat (in whatever order the worker sent them)
    newest = await inbox(gql, net.c)
    assert sorted(newest[:2]) == [
        ("POINTS_CHANGED", "订单退款：+296，当前积分 415"),
        ("POINTS_CHANGED", "订单退款：-49，当前积分 119"),
    ]
    sent = messages(channels, await openid(mongo, net.c.id))
    assert sorted((t, d["character_string1"], d["number2"], d["thing3"]) for t, d in sent) == [
        (TEMPLATES["POINTS_CHANGED"], "+296", "415", "订单退款"),
        (TEMPLATES["POINTS_CHANGED"], "-49", "119", "订单退款"),
    ]


async def test_a_walk_in_cash_sale_and_its_refund_leave_no_dead_letters_retries_or_commissions(
    gql: Gql, settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    # given a shareholder program paying uplines and staff, a cashier and a manager
    await open_program(mongo, shop)
    till = await cashier(mongo, pii, shop)
    manager = await cashier(mongo, pii, shop, Role.MANAGER, phone="13700000003")

    # when a walk-in (no member) pays 88.00 yuan in cash at the counter, the manager refunds all of it, and the
    # worker runs
    order_gid = await counter_order(gql, till, shop, 8_800, None)
    paid = await staff_pay(gql, till, order_gid, "CASH")
    refunded = await refund(gql, manager.token, order_gid, 8_800)
    await work_through(settings, mongo)

    # then the sale and its refund went through, and each event was handled at the first attempt
    assert (paid["userErrors"], paid["order"]["status"]) == ([], "PAID")
    assert (refunded["userErrors"], refunded["order"]["status"], refunded["refund"]["status"]) == (
        [],
        "REFUNDED",
        "SUCCEEDED",
    )
    entries = await mongo.db[c.OUTBOX].find({}).sort("_id", 1).to_list()
    assert [(e["kind"], e["status"], e["attempts"]) for e in entries] == [
        ("ORDER_PAID", "DONE", 1),
        ("ORDER_REFUNDED", "DONE", 1),
    ]
    # and nothing was dead-lettered, nobody earned anything, and nothing of ours logged an error
    assert await mongo.db[c.DEAD_LETTERS].count_documents({}) == 0
    assert await mongo.db[c.COMMISSIONS].count_documents({}) == 0
    assert await mongo.db[c.COMMISSION_ORDERS].count_documents({}) == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.split(".")[0] in OUR_LOGGERS]
    assert errors == []
