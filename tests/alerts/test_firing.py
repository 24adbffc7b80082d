"""Each rule the cron evaluates fires with its exact figures and message when past its threshold and not below
it, once per rule, subject and period however often or concurrently it runs, and never while switched off.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.alerts.rules import AlertKind, AlertRule, set_rules
from domain.commissions.accrual import on_order_paid
from domain.orders.model import FlagKind, flag_order
from schema.ids import to_global_id
from tests.alerts.conftest import alerts_of, dead_letter, evaluate, owner, shop_zone, switch_on
from tests.checkout.conftest import counter_sale
from tests.commissions.conftest import appoint, open_program, paid
from tests.conftest import Gql, Shop
from tests.referrals.conftest import chain_of


@pytest.mark.dead_letters
async def test_dead_letters_waiting_fire_once_a_day_from_the_count_however_many_evaluations_race(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given dead letters watched from 2 on, and one waiting
    await switch_on(mongo, shop, AlertKind.DEAD_LETTERS, count=2)
    await dead_letter(mongo, shop)

    # when the cron looks; then nothing fires below the count
    assert await evaluate(mongo) == 0

    # when a second dies and two evaluations race, and a third runs later
    await dead_letter(mongo, shop)
    raced = await asyncio.gather(evaluate(mongo), evaluate(mongo))
    assert sorted(raced) == [0, 1] and await evaluate(mongo) == 0

    # then one alert, merchant-wide, for today, with its figures, in Chinese or English, linking to the list
    token = owner(shop).token
    (zh,), unread = await alerts_of(gql, token)
    (en,), _ = await alerts_of(gql, token, lang="en")
    today = datetime.now(UTC).astimezone(shop_zone(shop)).date().isoformat()
    assert zh == {
        "kind": "DEAD_LETTERS",
        "store": None,
        "period": today,
        "read": False,
        "message": "2 个失败任务待处理（阈值 2 个）",
        "link": "/dead-letters",
        "figures": [
            {"name": "deadLetters", "value": 2, "unit": "COUNT"},
            {"name": "threshold", "value": 2, "unit": "COUNT"},
        ],
    }
    assert en["message"] == "2 dead letters are waiting (threshold 2)"
    assert unread == 1


async def test_a_payment_flagged_by_a_provider_fires_one_alert_per_flag_linking_to_its_order(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given an order whose payment was flagged before the rule was switched on
    store = shop.merchant.store.id
    early = await counter_sale(mongo, shop, store, 10_000)
    await flag_order(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        order_id=early,
        code=FlagKind.AMOUNT_MISMATCH,
        detail="x",
        key="amount:early",
    )
    await switch_on(mongo, shop, AlertKind.PAYMENT_FLAGGED)

    # when a 123.45 yuan order's payment is flagged by WeChat Pay's notification (and a coupon it could not use
    # up, which is no provider's word), and the cron looks twice
    order = await counter_sale(mongo, shop, store, 12_345)
    await flag_order(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        order_id=order,
        code=FlagKind.AMOUNT_MISMATCH,
        detail="x",
        key="amount:1",
    )
    await flag_order(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        order_id=order,
        code=FlagKind.COUPON_NOT_CONSUMED,
        detail="x",
        key="coupon:1",
    )
    fired = [await evaluate(mongo), await evaluate(mongo)]

    # then one alert, at the order's store, naming the flag and the amount, linking to the order
    (alert,), _ = await alerts_of(gql, owner(shop).token)
    assert fired == [1, 0]
    assert alert["store"] == {"name": "甲店一号店"}
    assert alert["period"] == "amount:1"
    assert alert["message"] == "甲店一号店：订单 123.45 元的支付异常：金额不符"
    assert alert["link"] == f"/orders/{to_global_id('Order', order)}"
    assert alert["figures"] == [{"name": "orderFen", "value": 12_345, "unit": "FEN"}]

    # and a later flag on the same order is news of its own
    await flag_order(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        order_id=order,
        code=FlagKind.DUPLICATE_PAYMENT,
        detail="x",
        key="duplicate:1",
    )
    assert await evaluate(mongo) == 1
    (newest, _), _ = await alerts_of(gql, owner(shop).token, lang="en")
    assert newest["message"] == "甲店一号店: a payment was flagged (duplicate payment) on an order of ¥123.45"


async def test_a_shareholders_commissions_far_above_their_usual_fire_once_that_week(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given two shareholders earning 10% of their friends' spend, who each earned 10 yuan three weeks ago
    zone = shop_zone(shop)
    wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=zone)
    big, big_friend = await chain_of(mongo, shop, 2, "big")
    calm, calm_friend = await chain_of(mongo, shop, 2, "calm")
    await appoint(mongo, shop, await open_program(mongo, shop), big.id, calm.id)
    for friend in (big_friend, calm_friend):
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 10_000, at=wednesday - timedelta(weeks=3)))
    # and this week (since Monday) one earned 3 yuan, 240% of their weekly 1.25 yuan, the other 2 yuan (160%)
    await on_order_paid(mongo=mongo, event=paid(shop, big_friend.id, 3_000, at=wednesday - timedelta(days=2)))
    await on_order_paid(mongo=mongo, event=paid(shop, calm_friend.id, 2_000, at=wednesday - timedelta(hours=1)))
    # and a commission a week older than the eight weeks, which is not their usual any more
    await on_order_paid(mongo=mongo, event=paid(shop, calm_friend.id, 900_000, at=wednesday - timedelta(weeks=9)))

    # when commissions above 200% of the usual, from 1 yuan, are watched, and the cron looks twice that week
    await switch_on(mongo, shop, AlertKind.COMMISSION_SPIKE, percent=200, amount_fen=100)
    fired = [await evaluate(mongo, wednesday), await evaluate(mongo, wednesday + timedelta(days=1))]

    # then the first shareholder alone is named, once, for the ISO week, with their figures
    (alert,), _ = await alerts_of(gql, owner(shop).token)
    assert fired == [1, 0]
    assert alert["period"] == "2026-W48" and alert["store"] is None and alert["link"] == "/shareholders"
    assert alert["message"] == "股东big0本周分红 3.00 元，为近 8 周周均 1.25 元的 240%（阈值 200%）"
    assert alert["figures"] == [
        {"name": "weekFen", "value": 300, "unit": "FEN"},
        {"name": "averageFen", "value": 125, "unit": "FEN"},
        {"name": "percentOfAverage", "value": 240, "unit": "PERCENT"},
        {"name": "thresholdPercent", "value": 200, "unit": "PERCENT"},
    ]


@pytest.mark.dead_letters
async def test_a_rule_switched_off_never_fires(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given dead letters watched from 1 on, then switched off; and one waiting
    await switch_on(mongo, shop, AlertKind.DEAD_LETTERS, count=1)
    off = AlertRule(AlertKind.DEAD_LETTERS, enabled=False, count=1)
    await set_rules(mongo=mongo, actor=shop.merchant.owner, rules=[off], now=datetime.now(UTC))
    await dead_letter(mongo, shop)

    # when the cron looks
    fired = await evaluate(mongo)

    # then nothing fired
    assert fired == 0 and await mongo.db[c.ALERTS].count_documents({}) == 0
    assert await mongo.db[c.ALERTS].count_documents({"merchant_id": ObjectId()}) == 0
