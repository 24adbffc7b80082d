"""The marketing report (营销报表) with exact figures: two templates' funnels (a claim-page claim and its revenue,
a shared pack's steps, a template active only before the range), a program's commissions accrued and paid, and
a shareholder's two-level network; who may read it; and its cost whatever the number of templates.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import coupon_funnel, tenancy
from domain.booking.wallclock import day_span
from domain.cards.card import issue_card
from domain.commissions.accrual import on_order_paid
from domain.coupons import funnel
from domain.coupons.funnel import Step
from domain.coupons.templates import Benefit, Template, TemplateDraft, Validity, create_template, template_from_doc
from domain.coupons.touch import Sharer
from domain.pii import PiiCipher
from domain.pricing import CouponKind
from tests.checkout.conftest import counter_sale
from tests.commissions.conftest import appoint, open_program, paid
from tests.conftest import Gql, Shop, count_commands, open_shop
from tests.coupons.conftest import claimed_coupon, make_member, make_staff, new_template, oid
from tests.referrals.conftest import bind, make_members
from tests.reports.conftest import owner_token
from tests.tenancy.conftest import forbidden

SHANGHAI = ZoneInfo("Asia/Shanghai")

MARKETING = """
query($from: Date!, $to: Date!) {
  marketingReport(from: $from, to: $to) {
    marketing {
      coupons { template { title } issued forwarded claimed redeemed revenueFen }
      programs { program { name } accruedFen paidFen }
      shareholders(first: 5) { shareholder { nickname } networkRevenueFen commissionFen }
    }
    userErrors { field code }
  }
}
"""


async def ask(gql: Gql, token: str, first: date, last: date) -> dict[str, Any]:
    body = await gql("admin", MARKETING, {"from": first.isoformat(), "to": last.isoformat()}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["marketingReport"]
    return payload


async def template(mongo: Mongo, shop: Shop, title: str, store_ids: tuple[ObjectId, ...] = ()) -> Template:
    draft = TemplateDraft(
        title=title,
        benefit=Benefit(CouponKind.AMOUNT_OFF, value_fen=2_000, minimum_spend_fen=10_000),
        validity=Validity(days=30),
        all_stores=not store_ids,
        store_ids=store_ids,
    )
    return await create_template(mongo=mongo, actor=shop.merchant.owner, draft=draft)


async def steps(mongo: Mongo, t: Template, at: datetime, *counts: tuple[Step, int]) -> None:
    """The template's funnel steps, written as the coupon operations write them (a shared pack here)."""
    await funnel.record(mongo, t, list(counts), attribution=Sharer(member_id=ObjectId()), at=at)


def today() -> date:
    return datetime.now(SHANGHAI).date()


async def given_the_campaigns(gql: Gql, mongo: Mongo, shop: Shop) -> ObjectId:
    """开业体验卡 (every store): a member claims it on the claim page and then pays 50 yuan; a pack's 10 issued, 2
    forwarded, 1 redeemed. 周末券 (the first store only): 3 issued. 老客券: 5 issued ten days ago. A program 金牌股东
    with shareholders 股东0 and 股东1; 股东0's friend pays 100 yuan and the friend's friend 200 yuan in range (and
    the friend 500 yuan ten days ago); the friend's commission is paid out. Returns 开业体验卡's id."""
    token, now = owner_token(shop), datetime.now(UTC) - timedelta(minutes=1)
    opening = await new_template(gql, token, title="开业体验卡")
    claimer = await make_member(mongo, shop, "顾客")
    await issue_card(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=claimer.id)
    await claimed_coupon(gql, claimer, opening)
    await counter_sale(mongo, shop, shop.merchant.store.id, 5_000, member_id=claimer.id)
    opening_doc = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", opening)})
    assert opening_doc is not None
    await steps(mongo, template_from_doc(opening_doc), now, (Step.ISSUED, 10), (Step.FORWARDED, 2), (Step.REDEEMED, 1))
    weekend = await template(mongo, shop, "周末券", (shop.merchant.store.id,))
    await steps(mongo, weekend, now, (Step.ISSUED, 3))
    await steps(mongo, await template(mongo, shop, "老客券"), now - timedelta(days=10), (Step.ISSUED, 5))

    program = await open_program(mongo, shop)
    sharer, idle, friend, friends_friend = await make_members(mongo, shop.merchant.merchant.id, 4, "股东")
    await bind(mongo, shop, friend.id, sharer.id)
    await bind(mongo, shop, friends_friend.id, friend.id)
    await appoint(mongo, shop, program, sharer.id, idle.id)
    first = await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 10_000))
    await on_order_paid(mongo=mongo, event=paid(shop, friends_friend.id, 20_000))
    await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 50_000, at=now - timedelta(days=10)))
    [commission] = first.commissions
    await mongo.db[c.COMMISSIONS].update_one(
        {"_id": commission.id}, {"$set": {"status": "PAID", "paid_out_at": datetime.now(UTC)}}
    )
    return oid("CouponTemplate", opening)


async def test_the_marketing_report_gives_each_funnel_program_and_shareholder_network(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given the campaigns and the shareholder network (see given_the_campaigns)
    opening = await given_the_campaigns(gql, mongo, shop)
    first, last = today() - timedelta(days=2), today()

    # when the owner reads the last three days
    payload = await ask(gql, owner_token(shop), first, last)

    # then each template with a step in the range has its funnel, the program its commissions (10% of 100 yuan
    # and 5% of 200 yuan; the first paid out), and 股东0 the 300 yuan their two levels paid
    assert payload["userErrors"] == []
    report = payload["marketing"]
    assert report["coupons"] == [
        {
            "template": {"title": "开业体验卡"},
            "issued": 11,
            "forwarded": 2,
            "claimed": 1,
            "redeemed": 1,
            "revenueFen": 5_000,
        },
        {"template": {"title": "周末券"}, "issued": 3, "forwarded": 0, "claimed": 0, "redeemed": 0, "revenueFen": 0},
    ]
    assert report["programs"] == [{"program": {"name": "金牌股东"}, "accruedFen": 2_000, "paidFen": 1_000}]
    assert report["shareholders"] == [
        {"shareholder": {"nickname": "股东0"}, "networkRevenueFen": 30_000, "commissionFen": 2_000},
        {"shareholder": {"nickname": "股东1"}, "networkRevenueFen": 0, "commissionFen": 0},
    ]

    # and the template's row is its coupon funnel's total over the same range
    found = await coupon_funnel.coupon_funnel(
        mongo=mongo,
        actor=shop.merchant.owner,
        template_id=opening,
        group_by=coupon_funnel.GroupBy.NONE,
        since=day_span(first, SHANGHAI).start,
        until=day_span(last, SHANGHAI).end,
    )
    [row] = found.rows
    assert (row.issued, row.forwarded, row.claimed, row.redeemed, row.revenue_fen) == (11, 2, 1, 1, 5_000)


async def test_a_store_manager_sees_templates_valid_at_their_stores_and_others_are_refused(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given the campaigns, a manager of a second store only, a cashier, and another merchant's owner
    await given_the_campaigns(gql, mongo, shop)
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000022", store_ids=[second.id])
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000023")
    other = await open_shop(mongo, pii, "13900000029", name="乙店")
    first, last = today() - timedelta(days=2), today()

    # when each asks
    managers = await ask(gql, manager.token, first, last)
    cashiers = await gql("admin", MARKETING, {"from": first.isoformat(), "to": last.isoformat()}, token=cashier.token)
    foreign = await ask(gql, owner_token(other), first, last)
    backwards = await ask(gql, owner_token(shop), last, first - timedelta(days=1))

    # then the manager sees the every-store template, not 周末券, and no commissions from the first store's orders;
    # the cashier is refused; another merchant sees nothing of ours; a backwards range is invalid
    report = managers["marketing"]
    assert [row["template"]["title"] for row in report["coupons"]] == ["开业体验卡"]
    assert report["programs"] == [{"program": {"name": "金牌股东"}, "accruedFen": 0, "paidFen": 0}]
    assert [row["networkRevenueFen"] for row in report["shareholders"]] == [0, 0]
    assert forbidden(cashiers)
    assert foreign["marketing"] == {"coupons": [], "programs": [], "shareholders": []}
    assert backwards == {"marketing": None, "userErrors": [{"field": "to", "code": "RANGE_INVALID"}]}


async def test_the_marketing_report_costs_the_same_commands_for_2_and_20_templates(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    async def commands_with(n: int) -> list[str]:
        # given n templates, each with a claim and a redemption in the range
        now = datetime.now(UTC) - timedelta(minutes=1)
        existing = await mongo.db[c.COUPON_TEMPLATES].count_documents({"merchant_id": shop.merchant.merchant.id})
        for i in range(existing, n):
            await steps(mongo, await template(mongo, shop, f"券{i}"), now, (Step.ISSUED, 2), (Step.REDEEMED, 1))
        # when the owner reads the marketing report
        with count_commands(mongo) as commands:
            payload = await ask(gql, owner_token(shop), today() - timedelta(days=1), today())
        assert len(payload["marketing"]["coupons"]) == n
        return list(commands)

    # then 20 templates cost the very commands 2 do
    assert await commands_with(2) == await commands_with(20)
