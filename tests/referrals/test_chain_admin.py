"""Chains as staff see them: a member's upline and downline per level (paged, a fixed number of queries), and
the owner's correction, which moves a whole subtree consistently, refuses loops, needs a reason, is audited
and is the owner's alone.
"""

from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.conftest import Gql, Shop, count_commands
from tests.referrals.conftest import ancestors, bind, chain_of, make_member, make_members, make_staff

CHAIN = """
query($id: ID!, $level: Int!, $first: Int, $after: String) {
  referralChain(memberId: $id) {
    member { id nickname bindingSource referrerId isShareholder }
    upline { id nickname }
    downlineCounts
    downline(level: $level, first: $first, after: $after) {
      edges { node { id nickname referrerId } cursor }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
CORRECT = """
mutation($input: CorrectReferrerInput!) {
  correctReferrer(input: $input) {
    correction { memberId referrerId previousReferrerId uplineIds descendantsMoved }
    userErrors { field code message }
  }
}
"""


async def _chain(gql: Gql, token: str, member_gid: str, level: int = 1, **page: Any) -> Any:
    body = await gql("admin", CHAIN, {"id": member_gid, "level": level, **page}, token=token)
    assert "errors" not in body, body
    return body["data"]["referralChain"]


async def test_a_members_chain_shows_the_upline_and_each_level_of_downline(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given top → mid, with three friends under mid and one under the first of those
    top, mid = await chain_of(mongo, shop, 2, "up")
    friends = await make_members(mongo, shop.merchant.merchant.id, 3, "f")
    for f in friends:
        await bind(mongo, shop, f.id, mid.id)
    grandchild = await make_member(mongo, shop, "g")
    await bind(mongo, shop, grandchild.id, friends[0].id)

    # when the owner opens mid's chain, level 1 two at a time, then level 2
    first_page = await _chain(gql, owner_token, mid.gid, first=2)
    cursor = first_page["downline"]["pageInfo"]["endCursor"]
    second_page = await _chain(gql, owner_token, mid.gid, first=2, after=cursor)
    level2 = await _chain(gql, owner_token, mid.gid, level=2)

    # then the upline is top, the counts are 3 then 1, and the pages walk the three friends then the grandchild
    assert [m["id"] for m in first_page["upline"]] == [top.gid]
    assert first_page["downlineCounts"][:3] == [3, 1, 0]
    assert first_page["member"]["referrerId"] == top.gid
    walked = first_page["downline"]["edges"] + second_page["downline"]["edges"]
    assert [e["node"]["id"] for e in walked] == [f.gid for f in friends]
    assert first_page["downline"]["pageInfo"]["hasNextPage"] is True
    assert second_page["downline"]["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["id"] for e in level2["downline"]["edges"]] == [grandchild.gid]


async def test_the_chain_view_costs_the_same_queries_for_a_small_and_a_large_network(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a member with a deep upline and two friends, and another with a short upline and twenty friends
    deep = (await chain_of(mongo, shop, 8, "deep"))[-1]
    small = await make_members(mongo, shop.merchant.merchant.id, 2, "s")
    for f in small:
        await bind(mongo, shop, f.id, deep.id)
    wide = await make_member(mongo, shop, "wide")
    for f in await make_members(mongo, shop.merchant.merchant.id, 20, "w"):
        await bind(mongo, shop, f.id, wide.id)

    # when the owner opens both chains
    with count_commands(mongo) as few:
        await _chain(gql, owner_token, deep.gid, first=20)
    with count_commands(mongo) as many:
        await _chain(gql, owner_token, wide.gid, first=20)

    # then both cost the same handful of queries
    # (the staff member, the member, the upline, its shareholders, the counts, the page, its shareholders)
    assert len(few) == len(many) == 7, (few, many)


async def test_the_owner_moves_a_member_and_their_whole_downline(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given old → member → child → grandchild, and a new referrer elsewhere with an upline of their own
    old, member, child, grandchild = await chain_of(mongo, shop, 4, "a")
    new_top, new_referrer = await chain_of(mongo, shop, 2, "b")

    # when the owner corrects the member's referrer
    variables = {"input": {"memberId": member.gid, "referrerId": new_referrer.gid, "reason": "顾客说是小王介绍的"}}
    body = await gql("admin", CORRECT, variables, token=owner_token)

    # then the member and everyone below now sit under the new referrer, nearest first
    payload = body["data"]["correctReferrer"]
    assert payload["userErrors"] == []
    assert payload["correction"] == {
        "memberId": member.gid,
        "referrerId": new_referrer.gid,
        "previousReferrerId": old.gid,
        "uplineIds": [new_referrer.gid, new_top.gid],
        "descendantsMoved": 2,
    }
    assert await ancestors(mongo, member.id) == [new_referrer.id, new_top.id]
    assert await ancestors(mongo, child.id) == [member.id, new_referrer.id, new_top.id]
    assert await ancestors(mongo, grandchild.id) == [child.id, member.id, new_referrer.id, new_top.id]
    # and the correction is an event and an audit entry, with the reason
    event = await mongo.db[c.REFERRAL_BINDINGS].find_one({"member_id": member.id, "source": "CORRECTION"})
    assert event is not None and (event["previous_referrer_id"], event["reason"]) == (old.id, "顾客说是小王介绍的")
    audit = await mongo.db[c.AUDIT_LOG].find_one({"action": "referral.correct", "target_id": member.id})
    assert audit is not None and audit["actor_id"] == shop.merchant.owner.id


async def test_a_correction_that_would_close_a_loop_or_lacks_a_reason_is_refused(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given top → mid → low
    top, _, low = await chain_of(mongo, shop, 3)

    # when the owner tries to put top under low, and then to correct without a reason, or to the same referrer
    looping = await gql(
        "admin", CORRECT, {"input": {"memberId": top.gid, "referrerId": low.gid, "reason": "试试"}}, token=owner_token
    )
    no_reason = await gql("admin", CORRECT, {"input": {"memberId": low.gid, "reason": "  "}}, token=owner_token)

    # then both are refused and nothing moved
    assert looping["data"]["correctReferrer"]["userErrors"][0]["code"] == "REFERRAL_CYCLE"
    assert no_reason["data"]["correctReferrer"]["userErrors"][0]["code"] == "REASON_REQUIRED"
    assert await ancestors(mongo, top.id) == []
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({"source": "CORRECTION"}) == 0


async def test_only_the_owner_may_correct_and_cashiers_cannot_see_chains(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a manager and a cashier, and a bound member
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13800000021", "店长")
    cashier = await make_staff(mongo, pii, shop, Role.CASHIER, "13800000022", "收银")
    top, low = await chain_of(mongo, shop, 2)

    # when the manager tries to detach the member, and the cashier opens the chain
    body = await gql("admin", CORRECT, {"input": {"memberId": low.gid, "reason": "错绑"}}, token=manager.token)
    seen = await gql("admin", CHAIN, {"id": low.gid, "level": 1}, token=cashier.token)
    managed = await _chain(gql, manager.token, low.gid)

    # then the correction is forbidden, the cashier too, while the manager may read the chain
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert seen["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [m["id"] for m in managed["upline"]] == [top.gid]
    assert await ancestors(mongo, low.id) == [top.id]
