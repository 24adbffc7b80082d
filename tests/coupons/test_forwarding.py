"""Forwarding a coupon to a friend (转赠): one owner at every moment, one accept per forward, the sender may
recall until it is accepted, an unaccepted forward is back with the sender after 24 hours, and every
refusal says why.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.coupons import forwarding
from domain.coupons.touch import Sharer
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer, claimed_coupon, make_member, make_members, new_template, oid

FORWARD = """
mutation($input: ForwardCouponInput!) {
  forwardCoupon(input: $input) {
    share { token path expiresAt }
    coupon { id status pendingForward { token } }
    userErrors { field code message }
  }
}
"""

ACCEPT = """
mutation($input: AcceptCouponInput!) {
  acceptCoupon(input: $input) {
    coupon { id status receivedAt template { title } }
    userErrors { field code message }
  }
}
"""

RECALL = """
mutation($input: RecallCouponInput!) {
  recallCoupon(input: $input) {
    coupon { id status }
    userErrors { field code message }
  }
}
"""

PREVIEW = """
query($token: String!) {
  couponForward(token: $token) { senderNickname template { title } blockedBy { code } }
}
"""

WALLET = "query($status: CouponStatus) { myCoupons(status: $status) { edges { node { id status } } } }"


async def _forward(gql: Gql, who: Customer, coupon: str) -> dict[str, Any]:
    body = await gql("member", FORWARD, {"input": {"couponId": coupon}}, token=who.token)
    payload: dict[str, Any] = body["data"]["forwardCoupon"]
    return payload


async def _accept(gql: Gql, who: Customer, token: str) -> dict[str, Any]:
    body = await gql("member", ACCEPT, {"input": {"token": token}}, token=who.token)
    payload: dict[str, Any] = body["data"]["acceptCoupon"]
    return payload


async def _recall(gql: Gql, who: Customer, coupon: str) -> dict[str, Any]:
    body = await gql("member", RECALL, {"input": {"couponId": coupon}}, token=who.token)
    payload: dict[str, Any] = body["data"]["recallCoupon"]
    return payload


async def _wallet(gql: Gql, who: Customer, status: str) -> list[tuple[str, str]]:
    body = await gql("member", WALLET, {"status": status}, token=who.token)
    return [(e["node"]["id"], e["node"]["status"]) for e in body["data"]["myCoupons"]["edges"]]


async def _given_a_forwarded_coupon(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> tuple[Customer, str, str]:
    template = await new_template(gql, owner_token, title="洗剪吹 8 折")
    sender = await make_member(mongo, shop, "sender")
    coupon = await claimed_coupon(gql, sender, template)
    share = (await _forward(gql, sender, coupon))["share"]
    return sender, coupon, share["token"]


async def test_friend_accepts_a_forwarded_coupon_and_the_hand_over_is_recorded(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member who forwards a coupon to a friend in WeChat
    template = await new_template(gql, owner_token, title="洗剪吹 8 折")
    sender, friend = await make_members(mongo, shop, 2)
    coupon = await claimed_coupon(gql, sender, template)
    forwarded = await _forward(gql, sender, coupon)

    # when the friend opens the share card and accepts
    preview = await gql("member", PREVIEW, {"token": forwarded["share"]["token"]}, token=friend.token)
    accepted = await _accept(gql, friend, forwarded["share"]["token"])

    # then the coupon moved to the friend, the sender's wallet no longer has it, and the chain says who gave it
    assert forwarded["coupon"]["status"] == "FORWARDING"
    assert forwarded["share"]["path"] == f"/pages/coupons/accept?token={forwarded['share']['token']}"
    assert preview["data"]["couponForward"] == {
        "senderNickname": "friend0",
        "template": {"title": "洗剪吹 8 折"},
        "blockedBy": None,
    }
    assert accepted["userErrors"] == [] and accepted["coupon"]["status"] == "ACTIVE"
    assert await _wallet(gql, friend, "ACTIVE") == [(coupon, "ACTIVE")]
    assert await _wallet(gql, sender, "ACTIVE") == []
    doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert doc is not None and doc["owner_id"] == friend.id and doc["claimed_by"] == sender.id
    assert [(h["from_id"], h["to_id"]) for h in doc["chain"]] == [(sender.id, friend.id)]
    # and the friend will be told it arrived (券到账), the sender not, and by no journey
    received = await mongo.db[c.OUTBOX].find({"kind": "COUPON_RECEIVED"}).to_list()
    assert [e["payload"] for e in received] == [{"coupon_id": doc["_id"], "member_id": friend.id, "journey_id": None}]


async def test_twenty_friends_accepting_at_once_make_exactly_one_owner(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a coupon forwarded into a group chat of 20 friends
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
    friends = await make_members(mongo, shop, 20, "groupie")

    # when all of them tap accept at once
    results = await asyncio.gather(*(_accept(gql, f, token) for f in friends))

    # then exactly one owns it; everyone else is told it was already accepted
    winners = [f for f, r in zip(friends, results, strict=True) if r["coupon"]]
    assert len(winners) == 1
    assert {r["userErrors"][0]["code"] for r in results if not r["coupon"]} == {"FORWARD_ALREADY_ACCEPTED"}
    doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert doc is not None and doc["owner_id"] == winners[0].id and len(doc["chain"]) == 1
    assert await mongo.db[c.COUPONS].count_documents({}) == 1
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "COUPON_RECEIVED"}) == 1


async def test_recall_racing_accept_has_one_winner_and_a_consistent_coupon(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    for _ in range(5):
        # given a pending forward
        sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
        friend = await make_member(mongo, shop, "friend")

        # when the sender recalls it at the moment the friend accepts
        recalled, accepted = await asyncio.gather(_recall(gql, sender, coupon), _accept(gql, friend, token))

        # then exactly one of them succeeded, and the coupon agrees with whichever it was
        assert (recalled["coupon"] is None) != (accepted["coupon"] is None), (recalled, accepted)
        doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
        assert doc is not None and doc["status"] == "ACTIVE"
        if accepted["coupon"]:
            assert recalled["userErrors"][0]["code"] == "FORWARD_ALREADY_ACCEPTED"
            assert doc["owner_id"] == friend.id and len(doc["chain"]) == 1
        else:
            assert accepted["userErrors"][0]["code"] == "FORWARD_RECALLED"
            assert doc["owner_id"] == sender.id and doc["chain"] == [] and doc["forward"]["recalled_at"]


async def test_an_unaccepted_forward_is_back_with_the_sender_after_24_hours(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a forward made 25 hours ago that nobody accepted (no sweep has run)
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
    friend = await make_member(mongo, shop, "late")
    lapsed = datetime.now(UTC) - timedelta(hours=1)
    await mongo.db[c.COUPONS].update_one(
        {"_id": oid("Coupon", coupon)}, {"$set": {"forward_until": lapsed, "forward.expires_at": lapsed}}
    )

    # when the sender opens their wallet and the friend finally taps accept
    active = await _wallet(gql, sender, "ACTIVE")
    forwarding_tab = await _wallet(gql, sender, "FORWARDING")
    accepted = await _accept(gql, friend, token)

    # then the coupon is ACTIVE with the sender again, and the late accept gets its own error
    assert active == [(coupon, "ACTIVE")] and forwarding_tab == []
    assert accepted["userErrors"][0]["code"] == "FORWARD_EXPIRED"
    # and the sender can forward it again, to someone else
    again = await _forward(gql, sender, coupon)
    assert again["userErrors"] == [] and again["share"]["token"] != token


async def test_refusals_for_own_forward_used_token_recalled_and_untransferable(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a forwarded coupon, a friend, a third member and a non-transferable coupon
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
    friend, third = await make_members(mongo, shop, 2, "pal")
    personal = await new_template(gql, owner_token, title="生日专享", transferable=False)
    kept = await claimed_coupon(gql, sender, personal)

    # when the sender accepts their own, the friend accepts, a third member reuses the token,
    # the sender recalls after the accept, and the sender forwards the personal coupon
    own = await _accept(gql, sender, token)
    await _accept(gql, friend, token)
    reused = await _accept(gql, third, token)
    late_recall = await _recall(gql, sender, coupon)
    untransferable = await _forward(gql, sender, kept)
    garbage = await _accept(gql, third, "not-a-token")

    # then each gets its own code
    assert [p["userErrors"][0]["code"] for p in (own, reused, late_recall, untransferable, garbage)] == [
        "CANNOT_ACCEPT_OWN_FORWARD",
        "FORWARD_ALREADY_ACCEPTED",
        "FORWARD_ALREADY_ACCEPTED",
        "COUPON_NOT_TRANSFERABLE",
        "FORWARD_NOT_FOUND",
    ]


async def test_a_recalled_forward_cannot_be_accepted(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> None:
    # given a forward the sender took back
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
    friend = await make_member(mongo, shop, "friend")
    recalled = await _recall(gql, sender, coupon)

    # when the friend accepts the old link
    accepted = await _accept(gql, friend, token)

    # then it is refused as recalled and the sender still has the coupon
    assert recalled["coupon"]["status"] == "ACTIVE"
    assert accepted["userErrors"][0]["code"] == "FORWARD_RECALLED"
    assert await _wallet(gql, sender, "ACTIVE") == [(coupon, "ACTIVE")]


async def test_forwarding_twice_shares_the_same_pending_forward(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a pending forward
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)

    # when the sender shares it again to another chat
    again = await _forward(gql, sender, coupon)

    # then it is the same forward, so only one friend can ever get it
    assert again["share"]["token"] == token and again["coupon"]["pendingForward"]["token"] == token


async def test_accepting_reports_the_first_touch_to_the_referral_hook(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a forwarded coupon and a hook standing in for the referral capability
    sender, coupon, token = await _given_a_forwarded_coupon(gql, owner_token, mongo, shop)
    friend = await make_member(mongo, shop, "friend")
    touches: list[tuple[ObjectId, ObjectId, Sharer]] = []

    async def hook(*, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> None:
        touches.append((merchant_id, member_id, sharer))

    # when the friend accepts through the domain with the hook wired in
    await forwarding.accept_coupon(
        mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=friend.id, token=token, on_first_touch=hook
    )

    # then the hook heard who brought whom
    assert touches == [(shop.merchant.merchant.id, friend.id, Sharer(member_id=sender.id))]
