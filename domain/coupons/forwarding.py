"""Forwarding a coupon to a friend (转赠): forward, accept, recall, and what the friend sees before accepting.

Every transition is one conditional update on the coupon keyed by the forward's token, so of any number of
concurrent accepts exactly one moves the owner, and a recall racing an accept has exactly one winner. A
forward nobody accepts is back with the sender after 24 hours by computation (`forward_until`), swept later
by cron only for tidiness. The hand-over chain is pushed onto the coupon in the same update as the owner.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from db import collections as c
from db.mongo import Mongo
from domain.coupons import funnel
from domain.coupons.coupon import (
    Coupon,
    CouponStatus,
    Held,
    announce_received,
    coupon_from_doc,
    load_coupon,
    status_filter,
    with_templates,
)
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.touch import FirstTouch, ShareLink, Sharer, report_touch
from domain.members import display_name

FORWARD_TTL = timedelta(hours=24)
ACCEPT_PATH = "/pages/coupons/accept"


@dataclass(frozen=True)
class ForwardShare:
    link: ShareLink
    held: Held


@dataclass(frozen=True)
class ForwardPreview:
    held: Held
    sender_id: ObjectId
    sender_nickname: str
    expires_at: datetime
    # Why this member cannot accept it; None when the accept button works.
    refusal: CouponCode | None


def pending_link(coupon: Coupon, now: datetime) -> ShareLink | None:
    """The link of the coupon's pending forward, for its owner to share again; None when none is pending."""
    if coupon.forward is None or coupon.status_at(now) is not CouponStatus.FORWARDING:
        return None
    token = f"{coupon.id}.{coupon.forward.token}"
    return ShareLink(token, f"{ACCEPT_PATH}?token={token}", coupon.forward.expires_at)


def _parse(token: str) -> tuple[ObjectId, str]:
    coupon_hex, _, nonce = token.strip().partition(".")
    try:
        return ObjectId(coupon_hex), nonce
    except (InvalidId, TypeError) as e:
        raise CouponError(CouponCode.FORWARD_NOT_FOUND, "token") from e


async def _share(mongo: Mongo, coupon: Coupon, now: datetime) -> ForwardShare:
    link = pending_link(coupon, now)
    assert link is not None
    return ForwardShare(link, (await with_templates(mongo, [coupon]))[0])


async def forward_coupon(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, coupon_id: ObjectId
) -> ForwardShare:
    """Starts a forward, or hands back the pending one (sharing the same forward to another chat)."""
    now = datetime.now(UTC)
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None or coupon.owner_id != member_id:
        raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
    if coupon.status_at(now) is CouponStatus.FORWARDING:
        return await _share(mongo, coupon, now)
    if not coupon.transferable:
        raise CouponError(CouponCode.COUPON_NOT_TRANSFERABLE, "couponId")
    code = coupon.blocker(now)
    if code is not None:
        raise CouponError(code, "couponId")
    expires = now + FORWARD_TTL
    doc = await mongo.db[c.COUPONS].find_one_and_update(
        {
            "merchant_id": coupon.merchant_id,
            "_id": coupon.id,
            "owner_id": member_id,
            "lock_until": {"$lte": now},
            **status_filter(CouponStatus.ACTIVE, now),
        },
        {
            "$set": {
                "status": CouponStatus.FORWARDING.value,
                "forward": {"token": secrets.token_urlsafe(12), "from_id": member_id, "at": now, "expires_at": expires},
                "forward_until": expires,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        # Raced by a concurrent forward (share that one), a redemption, or a checkout lock.
        fresh = await load_coupon(mongo, merchant_id, coupon_id)
        if fresh is not None and fresh.owner_id == member_id and fresh.status_at(now) is CouponStatus.FORWARDING:
            return await _share(mongo, fresh, now)
        raise CouponError((fresh.blocker(now) if fresh else None) or CouponCode.COUPON_NOT_FOUND, "couponId")
    forwarded = coupon_from_doc(doc)
    share = await _share(mongo, forwarded, now)
    attribution = Sharer(member_id=member_id, staff_id=forwarded.source.staff_id)
    await funnel.record(
        mongo, share.held.template, [(funnel.Step.FORWARDED, 1)], attribution=attribution, at=now, coupon_id=coupon.id
    )
    return share


def _accept_refusal(coupon: Coupon, nonce: str, member_id: ObjectId, now: datetime) -> CouponCode | None:
    if any(h.token == nonce for h in coupon.chain):
        return CouponCode.FORWARD_ALREADY_ACCEPTED
    forward = coupon.forward
    if forward is None or not secrets.compare_digest(forward.token, nonce):
        return CouponCode.FORWARD_NOT_FOUND
    if forward.from_id == member_id:
        return CouponCode.CANNOT_ACCEPT_OWN_FORWARD
    if not coupon.transferable:
        return CouponCode.COUPON_NOT_TRANSFERABLE
    status = coupon.status_at(now)
    if status is CouponStatus.REDEEMED:
        return CouponCode.ALREADY_REDEEMED
    if status is CouponStatus.EXPIRED:
        return CouponCode.COUPON_EXPIRED
    if forward.recalled_at is not None:
        return CouponCode.FORWARD_RECALLED
    if status is not CouponStatus.FORWARDING:
        return CouponCode.FORWARD_EXPIRED
    return None


async def forward_preview(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, token: str) -> ForwardPreview:
    coupon_id, nonce = _parse(token)
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None or coupon.forward is None:
        raise CouponError(CouponCode.FORWARD_NOT_FOUND, "token")
    refusal = _accept_refusal(coupon, nonce, member_id, datetime.now(UTC))
    if refusal is CouponCode.FORWARD_NOT_FOUND:
        raise CouponError(refusal, "token")
    held = (await with_templates(mongo, [coupon]))[0]
    sender = await mongo.db[c.MEMBERS].find_one(
        {"merchant_id": coupon.merchant_id, "_id": coupon.forward.from_id}, {"nickname": 1}
    )
    return ForwardPreview(
        held, coupon.forward.from_id, display_name((sender or {}).get("nickname")), coupon.forward.expires_at, refusal
    )


async def accept_coupon(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    token: str,
    on_first_touch: FirstTouch | None = None,
) -> Held:
    """The friend becomes the owner; `on_first_touch` is the referral capability's hook (none binds nobody)."""
    now = datetime.now(UTC)
    coupon_id, nonce = _parse(token)
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None:
        raise CouponError(CouponCode.FORWARD_NOT_FOUND, "token")
    refusal = _accept_refusal(coupon, nonce, member_id, now)
    if refusal is not None:
        raise CouponError(refusal, "token")
    assert coupon.forward is not None
    doc = await mongo.db[c.COUPONS].find_one_and_update(
        {
            "merchant_id": coupon.merchant_id,
            "_id": coupon.id,
            "status": CouponStatus.FORWARDING.value,
            "forward.token": nonce,
            "forward_until": {"$gt": now},
            "valid_to": {"$gt": now},
        },
        {
            "$set": {"owner_id": member_id, "status": CouponStatus.ACTIVE.value, "forward_until": now},
            "$push": {"chain": {"from_id": coupon.forward.from_id, "to_id": member_id, "token": nonce, "at": now}},
        },
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        fresh = await load_coupon(mongo, merchant_id, coupon_id)
        code = _accept_refusal(fresh, nonce, member_id, now) if fresh else None
        raise CouponError(code or CouponCode.FORWARD_ALREADY_ACCEPTED, "token")
    accepted = coupon_from_doc(doc)
    held = (await with_templates(mongo, [accepted]))[0]
    attribution = accepted.attribution()
    await funnel.record(
        mongo, held.template, [(funnel.Step.CLAIMED, 1)], attribution=attribution, at=now, coupon_id=accepted.id
    )
    await report_touch(on_first_touch, merchant_id=merchant_id, member_id=member_id, sharer=attribution)
    await announce_received(mongo, accepted)
    return held


async def recall_coupon(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, coupon_id: ObjectId) -> Held:
    """The sender takes a pending forward back; a forward that already lapsed is simply back."""
    now = datetime.now(UTC)
    doc = await mongo.db[c.COUPONS].find_one_and_update(
        {
            "_id": coupon_id,
            "merchant_id": merchant_id,
            "owner_id": member_id,
            "status": CouponStatus.FORWARDING.value,
            "forward_until": {"$gt": now},
        },
        {"$set": {"status": CouponStatus.ACTIVE.value, "forward_until": now, "forward.recalled_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        return (await with_templates(mongo, [coupon_from_doc(doc)]))[0]
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None:
        raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
    if coupon.owner_id != member_id:
        if any(h.from_id == member_id for h in coupon.chain):
            raise CouponError(CouponCode.FORWARD_ALREADY_ACCEPTED, "couponId")
        raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
    lapsed = coupon.forward is not None and coupon.forward.recalled_at is None and coupon.forward.expires_at <= now
    if coupon.status_at(now) is CouponStatus.ACTIVE and lapsed:
        return (await with_templates(mongo, [coupon]))[0]
    raise CouponError(CouponCode.COUPON_NOT_FORWARDING, "couponId")
