"""What a WeChat Pay notification costs the database: the number of MongoDB commands one pay notification sends,
for a member order that uses both a coupon and points, is a tested number, so waste added to the path shows up.
"""

import asyncio

import httpx

from db import collections as c
from db.mongo import Mongo
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
from tests.checkout.test_wechatpay_webhook import deliver, paid_notification
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import claimed_coupon, new_template, oid, store_gid


async def test_a_pay_notification_for_an_order_with_a_coupon_and_points_costs_a_fixed_number_of_commands(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    owner_token: str,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
) -> None:
    # given a member with 1000 points and a 满100减20 coupon, whose 150 yuan order uses both (120 yuan left to pay)
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=1_000)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    order = await scan_order(gql, member, store_gid(shop), 15_000, couponId=coupon, usePoints=True)
    assert (order["price"]["pointsUsed"], order["price"]["dueFen"]) == (1_000, 12_000)
    # and they chose WeChat Pay and paid in WeChat
    assert (await member_pay(gql, member, order["id"], "WECHAT_PAY"))["userErrors"] == []
    signed = paid_notification(payments_sandbox, (await open_payment(mongo, order["id"]))["out_trade_no"])

    # when WeChat Pay's notification arrives at our webhook, and is applied behind the answer (waited for through a
    # change stream on the whole deployment, whose commands go to the admin database and are not counted)
    applied = [{"$match": {"ns.coll": c.PAYMENT_NOTIFICATIONS, "fullDocument.status": "APPLIED"}}]
    async with await mongo.client.watch(applied, full_document="updateLookup") as changes:
        with count_commands(mongo) as commands:
            answer = await deliver(client, signed)
            await asyncio.wait_for(changes.next(), 10)

    # then it was applied in full: the order paid, the coupon used up, the points spent and 120 earned
    assert answer.status_code == 204
    paid = await order_doc(mongo, order["id"])
    assert paid["status"] == "PAID"
    assert (paid["effects"]["points_redeemed"], paid["effects"]["points_earned"]) == (1_000, 120)
    assert (await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)}) or {})["status"] == "REDEEMED"
    held = await card(mongo, member)
    assert (held["points"], held["lifetime_paid_fen"]) == (120, 12_000)
    # and it took 25 commands (commitTransaction goes to the admin database and is not counted):
    #   the notification kept, before the answer (an upsert: update); behind it, the payment read (find);
    #   in the transaction: the payment succeeded, the order paid (2 findAndModify);
    #   the coupon read, used up, its template read, its funnel event (find, findAndModify, find, insert);
    #   points redeemed: the key read, the program read, the card debited, the entry, POINTS_CHANGED,
    #   BALANCE_CHANGED for the reports' running totals (find, find, findAndModify, insert, insert, insert); points
    #   earned: the key read, the card read, the program read, the card credited with its lifetime spending, the
    #   entry, POINTS_CHANGED, BALANCE_CHANGED (find, find, find, findAndModify, insert, insert, insert); the
    #   order's effects (findAndModify), ORDER_PAID (insert);
    #   after it: refunds parked for this payment looked up (find), the notification marked applied (update)
    assert len(commands) == 25, commands
