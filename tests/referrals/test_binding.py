"""Binding on the first touch: the friend gets the sharer as referrer and the whole upline as ancestors, once
and for good; no self-referral, no loops (also when two members touch each other at the same moment), no
look-alike pairs; two sharers racing for one friend have exactly one winner; staff codes attribute to staff.
"""

import asyncio

from db import collections as c
from db.mongo import Mongo
from domain.coupons.touch import Sharer
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, Refusal, bind_referrer
from domain.referrals.chain import MAX_ANCESTORS
from domain.tenancy import Role
from tests.conftest import Shop, open_shop
from tests.referrals.conftest import (
    ancestors,
    bind,
    bind_phone,
    chain_of,
    make_member,
    make_members,
    make_staff,
    member_doc,
)


async def test_first_touch_binds_the_friend_under_the_sharer_with_the_whole_upline(mongo: Mongo, shop: Shop) -> None:
    # given a shareholder who was brought in by someone, and a friend nobody has brought yet
    grandpa, shareholder = await chain_of(mongo, shop, 2)
    friend = await make_member(mongo, shop, "friend")

    # when the friend opens the shareholder's share link
    result = await bind(mongo, shop, friend.id, shareholder.id)

    # then the friend's referrer is the shareholder and their upline the shareholder's, nearest first
    assert result.bound and result.refusal is None
    doc = await member_doc(mongo, friend.id)
    assert doc["referrer_id"] == shareholder.id
    assert doc["ancestors"] == [shareholder.id, grandpa.id]
    assert doc["bound_source"] == "LOGIN_SHARE"
    # and the binding is an event with its source
    events = await mongo.db[c.REFERRAL_BINDINGS].find({"member_id": friend.id}).to_list()
    assert [(e["referrer_id"], e["source"]) for e in events] == [(shareholder.id, "LOGIN_SHARE")]


async def test_a_bound_member_is_never_re_pointed_by_a_later_touch(mongo: Mongo, shop: Shop) -> None:
    # given a friend already bound under one sharer
    first, second, friend = await make_members(mongo, shop.merchant.merchant.id, 3)
    await bind(mongo, shop, friend.id, first.id)

    # when a second sharer's forwarded coupon reaches them
    later = await bind(mongo, shop, friend.id, second.id, BindingSource.FORWARD_ACCEPT)

    # then nothing changes
    assert later.refusal is Refusal.ALREADY_BOUND
    assert (await member_doc(mongo, friend.id))["referrer_id"] == first.id
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({"member_id": friend.id}) == 1


async def test_a_member_cannot_refer_themselves(mongo: Mongo, shop: Shop) -> None:
    # given a member opening their own share link
    member = await make_member(mongo, shop, "self")

    # when the touch is reported
    result = await bind(mongo, shop, member.id, member.id)

    # then nothing is bound
    assert result.refusal is Refusal.SELF_REFERRAL
    assert (await member_doc(mongo, member.id)).get("bound_at") is None


async def test_a_binding_that_would_close_a_loop_is_refused(mongo: Mongo, shop: Shop) -> None:
    # given a chain root → a → b, where the root was never bound to anyone
    root, _, b = await chain_of(mongo, shop, 3)

    # when the root opens b's share link
    result = await bind(mongo, shop, root.id, b.id)

    # then the root stays a root
    assert result.refusal is Refusal.CYCLE
    assert (await member_doc(mongo, root.id)).get("referrer_id") is None


async def test_a_loop_deeper_than_the_stored_upline_is_still_refused(mongo: Mongo, shop: Shop) -> None:
    # given a chain longer than the stored upline list
    people = await chain_of(mongo, shop, MAX_ANCESTORS + 6)
    deepest = people[-1]
    assert len(await ancestors(mongo, deepest.id)) == MAX_ANCESTORS

    # when the root opens the deepest member's share link
    result = await bind(mongo, shop, people[0].id, deepest.id)

    # then the walk past the stored list finds the root and refuses
    assert result.refusal is Refusal.CYCLE


async def test_binding_a_member_who_has_a_downline_extends_every_descendants_upline(mongo: Mongo, shop: Shop) -> None:
    # given a member with two levels of friends, themselves not yet bound, and a shareholder
    top, mid, low = await chain_of(mongo, shop, 3)
    shareholder = await make_member(mongo, shop, "shareholder")

    # when the top member is bound under the shareholder
    assert (await bind(mongo, shop, top.id, shareholder.id)).bound

    # then everyone below sees the shareholder in their upline, in order
    assert await ancestors(mongo, top.id) == [shareholder.id]
    assert await ancestors(mongo, mid.id) == [top.id, shareholder.id]
    assert await ancestors(mongo, low.id) == [mid.id, top.id, shareholder.id]


async def test_two_sharers_racing_for_one_friend_have_exactly_one_winner(mongo: Mongo, shop: Shop) -> None:
    # given ten friends, each reached at the same moment by two different sharers
    merchant_id = shop.merchant.merchant.id
    alice, bob = await make_members(mongo, merchant_id, 2, "sharer")
    friends = await make_members(mongo, merchant_id, 10)

    # when both touches of every friend race
    results = await asyncio.gather(
        *(bind(mongo, shop, f.id, s.id) for f in friends for s in (alice, bob)),
    )

    # then each friend was bound exactly once, to whichever sharer won, with one event
    for i, friend in enumerate(friends):
        pair = results[2 * i : 2 * i + 2]
        assert sorted(r.bound for r in pair) == [False, True]
        assert [r.refusal for r in pair if not r.bound] == [Refusal.ALREADY_BOUND]
        winner = next(r.binding for r in pair if r.binding)
        assert (await member_doc(mongo, friend.id))["referrer_id"] == winner.referrer_id
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({}) == 10


async def test_two_members_touching_each_other_at_once_never_make_a_loop(mongo: Mongo, shop: Shop) -> None:
    # given pairs of unbound members, each about to open the other's link at the same moment
    merchant_id = shop.merchant.merchant.id
    pairs = [await make_members(mongo, merchant_id, 2, f"pair{i}-") for i in range(8)]

    # when both bindings of each pair race
    touches = [bind(mongo, shop, x.id, y.id) for a, b in pairs for x, y in ((a, b), (b, a))]
    results = await asyncio.gather(*touches)

    # then in every pair exactly one was bound and the other refused as a loop
    for i, (a, b) in enumerate(pairs):
        pair = results[2 * i : 2 * i + 2]
        assert sorted(str(r.refusal) for r in pair) == sorted(["None", str(Refusal.CYCLE)])
        referrers = [(await member_doc(mongo, m.id)).get("referrer_id") for m in (a, b)]
        assert sorted(r is None for r in referrers) == [False, True]


async def test_a_staff_code_attributes_the_member_to_the_staff_member(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a technician and a walk-in who scans the technician's QR code
    technician = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13800000011")
    walk_in = await make_member(mongo, shop, "walkin")
    other = await make_member(mongo, shop, "sharer")

    # when the scan is reported, and later a member's link reaches them too
    result = await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=walk_in.id,
        sharer=Sharer(staff_id=technician.staff.id),
        source=BindingSource.STAFF_QR,
    )
    later = await bind(mongo, shop, walk_in.id, other.id)

    # then the walk-in is the technician's for good, with no member upline
    assert result.bound and result.binding and result.binding.staff_id == technician.staff.id
    assert later.refusal is Refusal.ALREADY_BOUND
    doc = await member_doc(mongo, walk_in.id)
    assert doc["acquired_by_staff_id"] == technician.staff.id and doc.get("referrer_id") is None
    event = await mongo.db[c.REFERRAL_BINDINGS].find_one({"member_id": walk_in.id})
    assert event is not None and (event["staff_id"], event["source"]) == (technician.staff.id, "STAFF_QR")


async def test_accounts_that_look_like_one_person_are_not_bound(mongo: Mongo, shop: Shop, pii: PiiCipher) -> None:
    # given a sharer and three second accounts: same WeChat unionid, same device, same phone on the card
    sharer = await make_member(mongo, shop, "sharer", unionid="u-same", device_ids=["dev-1"])
    same_union = await make_member(mongo, shop, "twin", unionid="u-same")
    same_device = await make_member(mongo, shop, "device", device_ids=["dev-0", "dev-1"])
    same_phone = await make_member(mongo, shop, "phone")
    for m in (sharer, same_phone):
        await bind_phone(mongo, pii, shop, m.id, "13912345678")

    # when each of them opens the sharer's link
    results = [await bind(mongo, shop, m.id, sharer.id) for m in (same_union, same_device, same_phone)]

    # then none is bound
    assert [r.refusal for r in results] == [Refusal.SHARED_IDENTITY] * 3
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({}) == 0


async def test_a_sharer_of_another_merchant_is_unknown(mongo: Mongo, shop: Shop, pii: PiiCipher) -> None:
    # given a member of this shop and a member of another merchant
    other = await open_shop(mongo, pii, "13900000002", name="乙店")
    stranger = await make_member(mongo, other, "stranger")
    friend = await make_member(mongo, shop, "friend")

    # when the other merchant's member is reported as the sharer
    result = await bind(mongo, shop, friend.id, stranger.id)

    # then nothing is bound
    assert result.refusal is Refusal.UNKNOWN_SHARER
