"""Claiming coupons (领券): stock and the per-member limit hold under any concurrency, a retried claim returns
the first coupon, each reason for a refusal has its own code, and expiry is computed on read.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.coupons import sold_out
from domain.pii import PiiCipher
from tests.conftest import Gql, Shop, count_commands, count_commands_on, open_shop
from tests.coupons.conftest import (
    claim,
    claimed_coupon,
    make_member,
    make_members,
    new_template,
    oid,
    set_status,
)

MY_COUPONS = """
query($status: CouponStatus, $first: Int, $after: String) {
  myCoupons(status: $status, first: $first, after: $after) {
    edges { node { id status validTo receivedAt fromPack lockedForOrder
                   template { id title benefit { kind valueFen } stores { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CLAIM_PAGE = """
query($id: ID!) {
  couponClaimPage(templateId: $id) {
    claimedByMe
    blockedBy { code message }
    template { title remaining perMemberLimit terms benefit { kind valueFen minimumSpendFen } stores { name } }
  }
}
"""


async def test_member_claims_a_coupon_valid_for_n_days_from_now(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given an active 30-day template with a stock of 10
    template = await new_template(gql, owner_token, stock=10)
    xiaoming = await make_member(mongo, shop, "xiaoming")

    # when a member claims it
    payload = await claim(gql, xiaoming, template)

    # then they hold an ACTIVE coupon valid for 30 days, and the stock went down by one
    coupon = payload["coupon"]
    assert payload["userErrors"] == [] and coupon["status"] == "ACTIVE"
    days = datetime.fromisoformat(coupon["validTo"]) - datetime.fromisoformat(coupon["validFrom"])
    assert days == timedelta(days=30)
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 1


async def test_a_retried_claim_returns_the_first_coupon(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a member whose network dropped the answer to a claim, stock 1
    template = await new_template(gql, owner_token, stock=1)
    xiaoming = await make_member(mongo, shop, "xiaoming")
    first = await claim(gql, xiaoming, template, key="tap-1")

    # when the mini-program retries with the same key, once in sequence and five times at once
    again = await claim(gql, xiaoming, template, key="tap-1")
    racing = await asyncio.gather(*(claim(gql, xiaoming, template, key="tap-1") for _ in range(5)))

    # then every answer is the first coupon, even though the stock is now exhausted
    assert {p["coupon"]["id"] for p in [first, again, *racing]} == {first["coupon"]["id"]}
    assert await mongo.db[c.COUPONS].count_documents({}) == 1


async def test_concurrent_first_claims_with_one_key_make_one_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member allowed 5 coupons, whose client fires the same claim 8 times at once
    template = await new_template(gql, owner_token, stock=100, perMemberLimit=5)
    xiaoming = await make_member(mongo, shop, "xiaoming")

    # when they all race
    results = await asyncio.gather(*(claim(gql, xiaoming, template, key="same-tap") for _ in range(8)))

    # then one coupon exists, every answer is it, and the stock counts it once
    assert await mongo.db[c.COUPONS].count_documents({}) == 1
    assert len({r["coupon"]["id"] for r in results}) == 1
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 1


async def test_a_member_racing_themselves_never_exceeds_the_limit(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a limit of 2 per member and a member who taps 10 times at once, each tap its own key
    template = await new_template(gql, owner_token, stock=100, perMemberLimit=2)
    xiaoming = await make_member(mongo, shop, "xiaoming")

    # when the taps race
    results = await asyncio.gather(*(claim(gql, xiaoming, template) for _ in range(10)))

    # then exactly two coupons, the rest refused for the limit, and the stock counts two
    assert sum(1 for r in results if r["coupon"]) == 2
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"CLAIM_LIMIT_REACHED"}
    assert await mongo.db[c.COUPONS].count_documents({"claimed_by": xiaoming.id}) == 2
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 2


async def test_each_refusal_has_its_own_code(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a paused template, an ended one, a sold-out one, one already claimed, a draft and a bad id
    paused = await new_template(gql, owner_token)
    await set_status(gql, owner_token, paused, "PAUSED")
    ended = await new_template(gql, owner_token)
    await set_status(gql, owner_token, ended, "ENDED")
    sold_out = await new_template(gql, owner_token, stock=1)
    limited = await new_template(gql, owner_token)
    draft = await new_template(gql, owner_token, activate=False)
    first, second = await make_members(mongo, shop, 2)
    await claimed_coupon(gql, first, sold_out)
    await claimed_coupon(gql, second, limited)

    # when the second member claims each
    codes = [
        (await claim(gql, second, t))["userErrors"][0]["code"]
        for t in [paused, ended, sold_out, limited, draft, "bm90LWFuLWlk"]
    ]

    # then each refusal says why
    assert codes == [
        "COUPON_TEMPLATE_PAUSED",
        "COUPON_TEMPLATE_ENDED",
        "COUPON_OUT_OF_STOCK",
        "CLAIM_LIMIT_REACHED",
        "COUPON_TEMPLATE_NOT_FOUND",
        "INVALID_ID",
    ]


async def test_a_member_who_holds_the_coupon_is_told_the_limit_once_stock_is_gone(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a template with a stock of 1, one per member, whose only coupon xiaoming claimed
    template = await new_template(gql, owner_token, stock=1)
    xiaoming = await make_member(mongo, shop, "xiaoming")
    await claimed_coupon(gql, xiaoming, template)

    # when he taps claim again, and opens the claim page
    again = await claim(gql, xiaoming, template)
    page = await gql("member", CLAIM_PAGE, {"id": template}, token=xiaoming.token)

    # then both say he already holds as many as allowed, not that the coupons are gone
    assert [e["code"] for e in again["userErrors"]] == ["CLAIM_LIMIT_REACHED"]
    assert page["data"]["couponClaimPage"]["blockedBy"]["code"] == "CLAIM_LIMIT_REACHED"


async def test_a_claim_is_two_commands_the_stock_and_the_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given an active template with stock, and a member who has not claimed it
    template = await new_template(gql, owner_token, stock=10)
    xiaoming = await make_member(mongo, shop, "xiaoming")

    # when he claims it
    with count_commands_on(mongo) as commands:
        payload = await claim(gql, xiaoming, template)

    # then he holds it after one conditional update of the stock and one insert, nothing read first and no
    # funnel event written (the coupon is its own record of the claim)
    assert payload["userErrors"] == [] and payload["coupon"]["status"] == "ACTIVE"
    assert commands == [("findAndModify", c.COUPON_TEMPLATES), ("insert", c.COUPONS)]


async def test_a_sold_out_template_is_answered_without_touching_its_stock_again(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a template whose only coupon was just claimed
    template = await new_template(gql, owner_token, stock=1)
    first, second = await make_members(mongo, shop, 2)
    await claimed_coupon(gql, first, template)

    # when another member claims it
    with count_commands_on(mongo) as commands:
        payload = await claim(gql, second, template)

    # then they are told it is sold out after reading only their own claims (a retry or the limit would
    # answer otherwise): the template is not touched
    assert [e["code"] for e in payload["userErrors"]] == ["COUPON_OUT_OF_STOCK"]
    assert commands == [("find", c.COUPONS)]


async def test_claimers_still_waiting_when_the_stock_runs_out_send_no_take(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a stock of 5 and 200 members
    template = await new_template(gql, owner_token, stock=5)
    crowd = await make_members(mongo, shop, 200)

    # when they all claim at once
    started = time.monotonic()
    with count_commands_on(mongo) as commands:
        results = await asyncio.gather(*(claim(gql, member, template) for member in crowd))
    lasted = time.monotonic() - started

    # then five hold one, and besides those five takes at most one per turn in flight reached the template in
    # each mark's lifetime: the rest were told it is sold out by the mark (set by the last taker, and again by a
    # refused one when the storm outlasted it, as it does on a slow machine)
    assert sum(1 for r in results if r["coupon"]) == 5
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"COUPON_OUT_OF_STOCK"}
    takes = commands.count(("findAndModify", c.COUPON_TEMPLATES))
    marks = 1 + int(lasted // sold_out.MARK_FOR)
    assert 5 <= takes <= 5 + sold_out.TAKERS * marks, (takes, lasted)


async def test_stock_a_refused_tap_took_is_given_back(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a stock of 5, one per member, and 5 members who each tap 4 times at once
    template = await new_template(gql, owner_token, stock=5)
    crowd = await make_members(mongo, shop, 5)
    await asyncio.gather(*(claim(gql, member, template) for member in crowd for _ in range(4)))

    # when the storm is over and whoever was left without a coupon taps once more
    for member in crowd:
        if await mongo.db[c.COUPONS].count_documents({"claimed_by": member.id}) == 0:
            await claimed_coupon(gql, member, template)

    # then each holds exactly one and the stock counted five: the taps refused for the limit took their
    # unit of stock first and gave it back
    assert sorted(d["claimed_by"] for d in await mongo.db[c.COUPONS].find().to_list()) == sorted(m.id for m in crowd)
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 5


@pytest.mark.slow
async def test_stock_of_500_with_2000_concurrent_claimers_gives_exactly_500(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given 2,000 members and a template with a stock of 500, one per member
    template = await new_template(gql, owner_token, stock=500)
    crowd = await make_members(mongo, shop, 2000)

    # when all of them claim at once through the API
    started = time.perf_counter()
    results = await asyncio.gather(*(claim(gql, member, template) for member in crowd))
    elapsed = time.perf_counter() - started

    # then exactly 500 coupons exist, nobody holds two, the rest were told it is sold out
    won = [r for r in results if r["coupon"]]
    assert len(won) == 500, elapsed
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"COUPON_OUT_OF_STOCK"}
    assert await mongo.db[c.COUPONS].count_documents({}) == 500
    assert len(await mongo.db[c.COUPONS].distinct("claimed_by")) == 500
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 500


async def test_a_coupon_past_its_end_is_expired_without_any_sweep(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given two coupons, one of which reached its end a second ago (nothing has touched its status)
    template = await new_template(gql, owner_token, perMemberLimit=2)
    xiaoming = await make_member(mongo, shop, "xiaoming")
    old = await claimed_coupon(gql, xiaoming, template)
    fresh = await claimed_coupon(gql, xiaoming, template)
    past = datetime.now(UTC) - timedelta(seconds=1)
    await mongo.db[c.COUPONS].update_one({"_id": oid("Coupon", old)}, {"$set": {"valid_to": past}})

    # when the member opens each tab of their wallet
    tabs = {
        status: await gql("member", MY_COUPONS, {"status": status}, token=xiaoming.token)
        for status in ["ACTIVE", "EXPIRED", "REDEEMED"]
    }

    # then the old one is EXPIRED and only the fresh one is usable
    ids = {
        s: [(e["node"]["id"], e["node"]["status"]) for e in b["data"]["myCoupons"]["edges"]] for s, b in tabs.items()
    }
    assert ids == {"ACTIVE": [(fresh, "ACTIVE")], "EXPIRED": [(old, "EXPIRED")], "REDEEMED": []}


async def test_claim_page_says_what_the_member_can_do(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a template with stock 3 that the member already claimed once (limit 1)
    template = await new_template(gql, owner_token, stock=3, terms="周末不可用")
    xiaoming, xiaohong = await make_members(mongo, shop, 2)
    await claimed_coupon(gql, xiaoming, template)

    # when each opens the claim page
    with count_commands(mongo) as commands:
        mine = await gql("member", CLAIM_PAGE, {"id": template}, token=xiaoming.token)
    theirs = await gql("member", CLAIM_PAGE, {"id": template}, token=xiaohong.token)

    # then the claimer is told they reached the limit, the other may claim; one page is two queries
    page = mine["data"]["couponClaimPage"]
    assert page["claimedByMe"] == 1
    assert page["blockedBy"] == {"code": "CLAIM_LIMIT_REACHED", "message": "已达到每人限领数量"}
    assert page["template"]["remaining"] == 2 and page["template"]["terms"] == "周末不可用"
    assert theirs["data"]["couponClaimPage"]["blockedBy"] is None
    assert commands == ["find", "find"]


async def test_my_coupons_is_two_queries_whatever_the_page_size(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member holding 25 coupons of 5 templates
    xiaoming = await make_member(mongo, shop, "xiaoming")
    for i in range(5):
        template = await new_template(gql, owner_token, title=f"券{i}", perMemberLimit=5)
        for _ in range(5):
            await claimed_coupon(gql, xiaoming, template)

    # when they page through their wallet
    with count_commands(mongo) as commands:
        first = await gql("member", MY_COUPONS, {"first": 20}, token=xiaoming.token)
    cursor = first["data"]["myCoupons"]["pageInfo"]["endCursor"]
    second = await gql("member", MY_COUPONS, {"first": 20, "after": cursor}, token=xiaoming.token)

    # then a page is the coupons and their templates, newest first, and the pages cover all 25
    assert commands == ["find", "find"]
    edges = first["data"]["myCoupons"]["edges"] + second["data"]["myCoupons"]["edges"]
    assert len({e["node"]["id"] for e in edges}) == 25
    assert edges[0]["node"]["template"]["title"] == "券4" and edges[-1]["node"]["template"]["title"] == "券0"
    assert second["data"]["myCoupons"]["pageInfo"]["hasNextPage"] is False


async def test_a_member_of_another_merchant_cannot_claim(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given this shop's template and a member of another merchant
    template = await new_template(gql, owner_token)
    other_shop = await open_shop(mongo, pii, "13900000002", name="乙店")
    stranger = await make_member(mongo, other_shop, "stranger")

    # when they claim it with its id
    payload = await claim(gql, stranger, template)

    # then the template does not exist for them and nothing was taken
    assert payload["userErrors"][0]["code"] == "COUPON_TEMPLATE_NOT_FOUND"
    assert await mongo.db[c.COUPONS].count_documents({}) == 0
