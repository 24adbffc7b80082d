"""Coupon packs (积客包): a pack of N granted to a member or staff member, shared as one link; each friend
takes one, never more than N in all, never two per friend, and each coupon remembers where it came from.
"""

import asyncio
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.coupons import packs
from domain.coupons.touch import Sharer
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands, open_shop
from tests.coupons.conftest import Customer, make_member, make_members, make_staff, new_template, oid

GRANT = """
mutation($input: GrantPackInput!) {
  grantPack(input: $input) {
    pack { id size taken remaining holderMemberId holderStaffMemberId template { issued remaining } }
    userErrors { field code message }
  }
}
"""

MEMBER_SHARE = """
mutation($input: SharePackInput!) {
  sharePack(input: $input) { share { token path } pack { remaining } userErrors { code } }
}
"""

STAFF_SHARE = """
mutation($input: SharePackInput!) {
  sharePack(input: $input) { share { token path } userErrors { code } }
}
"""

TAKE = """
mutation($input: ClaimFromPackInput!) {
  claimFromPack(input: $input) { coupon { id fromPack status } userErrors { field code message } }
}
"""

PACK = """
query($token: String!) {
  couponPack(token: $token) { pack { size taken remaining } myCoupon { id } blockedBy { code } }
}
"""

MY_PACKS = """
query { myCouponPacks { edges { node { id size remaining template { title } } } } }
"""


async def _grant(gql: Gql, token: str, template: str, size: int, **holder: str) -> dict[str, Any]:
    variables = {"input": {"templateId": template, "size": size, "idempotencyKey": str(ObjectId()), **holder}}
    body = await gql("admin", GRANT, variables, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["grantPack"]
    return payload


async def _share_as_member(gql: Gql, holder: Customer, pack: str) -> str:
    body = await gql("member", MEMBER_SHARE, {"input": {"packId": pack}}, token=holder.token)
    return str(body["data"]["sharePack"]["share"]["token"])


async def _take(gql: Gql, who: Customer, token: str) -> dict[str, Any]:
    body = await gql("member", TAKE, {"input": {"token": token}}, token=who.token)
    payload: dict[str, Any] = body["data"]["claimFromPack"]
    return payload


async def _shareholder_pack(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, size: int, **template: Any
) -> tuple[Customer, str, str]:
    gid = await new_template(gql, owner_token, title="股东体验卡", **template)
    holder = await make_member(mongo, shop, "shareholder")
    pack = (await _grant(gql, owner_token, gid, size, memberId=holder.gid))["pack"]["id"]
    return holder, pack, await _share_as_member(gql, holder, pack)


@pytest.mark.slow
async def test_a_pack_of_50_shared_with_300_friends_at_once_gives_exactly_50(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder's pack of 50 shared in a busy group chat of 300
    holder, pack, token = await _shareholder_pack(gql, owner_token, mongo, shop, 50)
    friends = await make_members(mongo, shop, 300)

    # when every friend taps it at once
    results = await asyncio.gather(*(_take(gql, f, token) for f in friends))

    # then exactly 50 friends hold one each and the rest are told it is empty
    assert sum(1 for r in results if r["coupon"]) == 50
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"PACK_EMPTY"}
    assert await mongo.db[c.COUPONS].count_documents({}) == 50
    assert len(await mongo.db[c.COUPONS].distinct("owner_id")) == 50
    stored = await mongo.db[c.COUPON_PACKS].find_one({"_id": oid("CouponPack", pack)})
    assert stored is not None and stored["taken"] == 50


async def test_a_friend_tapping_many_times_gets_one_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shared pack of 5
    holder, pack, token = await _shareholder_pack(gql, owner_token, mongo, shop, 5)
    friend = await make_member(mongo, shop, "eager")

    # when one friend taps 10 times at once, and once more later
    racing = await asyncio.gather(*(_take(gql, friend, token) for _ in range(10)))
    later = await _take(gql, friend, token)

    # then they have one coupon, every answer is that coupon, and the pack gave one
    assert len({r["coupon"]["id"] for r in [*racing, later]}) == 1
    assert await mongo.db[c.COUPONS].count_documents({"owner_id": friend.id}) == 1
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "COUPON_RECEIVED"}) == 1
    view = await gql("member", PACK, {"token": token}, token=friend.token)
    assert view["data"]["couponPack"] == {
        "pack": {"size": 5, "taken": 1, "remaining": 4},
        "myCoupon": {"id": later["coupon"]["id"]},
        "blockedBy": None,
    }


async def test_granting_a_pack_takes_its_coupons_from_the_stock(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a template with a stock of 100 and a member
    template = await new_template(gql, owner_token, stock=100)
    holder = await make_member(mongo, shop, "shareholder")

    # when packs of 60 and then 50 are granted
    first = await _grant(gql, owner_token, template, 60, memberId=holder.gid)
    second = await _grant(gql, owner_token, template, 50, memberId=holder.gid)

    # then the first takes 60 of the stock and the second does not fit
    assert first["pack"]["template"] == {"issued": 60, "remaining": 40}
    assert first["pack"]["holderMemberId"] == holder.gid
    assert second["userErrors"][0]["code"] == "COUPON_OUT_OF_STOCK"


async def test_a_retried_grant_returns_the_first_pack(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a grant whose answer the admin app lost
    template = await new_template(gql, owner_token, stock=100)
    holder = await make_member(mongo, shop, "shareholder")
    variables = {"input": {"templateId": template, "size": 30, "idempotencyKey": "grant-1", "memberId": holder.gid}}

    # when it is sent again, twice at once
    results = await asyncio.gather(*(gql("admin", GRANT, variables, token=owner_token) for _ in range(3)))

    # then one pack exists and the stock went down once
    assert len({r["data"]["grantPack"]["pack"]["id"] for r in results}) == 1
    assert await mongo.db[c.COUPON_PACKS].count_documents({}) == 1
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 30


async def test_a_staff_pack_records_the_staff_member_on_each_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a technician holding a pack of 3, shared from the admin app
    template = await new_template(gql, owner_token, title="员工推荐券")
    technician = await make_staff(mongo, pii, shop, tenancy.Role.TECHNICIAN, "13700000009")
    staff_gid = to_global_id("StaffMember", technician.staff.id)
    granted = await _grant(gql, owner_token, template, 3, staffMemberId=staff_gid)
    shared = await gql("admin", STAFF_SHARE, {"input": {"packId": granted["pack"]["id"]}}, token=technician.token)
    token = shared["data"]["sharePack"]["share"]["token"]
    friend = await make_member(mongo, shop, "customer")

    # when a customer takes one
    taken = await _take(gql, friend, token)

    # then the coupon's source is the pack and the technician
    assert granted["pack"]["holderStaffMemberId"] == staff_gid
    assert taken["coupon"]["fromPack"] is True
    doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", taken["coupon"]["id"])})
    assert doc is not None
    assert doc["source"] == {
        "kind": "PACK",
        "pack_id": oid("CouponPack", granted["pack"]["id"]),
        "member_id": None,
        "staff_id": technician.staff.id,
    }


async def test_the_holder_cannot_take_from_their_own_pack(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a shareholder's shared pack
    holder, pack, token = await _shareholder_pack(gql, owner_token, mongo, shop, 5)

    # when the shareholder taps their own link, and someone tries a made-up link
    own = await _take(gql, holder, token)
    forged = await _take(gql, holder, f"{pack}.forged")

    # then both are refused with their own codes
    assert own["userErrors"][0]["code"] == "CANNOT_CLAIM_OWN_PACK"
    assert forged["userErrors"][0]["code"] == "PACK_NOT_FOUND"


async def test_taking_from_a_pack_reports_the_first_touch(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a shared pack and a hook standing in for the referral capability
    holder, pack, token = await _shareholder_pack(gql, owner_token, mongo, shop, 5)
    friend = await make_member(mongo, shop, "friend")
    touches: list[Sharer] = []

    async def hook(*, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> None:
        assert member_id == friend.id
        touches.append(sharer)

    # when the friend takes one through the domain with the hook wired in
    await packs.claim_from_pack(
        mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=friend.id, token=token, on_first_touch=hook
    )

    # then the hook heard that the shareholder brought the friend
    assert touches == [Sharer(member_id=holder.id)]


async def test_my_packs_is_two_queries(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a shareholder holding packs of three templates
    holder = await make_member(mongo, shop, "shareholder")
    for i in range(3):
        template = await new_template(gql, owner_token, title=f"券{i}")
        await _grant(gql, owner_token, template, 10, memberId=holder.gid)

    # when they open their packs
    with count_commands(mongo) as commands:
        body = await gql("member", MY_PACKS, token=holder.token)

    # then the packs and their templates come in two queries, newest first
    titles = [e["node"]["template"]["title"] for e in body["data"]["myCouponPacks"]["edges"]]
    assert titles == ["券2", "券1", "券0"]
    assert commands == ["find", "find"]


async def test_a_pack_goes_only_to_a_holder_of_this_merchant(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a template and a member of another merchant
    template = await new_template(gql, owner_token, stock=10)
    other_shop = await open_shop(mongo, pii, "13900000002", name="乙店")
    stranger = await make_member(mongo, other_shop, "stranger")

    # when the owner grants them a pack, or a pack with no holder at all
    foreign = await _grant(gql, owner_token, template, 5, memberId=stranger.gid)
    nobody = await _grant(gql, owner_token, template, 5)

    # then both are refused and no stock was taken
    assert foreign["userErrors"] == [
        {"field": "memberId", "code": "PACK_HOLDER_INVALID", "message": "请选择一位本店会员或员工"}
    ]
    assert nobody["userErrors"][0]["code"] == "PACK_HOLDER_INVALID"
    stored = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": oid("CouponTemplate", template)})
    assert stored is not None and stored["issued"] == 0
