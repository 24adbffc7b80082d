"""What a journey earned, exact for a fixed world: the members it drew into each group, what the treatment group
was sent and read, who paid inside their 14-day window, and the uplift with its 95% intervals by hand; a member
who stopped marketing gets nothing from any journey; and the screen's query costs the same for 4 members as 40.
"""

import math
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.access_log import MEMBER_SELF
from domain.account_closing.erasure import close_account
from domain.events import CouponExpiring, CouponReceived
from domain.journeys import daily
from domain.journeys.rules import JourneyKind
from domain.marketing.consent import set_marketing
from domain.pii import PiiCipher
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.alerts.conftest import owner
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import Customer, make_members
from tests.journeys.conftest import (
    NOW,
    days_ago,
    gift,
    journey_coupons,
    paid_on,
    run_handlers,
    sends,
    switch_on,
    won_back,
)
from tests.workers.conftest import coupon_template

EFFECT = """
query {
  journeyRules {
    kind
    effect {
      treatment { members sent delivered opened redeemed paidMembers revenueFen }
      control { members sent delivered opened redeemed paidMembers revenueFen }
      uplift { rateDiff rateLow rateHigh revenuePerMemberDiffFen revenueLowFen revenueHighFen }
    }
  }
}
"""


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def test_a_win_back_journeys_effect_is_exact_for_a_fixed_world(
    gql: Gql, mongo: Mongo, shop: Shop, clients: Clients
) -> None:
    # given win-back after 30 days holding back half, two members drawn into each group, all lapsed 30 days ago;
    # when the journey runs and the worker tells the treatment group; t1 reads the message in the inbox;
    # t1 pays 100.00 an hour later, t2 pays 50.00 after the 14-day window, k1 (control) pays 30.00 in two days
    t1, t2, _, _ = await won_back(mongo, shop, clients)
    answer = (await gql("admin", EFFECT, token=owner(shop).token))["data"]["journeyRules"]

    # then the treatment group got a coupon and a message each, the control group nothing
    assert await journey_coupons(mongo, shop, JourneyKind.WIN_BACK) == sorted([t1.id, t2.id])
    figures = {r["kind"]: r["effect"] for r in answer}
    assert figures["THANK_YOU"] is None
    figures_won = figures["WIN_BACK"]
    nothing = {"sent": 0, "delivered": 0, "opened": 0, "redeemed": 0}
    assert figures_won["treatment"] == {
        "members": 2,
        "sent": 2,
        "delivered": 0,
        "opened": 1,
        "redeemed": 0,
        "paidMembers": 1,
        "revenueFen": 10_000,
    }
    assert figures_won["control"] == {"members": 2, **nothing, "paidMembers": 1, "revenueFen": 3_000}
    # and the uplift by hand: paid rates 1/2 and 1/2; revenue per member 50.00 and 15.00, sample variances
    # (100² − 100²/2)/1 and (30² − 30²/2)/1 in fen²
    rate_half_width = 1.96 * math.sqrt(0.25 / 2 + 0.25 / 2)
    revenue_half_width = 1.96 * math.sqrt((10_000**2 / 2) / 2 + (3_000**2 / 2) / 2)
    assert figures_won["uplift"] == pytest.approx(
        {
            "rateDiff": 0.0,
            "rateLow": -rate_half_width,
            "rateHigh": rate_half_width,
            "revenuePerMemberDiffFen": 3_500.0,
            "revenueLowFen": 3_500 - revenue_half_width,
            "revenueHighFen": 3_500 + revenue_half_width,
        }
    )


async def test_a_member_who_stopped_marketing_or_closed_their_account_gets_no_journey(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given win-back after 30 days, three members lapsed 30 days ago each holding a coupon expiring in two days,
    # one of whom stopped marketing messages in the mini-program, and one who then closed their account
    template = await switch_on(mongo, shop, JourneyKind.WIN_BACK, days=30)
    assert template is not None
    staying, stopped, closed = await make_members(mongo, shop, 3)
    expiring = await coupon_template(mongo, shop, title="两天券", days=2)
    for member in (staying, stopped, closed):
        await paid_on(mongo, shop, member, [days_ago(30)])
        await gift(mongo, shop, expiring, member)
    await set_marketing(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=stopped.id,
        stopped=True,
        sms_agreed=None,
        channel="MINI_PROGRAM",
        now=NOW - timedelta(days=1),
    )
    await close_account(
        mongo=mongo, pii=pii, merchant_id=shop.merchant.merchant.id, member_id=closed.id, who=MEMBER_SELF
    )

    # when the day's journeys run
    await daily.evaluate_all(mongo=mongo, now=NOW)

    # then only the first member was won back and reminded
    assert set(await sends(mongo, shop, JourneyKind.WIN_BACK)) == {staying.id}
    assert set(await sends(mongo, shop, JourneyKind.EXPIRY_REMINDER)) == {staying.id}
    reminded = (
        await mongo.db[c.OUTBOX].find({"merchant_id": shop.merchant.merchant.id, "kind": CouponExpiring.KIND}).to_list()
    )
    assert [e["payload"]["member_id"] for e in reminded] == [staying.id]


async def test_the_journeys_screen_costs_the_same_for_4_members_as_40(
    gql: Gql, mongo: Mongo, shop: Shop, clients: Clients
) -> None:
    # given win-back after 30 days holding back half
    await switch_on(mongo, shop, JourneyKind.WIN_BACK, days=30, control_percent=50)
    token = owner(shop).token

    reached: list[Customer] = []

    async def screen_commands(lapsed: int) -> int:
        members = await make_members(mongo, shop, lapsed)
        reached.extend(members)
        for member in members:
            await paid_on(mongo, shop, member, [days_ago(30)])
        await daily.evaluate_all(mongo=mongo, now=NOW)
        await run_handlers(clients, [CouponReceived.KIND])
        with count_commands(mongo) as sent:
            body = await gql("admin", EFFECT, token=token)
        figures = body["data"]["journeyRules"][0]["effect"]
        assert figures["treatment"]["members"] + figures["control"]["members"] == len(reached)
        return len(sent)

    # when the owner opens the screen after 4 members were reached, and again after 36 more
    few = await screen_commands(4)
    many = await screen_commands(36)

    # then it cost the same
    assert few == many
