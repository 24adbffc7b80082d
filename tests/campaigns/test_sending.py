"""Sending a campaign: exactly once per member however the worker is killed, the control group given nothing,
the stock respected with the members past it counted, the weekly cap across campaigns, opted-out members
skipped, and a cancel racing the start with one winner."""

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.campaigns import editing
from domain.campaigns.errors import CampaignCode, CampaignError
from domain.campaigns.model import CampaignState, group_of
from domain.campaigns.sending import take_due
from domain.marketing.consent import set_marketing
from domain.marketing.effect import effect
from domain.marketing.touches import Group, TouchSource
from domain.notifications.delivery import Outlets
from tests.campaigns.conftest import Plan, regulars, regulars_segment, scheduled, send_all, stocked_template
from tests.conftest import Shop, eventually


@pytest.mark.slow
async def test_a_send_killed_midway_and_run_again_gives_each_member_one_coupon_and_one_message(
    mongo: Mongo, shop: Shop, out: Outlets
) -> None:
    # given 2,000 regulars, a coupon with stock for 1,500 of them, and a campaign to them with a 10% control group
    merchant_id = shop.merchant.merchant.id
    members = await regulars(mongo, shop, 2000)
    template = await stocked_template(mongo, shop, stock=1500)
    campaign = await scheduled(mongo, shop, Plan(await regulars_segment(mongo, shop), template.id))
    sends = mongo.db[c.CAMPAIGN_SENDS]
    scope = {"merchant_id": merchant_id, "campaign_id": campaign.id}

    # when the worker is killed in the middle of a page, with members decided and messages still owed
    run = asyncio.create_task(send_all(out))
    assert await eventually(lambda: _owing_past(mongo, scope, 700), within_s=120, every_s=0.02)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert 700 <= await sends.count_documents(scope) < 2000
    assert await sends.count_documents({**scope, "state": "PENDING"}) > 0
    # and the next run takes the send over once the dead run's lease has lapsed
    await send_all(out, after_lease=True)

    # then every member was decided once, in the group the campaign's hash puts them in
    done = await editing.get_campaign(mongo=mongo, actor=shop.merchant.owner, campaign_id=campaign.id)
    assert done.state is CampaignState.SENT
    records = await sends.find(scope).to_list()
    assert sorted(r["member_id"] for r in records) == members
    assert all(r["state"] == "DONE" for r in records)
    outcomes = Counter(r["outcome"] for r in records)
    control = {m for m in members if group_of(campaign.id, m, 10) is Group.CONTROL}
    assert {r["member_id"] for r in records if r["outcome"] == "CONTROL"} == control
    assert 100 < len(control) < 300
    # and the coupon's stock went to exactly 1,500 treatment members, the rest counted as past it
    assert outcomes == {"CONTROL": len(control), "SENT": 1500, "OUT_OF_STOCK": 2000 - len(control) - 1500}
    p = done.progress
    assert (p.targeted, p.control, p.sent, p.coupons) == (2000, len(control), 1500, 1500)
    assert p.skipped_out_of_stock == outcomes["OUT_OF_STOCK"]
    issued = await mongo.db[c.COUPON_TEMPLATES].find_one({"merchant_id": merchant_id, "_id": template.id})
    assert issued is not None and issued["issued"] == 1500
    # and each member sent to holds exactly one coupon and one message; nobody else holds either
    sent = {r["member_id"] for r in records if r["outcome"] == "SENT"}
    coupons = (
        await mongo.db[c.COUPONS]
        .find({"merchant_id": merchant_id, "template_id": template.id}, {"owner_id": 1})
        .to_list()
    )
    assert Counter(cp["owner_id"] for cp in coupons) == dict.fromkeys(sent, 1)
    notes = (
        await mongo.db[c.NOTIFICATIONS]
        .find({"merchant_id": merchant_id, "topic": "MARKETING"}, {"member_id": 1, "title": 1})
        .to_list()
    )
    assert Counter(n["member_id"] for n in notes) == dict.fromkeys(sent, 1)
    assert {n["title"] for n in notes} == {"好久不见"}
    # and the effect counts both groups as they were sent
    figures = await effect(mongo=mongo, merchant_id=merchant_id, source=TouchSource.CAMPAIGN, source_id=campaign.id)
    assert (figures.treatment.members, figures.control.members) == (1500, len(control))


async def _owing_past(mongo: Mongo, scope: dict[str, ObjectId], n: int) -> bool:
    """At least n members decided, and a page's messages still owed: the worker is between a commit and its
    messages."""
    sends = mongo.db[c.CAMPAIGN_SENDS]
    return await sends.count_documents(scope) >= n and await sends.count_documents({**scope, "state": "PENDING"}) > 0


async def test_the_weekly_cap_holds_across_two_campaigns(mongo: Mongo, shop: Shop, out: Outlets) -> None:
    # given five regulars and two campaigns to them this week, each capped at one marketing message a week
    merchant_id = shop.merchant.merchant.id
    members = await regulars(mongo, shop, 5)
    segment_id = await regulars_segment(mongo, shop)
    first = await scheduled(mongo, shop, Plan(segment_id, None, control_percent=0, week_cap=1), name="第一波")

    # when both are sent, one after the other
    await send_all(out)
    second = await scheduled(mongo, shop, Plan(segment_id, None, control_percent=0, week_cap=1), name="第二波")
    await send_all(out)

    # then the first reached everyone and the second nobody: each member had their one message of the week
    owner = shop.merchant.owner
    one = await editing.get_campaign(mongo=mongo, actor=owner, campaign_id=first.id)
    two = await editing.get_campaign(mongo=mongo, actor=owner, campaign_id=second.id)
    assert (one.progress.sent, one.progress.skipped_capped) == (5, 0)
    assert (two.progress.sent, two.progress.skipped_capped) == (0, 5)
    notes = await mongo.db[c.NOTIFICATIONS].count_documents({"merchant_id": merchant_id, "topic": "MARKETING"})
    assert notes == len(members)


async def test_a_member_who_stopped_marketing_gets_neither_coupon_nor_message(
    mongo: Mongo, shop: Shop, out: Outlets
) -> None:
    # given three regulars, one of whom switched marketing messages off in the mini-program
    merchant_id = shop.merchant.merchant.id
    stopped, *others = await regulars(mongo, shop, 3)
    await set_marketing(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=stopped,
        stopped=True,
        sms_agreed=None,
        channel="MINI_PROGRAM",
        now=datetime.now(UTC),
    )
    template = await stocked_template(mongo, shop, stock=None)
    campaign = await scheduled(mongo, shop, Plan(await regulars_segment(mongo, shop), template.id, control_percent=0))

    # when it is sent
    await send_all(out)

    # then the member who stopped is skipped and counted; the others get theirs
    done = await editing.get_campaign(mongo=mongo, actor=shop.merchant.owner, campaign_id=campaign.id)
    assert (done.progress.skipped_opted_out, done.progress.sent) == (1, 2)
    scope = {"merchant_id": merchant_id, "owner_id": stopped}
    assert await mongo.db[c.COUPONS].count_documents(scope) == 0
    notes = {"merchant_id": merchant_id, "member_id": stopped, "topic": "MARKETING"}
    assert await mongo.db[c.NOTIFICATIONS].count_documents(notes) == 0
    owners = {cp["owner_id"] for cp in await mongo.db[c.COUPONS].find({"merchant_id": merchant_id}).to_list()}
    assert owners == set(others)


async def test_a_cancel_racing_the_start_has_exactly_one_winner(mongo: Mongo, shop: Shop) -> None:
    # given campaigns scheduled to send now
    await regulars(mongo, shop, 2)
    segment_id = await regulars_segment(mongo, shop)
    owner = shop.merchant.owner
    for i in range(4):
        campaign = await scheduled(mongo, shop, Plan(segment_id, None), name=f"活动{i}")

        # when the manager cancels it just as the worker starts it
        async def cancel(campaign_id: ObjectId = campaign.id) -> bool:
            try:
                await editing.cancel_campaign(mongo=mongo, actor=owner, campaign_id=campaign_id, now=datetime.now(UTC))
            except CampaignError as e:
                assert e.code is CampaignCode.CAMPAIGN_STATE_INVALID
                return False
            return True

        cancelled, lease = await asyncio.gather(cancel(), take_due(mongo=mongo, now=datetime.now(UTC)))

        # then exactly one of them won, and the campaign is in the winner's state
        assert cancelled != (lease is not None)
        after = await editing.get_campaign(mongo=mongo, actor=owner, campaign_id=campaign.id)
        assert after.state is (CampaignState.CANCELLED if cancelled else CampaignState.SENDING)
        if lease is not None:
            await mongo.db[c.CAMPAIGNS].update_one(
                {"merchant_id": lease.merchant_id, "_id": lease.campaign_id}, {"$set": {"due_at": None}}
            )
