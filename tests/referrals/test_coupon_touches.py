"""Coupons passed on bind friends: accepting a forwarded coupon binds the friend under the member who
forwarded it, taking one from a shareholder's pack binds them under the shareholder, and a staff member's
pack attributes them to that staff member; a friend already bound stays where they are.
"""

from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from schema.ids import to_global_id
from tests.conftest import Gql, Shop
from tests.coupons.conftest import CLAIM, new_template
from tests.referrals.conftest import Person, bind, make_member, make_members, member_doc

FORWARD = """
mutation($input: ForwardCouponInput!) { forwardCoupon(input: $input) { share { token } userErrors { code } } }
"""
ACCEPT = "mutation($input: AcceptCouponInput!) { acceptCoupon(input: $input) { coupon { id } userErrors { code } } }"
GRANT = "mutation($input: GrantPackInput!) { grantPack(input: $input) { pack { id } userErrors { code } } }"
SHARE = "mutation($input: SharePackInput!) { sharePack(input: $input) { share { token } userErrors { code } } }"
TAKE = "mutation($input: ClaimFromPackInput!) { claimFromPack(input: $input) { coupon { id } userErrors { code } } }"
FUNNEL = """
query($id: ID!, $groupBy: CouponFunnelGroupBy) {
  couponFunnel(templateId: $id, groupBy: $groupBy) {
    funnel { rows { sharerMemberId staffMemberId claimed newMembers } total { claimed newMembers } }
    userErrors { code }
  }
}
"""


async def _data(gql: Gql, door: str, doc: str, variables: dict[str, Any], token: str) -> Any:
    body = await gql(door, doc, variables, token=token)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], body
    return payload


async def _pack_token(gql: Gql, owner_token: str, template: str, holder: dict[str, str], share_token: str) -> str:
    grant = {"templateId": template, "size": 5, "idempotencyKey": str(ObjectId()), **holder}
    pack = (await _data(gql, "admin", GRANT, {"input": grant}, owner_token))["pack"]["id"]
    door = "member" if "memberId" in holder else "admin"
    return str((await _data(gql, door, SHARE, {"input": {"packId": pack}}, share_token))["share"]["token"])


async def _forward_to(gql: Gql, owner_token: str, sender: Person, friend: Person) -> None:
    template = await new_template(gql, owner_token)
    claim = {"templateId": template, "idempotencyKey": str(ObjectId())}
    coupon = (await _data(gql, "member", CLAIM, {"input": claim}, sender.token))["coupon"]["id"]
    share = await _data(gql, "member", FORWARD, {"input": {"couponId": coupon}}, sender.token)
    await _data(gql, "member", ACCEPT, {"input": {"token": share["share"]["token"]}}, friend.token)


async def test_accepting_a_forwarded_coupon_binds_the_friend_under_the_sender(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member who forwards a coupon to a friend nobody has brought yet
    sender = await make_member(mongo, shop, "sender")
    friend = await make_member(mongo, shop, "friend")

    # when the friend accepts it
    await _forward_to(gql, owner_token, sender, friend)

    # then the friend is bound under the sender, from a forward
    doc = await member_doc(mongo, friend.id)
    assert (doc["referrer_id"], doc["bound_source"]) == (sender.id, "FORWARD_ACCEPT")


async def test_taking_from_a_shareholders_pack_binds_the_friend_under_the_shareholder(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder's shared pack
    holder = await make_member(mongo, shop, "holder")
    template = await new_template(gql, owner_token)
    token = await _pack_token(gql, owner_token, template, {"memberId": holder.gid}, holder.token)
    friend = await make_member(mongo, shop, "friend")

    # when a friend takes a coupon from it
    await _data(gql, "member", TAKE, {"input": {"token": token}}, friend.token)

    # then the friend is bound under the shareholder, from a pack
    doc = await member_doc(mongo, friend.id)
    assert (doc["referrer_id"], doc["bound_source"]) == (holder.id, "PACK_CLAIM")


async def test_taking_from_a_staff_pack_attributes_the_friend_to_the_staff_member(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given the owner's own pack, shared from the admin
    template = await new_template(gql, owner_token)
    owner_gid = to_global_id("StaffMember", shop.merchant.owner.id)
    token = await _pack_token(gql, owner_token, template, {"staffMemberId": owner_gid}, owner_token)
    friend = await make_member(mongo, shop, "friend")

    # when a friend takes a coupon from it
    await _data(gql, "member", TAKE, {"input": {"token": token}}, friend.token)

    # then the friend is the owner's, from a pack
    doc = await member_doc(mongo, friend.id)
    assert (doc["acquired_by_staff_id"], doc["bound_source"]) == (shop.merchant.owner.id, "PACK_CLAIM")


async def test_a_forward_to_a_friend_already_bound_changes_nothing(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a friend already bound under someone else
    first = await make_member(mongo, shop, "first")
    sender = await make_member(mongo, shop, "sender")
    friend = await make_member(mongo, shop, "friend")
    await bind(mongo, shop, friend.id, first.id)

    # when they accept a coupon forwarded by another member
    await _forward_to(gql, owner_token, sender, friend)

    # then they stay under the first, with one binding event
    assert (await member_doc(mongo, friend.id))["referrer_id"] == first.id
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({"member_id": friend.id}) == 1


async def test_the_coupon_funnel_counts_the_new_members_each_sharer_brought_in(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given two shareholders' packs of one template, and a friend of the first already bound elsewhere
    template = await new_template(gql, owner_token)
    alice = await make_member(mongo, shop, "alice")
    bob = await make_member(mongo, shop, "bob")
    alice_pack = await _pack_token(gql, owner_token, template, {"memberId": alice.gid}, alice.token)
    bob_pack = await _pack_token(gql, owner_token, template, {"memberId": bob.gid}, bob.token)
    friends = await make_members(mongo, shop.merchant.merchant.id, 4)
    await bind(mongo, shop, friends[0].id, bob.id)

    # when three friends take from alice's pack and one from bob's
    for friend, token in zip(friends, [alice_pack, alice_pack, alice_pack, bob_pack], strict=True):
        await _data(gql, "member", TAKE, {"input": {"token": token}}, friend.token)

    # then alice's row shows three claims and two new members, bob's one claim and one new member
    body = await gql("admin", FUNNEL, {"id": template, "groupBy": "SHARER"}, token=owner_token)
    funnel = body["data"]["couponFunnel"]["funnel"]
    rows = {r["sharerMemberId"]: (r["claimed"], r["newMembers"]) for r in funnel["rows"]}
    assert rows == {alice.gid: (3, 2), bob.gid: (1, 1)}
    assert funnel["total"] == {"claimed": 4, "newMembers": 3}
