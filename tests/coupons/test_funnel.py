"""The funnel (发送 → 转发 → 领取 → 到店) the owner reads per template: from an event per step, grouped in total,
per sharing member or per staff member, served by the (merchant_id, template_id, at) index.

The big-funnel test seeds 20k events by default: SecantusDB inserts about 3,000 events/s on this machine, so
100k took 36 s to seed and 10 s to drop, too slow for every run. `JIKE_FUNNEL_EVENTS=100000` runs it at full
size (measured: the funnel over 50k matching events answered in 3.2 s, on the index).
"""

import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import coupon_funnel, tenancy
from domain.coupons import funnel
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import (
    Customer,
    claimed_coupon,
    make_member,
    make_members,
    make_staff,
    new_template,
    oid,
    store_gid,
)

FUNNEL = """
query($id: ID!, $groupBy: CouponFunnelGroupBy, $from: DateTime, $to: DateTime) {
  couponFunnel(templateId: $id, groupBy: $groupBy, from: $from, to: $to) {
    funnel {
      template { title }
      rows { sharerMemberId staffMemberId name issued forwarded claimed redeemed }
      total { issued forwarded claimed redeemed }
    }
    userErrors { field code }
  }
}
"""

GRANT = """
mutation($input: GrantPackInput!) { grantPack(input: $input) { pack { id } userErrors { code } } }
"""
MEMBER_SHARE = "mutation($id: ID!) { sharePack(input: {packId: $id}) { share { token } } }"
TAKE = "mutation($t: String!) { claimFromPack(input: {token: $t}) { coupon { id } userErrors { code } } }"
FORWARD = "mutation($id: ID!) { forwardCoupon(input: {couponId: $id}) { share { token } } }"
ACCEPT = "mutation($t: String!) { acceptCoupon(input: {token: $t}) { coupon { id } userErrors { code } } }"
CODE = "query($id: ID!) { coupon(id: $id) { redeemCode { code } } }"
REDEEM = """
mutation($code: String!, $store: ID!, $key: String!) {
  redeemCoupon(input: {code: $code, storeId: $store, idempotencyKey: $key}) { userErrors { code } }
}
"""


def _counts(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return row["issued"], row["forwarded"], row["claimed"], row["redeemed"]


async def _take(gql: Gql, who: Customer, token: str) -> str:
    body = await gql("member", TAKE, {"t": token}, token=who.token)
    return str(body["data"]["claimFromPack"]["coupon"]["id"])


async def _redeem(gql: Gql, owner_token: str, shop: Shop, who: Customer, coupon: str) -> None:
    code = (await gql("member", CODE, {"id": coupon}, token=who.token))["data"]["coupon"]["redeemCode"]["code"]
    body = await gql("admin", REDEEM, {"code": code, "store": store_gid(shop), "key": coupon}, token=owner_token)
    assert body["data"]["redeemCoupon"]["userErrors"] == []


async def test_a_sharer_without_a_nickname_is_named_as_every_other_screen_names_them(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder who never gave a nickname, whose shared pack a friend took from
    template = await new_template(gql, owner_token, title="体验卡")
    sharer = await make_member(mongo, shop, "股东")
    await mongo.db[c.MEMBERS].update_one({"_id": sharer.id}, {"$set": {"nickname": None}})
    granted = await gql(
        "admin",
        GRANT,
        {"input": {"templateId": template, "size": 3, "idempotencyKey": "p", "memberId": sharer.gid}},
        token=owner_token,
    )
    pack = granted["data"]["grantPack"]["pack"]["id"]
    token = (await gql("member", MEMBER_SHARE, {"id": pack}, token=sharer.token))["data"]["sharePack"]["share"]
    [friend] = await make_members(mongo, shop, 1, "友")
    await _take(gql, friend, token["token"])

    # when the owner reads the funnel per sharer
    body = await gql("admin", FUNNEL, {"id": template, "groupBy": "SHARER"}, token=owner_token)

    # then the sharer's row is named 微信用户, as members without a nickname are everywhere
    rows = body["data"]["couponFunnel"]["funnel"]["rows"]
    assert [(r["sharerMemberId"], r["name"]) for r in rows] == [(sharer.gid, "微信用户")]


async def test_the_funnel_follows_packs_forwards_claims_and_redemptions(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a campaign: a shareholder's pack of 10 and a technician's pack of 5, both shared
    template = await new_template(gql, owner_token, title="开业体验卡", perMemberLimit=1)
    shareholder = await make_member(mongo, shop, "股东")
    technician = await make_staff(mongo, pii, shop, tenancy.Role.TECHNICIAN, "13700000021", name="技师阿强")
    packs = {}
    for key, holder in (
        ("m", {"memberId": shareholder.gid}),
        ("s", {"staffMemberId": to_global_id("StaffMember", technician.staff.id)}),
    ):
        size = 10 if key == "m" else 5
        granted = await gql(
            "admin",
            GRANT,
            {"input": {"templateId": template, "size": size, "idempotencyKey": key, **holder}},
            token=owner_token,
        )
        packs[key] = granted["data"]["grantPack"]["pack"]["id"]
    shareholder_token = (await gql("member", MEMBER_SHARE, {"id": packs["m"]}, token=shareholder.token))["data"][
        "sharePack"
    ]["share"]["token"]
    staff_token = (await gql("admin", MEMBER_SHARE, {"id": packs["s"]}, token=technician.token))["data"]["sharePack"][
        "share"
    ]["token"]
    friends = await make_members(mongo, shop, 6, "友")
    walk_in = await make_member(mongo, shop, "散客")

    # when three friends take from the shareholder's pack, two from the technician's, one friend forwards
    # hers to the sixth who accepts, a walk-in claims directly, and two coupons are redeemed
    from_shareholder = [await _take(gql, f, shareholder_token) for f in friends[:3]]
    from_staff = [await _take(gql, f, staff_token) for f in friends[3:5]]
    gift = (await gql("member", FORWARD, {"id": from_shareholder[0]}, token=friends[0].token))["data"]["forwardCoupon"][
        "share"
    ]["token"]
    accepted = await gql("member", ACCEPT, {"t": gift}, token=friends[5].token)
    assert accepted["data"]["acceptCoupon"]["userErrors"] == []
    await claimed_coupon(gql, walk_in, template)
    await _redeem(gql, owner_token, shop, friends[1], from_shareholder[1])
    await _redeem(gql, owner_token, shop, friends[3], from_staff[0])
    views = {
        g: await gql("admin", FUNNEL, {"id": template, "groupBy": g}, token=owner_token)
        for g in ("NONE", "SHARER", "STAFF")
    }

    # then in total: 16 sent (two packs and the walk-in's), 6 forwarded (the five coupons friends took from the
    # packs and one gift), 7 received, 2 used in store
    total = views["NONE"]["data"]["couponFunnel"]["funnel"]
    assert [_counts(r) for r in total["rows"]] == [(16, 6, 7, 2)] and _counts(total["total"]) == (16, 6, 7, 2)
    # per sharer: the shareholder brought 3 friends, one of whom used it; the friend's gift brought one more
    by_sharer = {r["name"]: _counts(r) for r in views["SHARER"]["data"]["couponFunnel"]["funnel"]["rows"]}
    assert by_sharer == {"股东0": (10, 3, 3, 1), "友0": (0, 1, 1, 0), None: (6, 2, 3, 1)}
    # per staff member: the technician's pack brought two, one used; the rest was not staff-driven
    by_staff = {r["name"]: _counts(r) for r in views["STAFF"]["data"]["couponFunnel"]["funnel"]["rows"]}
    assert by_staff == {"技师阿强": (5, 2, 2, 1), None: (11, 4, 5, 1)}


async def test_a_shared_pack_counts_as_forwarded_only_the_coupons_friends_took(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder's pack of 10, shared in a group chat
    template = await new_template(gql, owner_token, title="股东体验卡")
    shareholder = await make_member(mongo, shop, "股东")
    granted = await gql(
        "admin",
        GRANT,
        {"input": {"templateId": template, "size": 10, "idempotencyKey": "g", "memberId": shareholder.gid}},
        token=owner_token,
    )
    pack = granted["data"]["grantPack"]["pack"]["id"]
    shared = await gql("member", MEMBER_SHARE, {"id": pack}, token=shareholder.token)
    token = shared["data"]["sharePack"]["share"]["token"]

    # when one friend takes a coupon, and the shareholder shares the link again
    await _take(gql, await make_member(mongo, shop, "友"), token)
    await gql("member", MEMBER_SHARE, {"id": pack}, token=shareholder.token)
    body = await gql("admin", FUNNEL, {"id": template, "groupBy": "SHARER"}, token=owner_token)

    # then 10 were sent, but only the one coupon handed over counts as forwarded, and as received
    rows = body["data"]["couponFunnel"]["funnel"]["rows"]
    assert [(r["name"], *_counts(r)) for r in rows] == [("股东0", 10, 1, 1, 0)]


def _plan_stages(plan: Any) -> list[str]:
    """Every `stage` named anywhere in an explain document."""
    if isinstance(plan, dict):
        found = [plan["stage"]] if isinstance(plan.get("stage"), str) else []
        return found + [s for v in plan.values() for s in _plan_stages(v)]
    if isinstance(plan, list):
        return [s for v in plan for s in _plan_stages(v)]
    return []


EVENTS = int(os.environ.get("JIKE_FUNNEL_EVENTS", "20000"))


@pytest.mark.slow
async def test_a_big_funnel_is_exact_and_served_by_the_index(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a template with many events over 60 days from 50 sharers, and another template's events beside it
    template_gid = await new_template(gql, owner_token, title="全城推广")
    template_id = oid("CouponTemplate", template_gid)
    sharers = await make_members(mongo, shop, 50, "推广员")
    start = datetime.now(UTC) - timedelta(days=60)
    steps = [funnel.Step.ISSUED, funnel.Step.FORWARDED, funnel.Step.CLAIMED, funnel.Step.REDEEMED]
    rng = random.Random(4)
    events: list[dict[str, Any]] = [
        {
            "merchant_id": shop.merchant.merchant.id,
            "template_id": template_id if i < EVENTS else ObjectId("0" * 24),
            "step": steps[i % 4].value,
            "n": 1,
            "sharer_id": sharers[i % 50].id,
            "staff_id": None,
            "at": start + timedelta(seconds=rng.randrange(60 * 86400)),
        }
        for i in range(EVENTS + EVENTS // 10)
    ]
    seeded = time.perf_counter()
    for batch in range(0, len(events), 10_000):
        await mongo.db[c.COUPON_EVENTS].insert_many(events[batch : batch + 10_000], ordered=False)
    seeded = time.perf_counter() - seeded
    since, until = start + timedelta(days=30), start + timedelta(days=60)
    wanted = [e for e in events if e["template_id"] == template_id and since <= e["at"] < until]

    # when the owner asks for the last 30 days, per sharer
    variables = {"id": template_gid, "groupBy": "SHARER", "from": since.isoformat(), "to": until.isoformat()}
    asked = time.perf_counter()
    with count_commands(mongo) as commands:
        body = await gql("admin", FUNNEL, variables, token=owner_token)
    asked = time.perf_counter() - asked

    # then the counts are exact, the query is staff + template + one aggregate + one batch of names,
    rows = body["data"]["couponFunnel"]["funnel"]["rows"]
    assert len(rows) == 50 and sum(r["issued"] for r in rows) == sum(e["step"] == "ISSUED" for e in wanted)
    assert sum(r["redeemed"] for r in rows) == sum(e["step"] == "REDEEMED" for e in wanted)
    first = next(r for r in rows if r["sharerMemberId"] == sharers[0].gid)
    assert first["claimed"] == sum(e["step"] == "CLAIMED" and e["sharer_id"] == sharers[0].id for e in wanted)
    # (the viewer, the template, the steps with the events' claims for revenue, the claim page's claims, the
    # names, the new members' bindings)
    assert commands == ["find", "find", "aggregate", "find", "find", "aggregate"], commands
    # and the aggregate's $match runs on the (merchant_id, template_id, at) index, never a collection scan
    plan = await mongo.db.command(
        "explain",
        {
            "aggregate": c.COUPON_EVENTS,
            "pipeline": coupon_funnel.funnel_pipeline(
                shop.merchant.merchant.id, template_id, coupon_funnel.GroupBy.SHARER, since, until
            ),
            "cursor": {},
        },
        verbosity="queryPlanner",
    )
    stages = _plan_stages(plan)
    assert "IXSCAN" in stages and "COLLSCAN" not in stages, plan
    assert "merchant_id_1_template_id_1_at_1" in str(plan)
    # and the claim page's claims, which are coupons rather than events, are read on their index too
    plan = await mongo.db.command(
        "explain",
        {
            "find": c.COUPONS,
            "filter": coupon_funnel.claim_page_query(shop.merchant.merchant.id, template_id, since, until),
        },
        verbosity="queryPlanner",
    )
    stages = _plan_stages(plan)
    assert "IXSCAN" in stages and "COLLSCAN" not in stages, plan
    assert "merchant_id_1_template_id_1_claimed_at_1" in str(plan)
    print(f"seeded {len(events)} events in {seeded:.1f}s; funnel over {len(wanted)} of them in {asked:.1f}s")
