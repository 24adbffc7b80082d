"""A campaign's effect, exact for a fixed world: who was touched in each group, what reached them, what they
opened and redeemed, and what they paid inside their window net of refunds; the uplift with its 95% intervals
checked against the hand computation; every handler run twice changes nothing; and reading the effect costs the
same for 100 touches as for 10,000."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.events import CouponRedeemed, OrderPaid, OrderRefunded
from domain.marketing import effect, touches
from domain.marketing.effect import GroupFigures
from domain.marketing.touches import Group, Touch, TouchSource
from domain.notifications import inbox
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import Customer, claimed_coupon, make_members, new_template, oid, store_gid

CODE = "query($id: ID!) { coupon(id: $id) { redeemCode { code } } }"
REDEEM = """
mutation($input: RedeemCouponInput!) {
  redeemCoupon(input: $input) { coupon { status } userErrors { code } }
}
"""
WINDOW_DAYS = 14


async def _notification(mongo: Mongo, merchant_id: ObjectId, member: Customer, wechat: str) -> ObjectId:
    """A campaign's inbox message to the member, its WeChat push in the given state."""
    doc: Doc = {
        "merchant_id": merchant_id,
        "member_id": member.id,
        "dedupe_key": f"campaign-test:{ObjectId()}",
        "topic": "COUPON_RECEIVED",
        "title": "回店礼",
        "body": "送您一张券",
        "page": "",
        "fields": {},
        "created_at": datetime.now(UTC),
        "read_at": None,
        "wechat": {"status": wechat},
        "sms": {"status": "SKIPPED"},
    }
    return (await mongo.db[c.NOTIFICATIONS].insert_one(doc)).inserted_id  # type: ignore[no-any-return]


def _paid(shop: Shop, member: Customer, at: datetime, fen: int) -> OrderPaid:
    return OrderPaid(
        order_id=ObjectId(),
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        store_id=shop.merchant.store.id,
        paid_at=at,
        consumption_paid_fen=fen,
    )


async def _redeem(gql: Gql, owner_token: str, shop: Shop, member: Customer, coupon_gid: str) -> None:
    body = await gql("member", CODE, {"id": coupon_gid}, token=member.token)
    code = body["data"]["coupon"]["redeemCode"]["code"]
    variables = {"input": {"code": code, "storeId": store_gid(shop), "idempotencyKey": str(ObjectId())}}
    body = await gql("admin", REDEEM, variables, token=owner_token)
    assert body["data"]["redeemCoupon"]["userErrors"] == [], body


async def test_effect_figures_and_uplift_are_exact_for_a_fixed_world(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given four members in the treatment group and two in the control group of a campaign sent yesterday
    merchant_id, campaign = shop.merchant.merchant.id, ObjectId()
    t1, t2, t3, t4, k1, k2 = await make_members(mongo, shop, 6)
    at = datetime.now(UTC) - timedelta(days=1)
    template = await new_template(gql, owner_token)
    coupon_gid = await claimed_coupon(gql, t1, template)
    # t1's push was delivered before the touch was recorded; the others' were still on their way
    n1 = await _notification(mongo, merchant_id, t1, "SENT")
    n2, n3, n4 = [await _notification(mongo, merchant_id, m, "PENDING") for m in (t2, t3, t4)]
    given = [
        Touch(t1.id, Group.TREATMENT, oid("Coupon", coupon_gid), n1),
        Touch(t2.id, Group.TREATMENT, None, n2),
        Touch(t3.id, Group.TREATMENT, None, n3),
        Touch(t4.id, Group.TREATMENT, None, n4),
        Touch(k1.id, Group.CONTROL, None, None),
        Touch(k2.id, Group.CONTROL, None, None),
    ]

    async def record() -> int:
        return await touches.record_touches(
            mongo=mongo,
            merchant_id=merchant_id,
            source=TouchSource.CAMPAIGN,
            source_id=campaign,
            touches=given,
            at=at,
            window_days=WINDOW_DAYS,
        )

    assert await record() == 6

    # when: t2's push is delivered, and t2 reads the message in the inbox
    await touches.mark_delivered(mongo=mongo, merchant_id=merchant_id, notification_id=n2)
    await inbox.mark_read(mongo=mongo, merchant_id=merchant_id, member_id=t2.id, notification_ids=[n2])
    # t1 redeems the campaign's coupon in store (its COUPON_REDEEMED handled by the worker's handler)
    await _redeem(gql, owner_token, shop, t1, coupon_gid)
    redeemed = await outbox.recorded(mongo=mongo, dedupe_key=f"coupon_redeemed:{oid('Coupon', coupon_gid)}")
    assert redeemed is not None
    coupon_used = CouponRedeemed.from_payload(redeemed.payload)
    # t1 pays 100.00 in the window and is refunded 30.00 of it; t2 pays 40.00 and 20.00 in the window;
    # t3 paid before the campaign and pays again after the window; k1 (control) pays 30.00 in the window
    t1_order = _paid(shop, t1, at + timedelta(hours=1), 10_000)
    refund = OrderRefunded(
        order_id=t1_order.order_id,
        refund_id="refund-1",
        refunded_fen=3_000,
        order_paid_fen=10_000,
        merchant_id=merchant_id,
        member_id=t1.id,
        order_refunded_total_fen=3_000,
    )
    paid = [
        t1_order,
        _paid(shop, t2, at + timedelta(days=2), 4_000),
        _paid(shop, t2, at + timedelta(days=13), 2_000),
        _paid(shop, t3, at - timedelta(hours=1), 8_000),
        _paid(shop, t3, at + timedelta(days=WINDOW_DAYS, minutes=1), 8_000),
        _paid(shop, k1, at + timedelta(days=3), 3_000),
    ]

    async def handle_everything() -> None:
        for event in paid:
            await effect.on_order_paid(mongo=mongo, event=event)
        await effect.on_order_refunded(mongo=mongo, event=refund)
        await touches.mark_redeemed(mongo=mongo, merchant_id=merchant_id, coupon_id=coupon_used.coupon_id)
        await touches.mark_delivered(mongo=mongo, merchant_id=merchant_id, notification_id=n2)
        await inbox.mark_read(mongo=mongo, merchant_id=merchant_id, member_id=t2.id, notification_ids=[n2])

    await handle_everything()
    first = await effect.effect(mongo=mongo, merchant_id=merchant_id, source=TouchSource.CAMPAIGN, source_id=campaign)

    # then every figure is exact: t1 70.00 net, t2 60.00, t3 nothing inside the window; k1 30.00
    assert first.treatment == GroupFigures(
        members=4, sent=4, delivered=2, opened=1, redeemed=1, paid_members=2, revenue_fen=13_000
    )
    assert first.control == GroupFigures(
        members=2, sent=0, delivered=0, opened=0, redeemed=0, paid_members=1, revenue_fen=3_000
    )
    # and the uplift is the hand computation: paid rates 2/4 and 1/2
    assert first.uplift is not None
    rate_half_width = 1.96 * math.sqrt(0.5 * 0.5 / 4 + 0.5 * 0.5 / 2)
    assert first.uplift.rate_diff == pytest.approx(0.0)
    assert first.uplift.rate_low == pytest.approx(-rate_half_width)
    assert first.uplift.rate_high == pytest.approx(rate_half_width)
    # revenue per member: treatment [7000, 6000, 0, 0] mean 3250, control [3000, 0] mean 1500
    treatment_var = ((7_000 - 3_250) ** 2 + (6_000 - 3_250) ** 2 + 2 * 3_250**2) / 3
    control_var = ((3_000 - 1_500) ** 2 + 1_500**2) / 1
    revenue_half_width = 1.96 * math.sqrt(treatment_var / 4 + control_var / 2)
    assert first.uplift.revenue_per_member_diff_fen == pytest.approx(1_750)
    assert first.uplift.revenue_low_fen == pytest.approx(1_750 - revenue_half_width)
    assert first.uplift.revenue_high_fen == pytest.approx(1_750 + revenue_half_width)

    # when every handler runs again (a redelivery, a retry after a crash), and the touches are recorded again
    await handle_everything()
    assert await record() == 0
    # then nothing changes
    again = await effect.effect(mongo=mongo, merchant_id=merchant_id, source=TouchSource.CAMPAIGN, source_id=campaign)
    assert again == first


async def test_a_member_refunded_all_they_paid_in_the_window_no_longer_counts_as_paying(
    mongo: Mongo, shop: Shop
) -> None:
    # given a campaign that touched alice, who paid 50.00 in its window
    [alice] = await make_members(mongo, shop, 1)
    merchant_id, campaign, at = shop.merchant.merchant.id, ObjectId(), datetime.now(UTC) - timedelta(days=1)
    await touches.record_touches(
        mongo=mongo,
        merchant_id=merchant_id,
        source=TouchSource.CAMPAIGN,
        source_id=campaign,
        touches=[Touch(alice.id, Group.TREATMENT, None, None)],
        at=at,
        window_days=WINDOW_DAYS,
    )
    order = _paid(shop, alice, at + timedelta(hours=1), 5_000)

    def refunded(refund_id: str, fen: int, total: int) -> OrderRefunded:
        return OrderRefunded(
            order_id=order.order_id,
            refund_id=refund_id,
            refunded_fen=fen,
            order_paid_fen=5_000,
            merchant_id=merchant_id,
            member_id=alice.id,
            order_refunded_total_fen=total,
        )

    async def treatment() -> tuple[int, int]:
        found = await effect.effect(
            mongo=mongo, merchant_id=merchant_id, source=TouchSource.CAMPAIGN, source_id=campaign
        )
        return found.treatment.paid_members, found.treatment.revenue_fen

    await effect.on_order_paid(mongo=mongo, event=order)

    # when 20.00 of it is refunded, then she still paid 30.00 net
    await effect.on_order_refunded(mongo=mongo, event=refunded("refund-1", 2_000, 2_000))
    assert await treatment() == (1, 3_000)

    # when the other 30.00 is refunded (and both refunds are delivered again), then she paid nothing
    for _ in range(2):
        await effect.on_order_refunded(mongo=mongo, event=refunded("refund-1", 2_000, 2_000))
        await effect.on_order_refunded(mongo=mongo, event=refunded("refund-2", 3_000, 5_000))
    assert await treatment() == (0, 0)

    # when she pays again inside the window, then she counts again
    await effect.on_order_paid(mongo=mongo, event=_paid(shop, alice, at + timedelta(days=2), 1_000))
    assert await treatment() == (1, 1_000)


async def test_an_empty_control_group_has_no_uplift(mongo: Mongo, shop: Shop) -> None:
    # given a journey that touched one member, with no control group
    [alice] = await make_members(mongo, shop, 1)
    merchant_id, journey = shop.merchant.merchant.id, ObjectId()
    await touches.record_touches(
        mongo=mongo,
        merchant_id=merchant_id,
        source=TouchSource.JOURNEY,
        source_id=journey,
        touches=[Touch(alice.id, Group.TREATMENT, None, None)],
        at=datetime.now(UTC),
        window_days=7,
    )
    # when its effect is read, then the figures are there and the uplift is not
    found = await effect.effect(mongo=mongo, merchant_id=merchant_id, source=TouchSource.JOURNEY, source_id=journey)
    assert found.treatment.members == 1 and found.control.members == 0
    assert found.uplift is None


async def _campaign_of(mongo: Mongo, shop: Shop, n: int) -> ObjectId:
    """A campaign that touched `n` members (9 in 10 treated), its touches inserted in bulk."""
    merchant_id, campaign = shop.merchant.merchant.id, ObjectId()
    ids = [ObjectId() for _ in range(n)]
    given = [Touch(m, Group.CONTROL if i % 10 == 0 else Group.TREATMENT, None, None) for i, m in enumerate(ids)]
    recorded = await touches.record_touches(
        mongo=mongo,
        merchant_id=merchant_id,
        source=TouchSource.CAMPAIGN,
        source_id=campaign,
        touches=given,
        at=datetime.now(UTC),
        window_days=WINDOW_DAYS,
    )
    assert recorded == n
    return campaign


@pytest.mark.slow
async def test_reading_an_effect_costs_the_same_for_100_and_10000_touches(mongo: Mongo, shop: Shop) -> None:
    # given a campaign of 100 members and one of 10,000
    small, large = await _campaign_of(mongo, shop, 100), await _campaign_of(mongo, shop, 10_000)
    merchant_id = shop.merchant.merchant.id
    costs: list[list[str]] = []
    found: list[Any] = []
    # when each one's effect is read
    for campaign in (small, large):
        with count_commands(mongo) as commands:
            found.append(
                await effect.effect(
                    mongo=mongo, merchant_id=merchant_id, source=TouchSource.CAMPAIGN, source_id=campaign
                )
            )
        costs.append(list(commands))
    # then both cost one query, and count their members
    assert costs == [["find"], ["find"]]
    assert (found[0].treatment.members, found[0].control.members) == (90, 10)
    assert (found[1].treatment.members, found[1].control.members) == (9_000, 1_000)
