"""Coupon packs (积客包): N coupons of a template granted to a member or staff member, shared as one link,
each friend taking one.

Granting takes N from the template's stock at once. A friend's take is one conditional update on the pack
(`taken < size`, the friend not yet among its `takers`) that takes a unit and records the friend together, so
a pack never gives more than N and a friend tapping many times at once takes one unit; the coupon's origin
`pack:<id>` is unique per first owner, so it is made once. The coupon records its source: the pack, the
sharing member or staff.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons import funnel
from domain.coupons.claims import Claimed
from domain.coupons.coupon import Held, SourceKind, announce_received, coupon_from_doc, new_coupon_doc
from domain.coupons.errors import CouponCode, CouponError, check_key
from domain.coupons.templates import (
    Template,
    get_template,
    give_back_stock,
    load_template,
    refusal,
    refused_after_race,
    require_cover,
    require_manager,
    take_stock,
    template_from_doc,
)
from domain.coupons.touch import FirstTouch, ShareLink, Sharer, report_touch
from domain.pagination import Page, clamp
from domain.tenancy import Staff, audit

MAX_PACK = 1000
CLAIM_PATH = "/pages/packs/claim"


@dataclass(frozen=True)
class Pack:
    id: ObjectId
    merchant_id: ObjectId
    template_id: ObjectId
    size: int
    taken: int
    holder: Sharer
    shared_at: datetime | None
    created_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.size - self.taken)


@dataclass(frozen=True)
class HeldPack:
    pack: Pack
    template: Template


@dataclass(frozen=True)
class PackShare:
    link: ShareLink
    pack: HeldPack


@dataclass(frozen=True)
class PackView:
    """What a friend opening the shared link sees."""

    pack: HeldPack
    mine: Held | None
    # Why this member cannot take one; None when the button works (or they already have theirs).
    refusal: CouponCode | None


def pack_from_doc(doc: Doc) -> Pack:
    return Pack(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        template_id=doc["template_id"],
        size=doc["size"],
        taken=doc["taken"],
        holder=Sharer.of(doc["holder"]),
        shared_at=doc["shared_at"],
        created_at=doc["created_at"],
    )


def _origin(pack_id: ObjectId) -> str:
    return f"pack:{pack_id}"


async def _check_holder(mongo: Mongo, merchant_id: ObjectId, holder: Sharer) -> None:
    if (holder.member_id is None) == (holder.staff_id is None):
        raise CouponError(CouponCode.PACK_HOLDER_INVALID, "memberId")
    if holder.member_id is not None:
        found = await mongo.db[c.MEMBERS].find_one({"_id": holder.member_id, "merchant_id": merchant_id}, {"_id": 1})
        field = "memberId"
    else:
        found = await mongo.db[c.STAFF].find_one(
            {"_id": holder.staff_id, "merchant_id": merchant_id, "active": True}, {"_id": 1}
        )
        field = "staffMemberId"
    if found is None:
        raise CouponError(CouponCode.PACK_HOLDER_INVALID, field)


async def grant_pack(
    *, mongo: Mongo, actor: Staff, template_id: ObjectId, holder: Sharer, size: int, idempotency_key: str
) -> HeldPack:
    require_manager(actor)
    key = check_key(idempotency_key)
    template = await get_template(mongo=mongo, actor=actor, template_id=template_id)
    require_cover(actor, template)
    packs = mongo.db[c.COUPON_PACKS]
    replay = await packs.find_one({"merchant_id": actor.merchant_id, "grant_key": key})
    if replay is not None:
        return HeldPack(pack_from_doc(replay), template)
    if not 0 < size <= MAX_PACK:
        raise CouponError(CouponCode.INVALID_PACK_SIZE, "size", max=MAX_PACK)
    await _check_holder(mongo, actor.merchant_id, holder)
    now = datetime.now(UTC)
    code = refusal(template, now, size)
    if code is not None:
        raise CouponError(code, "templateId")
    taken = await take_stock(mongo, template.merchant_id, template.id, size, now)
    if taken is None:
        raise await refused_after_race(mongo, template, now, size)
    template = taken
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "template_id": template.id,
        "size": size,
        "taken": 0,
        "takers": [],
        "holder": holder.doc(),
        "nonce": secrets.token_urlsafe(12),
        "shared_at": None,
        "grant_key": key,
        "granted_by": actor.id,
        "created_at": now,
    }
    try:
        await packs.insert_one(doc)
    except DuplicateKeyError:
        await give_back_stock(mongo, template.merchant_id, template.id, size)
        first = await packs.find_one({"merchant_id": actor.merchant_id, "grant_key": key})
        assert first is not None
        return HeldPack(pack_from_doc(first), template)
    await funnel.record(mongo, template, [(funnel.Step.ISSUED, size)], attribution=holder, at=now, pack_id=doc["_id"])
    await audit(mongo=mongo, actor=actor, action="coupon_pack.grant", target=doc["_id"], size=size)
    return HeldPack(pack_from_doc(doc), template)


def _holder_filter(holder: Sharer) -> Doc:
    if holder.member_id is not None:
        return {"holder.member_id": holder.member_id}
    return {"holder.staff_id": holder.staff_id}


async def _held(mongo: Mongo, doc: Doc) -> HeldPack:
    template = await load_template(mongo=mongo, merchant_id=doc["merchant_id"], template_id=doc["template_id"])
    assert template is not None
    return HeldPack(pack_from_doc(doc), template)


async def share_pack(*, mongo: Mongo, merchant_id: ObjectId, holder: Sharer, pack_id: ObjectId) -> PackShare:
    """The pack's share link. Sharing hands nothing over yet: the funnel counts a coupon as forwarded when a
    friend takes it."""
    packs = mongo.db[c.COUPON_PACKS]
    doc = await packs.find_one({"_id": pack_id, "merchant_id": merchant_id, **_holder_filter(holder)})
    if doc is None:
        raise CouponError(CouponCode.PACK_NOT_FOUND, "packId")
    held = await _held(mongo, doc)
    if doc["shared_at"] is None:
        now = datetime.now(UTC)
        first = await packs.update_one(
            {"merchant_id": merchant_id, "_id": pack_id, "shared_at": None}, {"$set": {"shared_at": now}}
        )
        if first.modified_count == 1:
            held = HeldPack(replace(held.pack, shared_at=now), held.template)
    token = f"{pack_id}.{doc['nonce']}"
    return PackShare(ShareLink(token, f"{CLAIM_PATH}?token={token}", None), held)


async def _by_token(mongo: Mongo, merchant_id: ObjectId, token: str) -> Doc:
    pack_hex, _, nonce = token.strip().partition(".")
    try:
        pack_id = ObjectId(pack_hex)
    except (InvalidId, TypeError) as e:
        raise CouponError(CouponCode.PACK_NOT_FOUND, "token") from e
    doc = await mongo.db[c.COUPON_PACKS].find_one({"_id": pack_id, "merchant_id": merchant_id})
    if doc is None or not secrets.compare_digest(doc["nonce"], nonce):
        raise CouponError(CouponCode.PACK_NOT_FOUND, "token")
    return doc


async def _mine(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, pack_id: ObjectId) -> Doc | None:
    query = {"merchant_id": merchant_id, "claimed_by": member_id, "origin": _origin(pack_id)}
    return await mongo.db[c.COUPONS].find_one(query)


def _pack_refusal(held: HeldPack, member_id: ObjectId, now: datetime) -> CouponCode | None:
    if held.pack.holder.member_id == member_id:
        return CouponCode.CANNOT_CLAIM_OWN_PACK
    # The pack's coupons were issued at grant; only the campaign's state (not its stock) still applies.
    code = refusal(held.template, now, 0)
    if code is None and held.pack.remaining == 0:
        return CouponCode.PACK_EMPTY
    return code


async def pack_view(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, token: str) -> PackView:
    held = await _held(mongo, await _by_token(mongo, merchant_id, token))
    mine = await _mine(mongo, merchant_id, member_id, held.pack.id)
    if mine is not None:
        return PackView(held, Held(coupon_from_doc(mine), held.template), None)
    return PackView(held, None, _pack_refusal(held, member_id, datetime.now(UTC)))


async def claim_from_pack(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    token: str,
    on_first_touch: FirstTouch | None = None,
) -> Claimed:
    """One coupon for this friend; taking again returns the same one. `on_first_touch` is the referral hook."""
    now = datetime.now(UTC)
    found = await _by_token(mongo, merchant_id, token)
    held = await _held(mongo, found)
    pack, template = held.pack, held.template
    mine = await _mine(mongo, merchant_id, member_id, pack.id)
    if mine is not None:
        return Claimed(Held(coupon_from_doc(mine), template), replayed=True)
    if member_id not in found.get("takers", []) and not await _take_unit(mongo, held, member_id, now):
        raise CouponError(CouponCode.PACK_EMPTY, "token")
    doc = new_coupon_doc(
        template,
        owner_id=member_id,
        origin=_origin(pack.id),
        claim_key=_origin(pack.id),
        source_kind=SourceKind.PACK,
        sharer=pack.holder,
        pack_id=pack.id,
        now=now,
    )
    try:
        await mongo.db[c.COUPONS].insert_one(doc)
    except DuplicateKeyError:
        # This friend's concurrent tap made the coupon first; theirs is the answer.
        first = await _mine(mongo, merchant_id, member_id, pack.id)
        assert first is not None
        return Claimed(Held(coupon_from_doc(first), template), replayed=True)
    coupon = coupon_from_doc(doc)
    await funnel.record(
        mongo,
        template,
        [(funnel.Step.FORWARDED, 1), (funnel.Step.CLAIMED, 1)],
        attribution=pack.holder,
        at=now,
        coupon_id=coupon.id,
        pack_id=pack.id,
    )
    await report_touch(on_first_touch, merchant_id=merchant_id, member_id=member_id, sharer=pack.holder)
    await announce_received(mongo, coupon)
    return Claimed(Held(coupon, template), replayed=False)


async def _take_unit(mongo: Mongo, held: HeldPack, member_id: ObjectId, now: datetime) -> bool:
    """Takes one unit for the friend, who joins the pack's takers in the same update: that is their right to
    one coupon. False when the pack is empty, unless a concurrent tap of theirs took their unit meanwhile
    (then this tap makes or returns the same coupon)."""
    code = _pack_refusal(held, member_id, now)
    if code is not None and code is not CouponCode.PACK_EMPTY:
        raise CouponError(code, "token")
    packs = mongo.db[c.COUPON_PACKS]
    took = await packs.update_one(
        {
            "merchant_id": held.pack.merchant_id,
            "_id": held.pack.id,
            "takers": {"$ne": member_id},
            "$expr": {"$lt": ["$taken", "$size"]},
        },
        {"$inc": {"taken": 1}, "$push": {"takers": member_id}},
    )
    if took.modified_count == 1:
        return True
    mine = {"merchant_id": held.pack.merchant_id, "_id": held.pack.id, "takers": member_id}
    return await packs.find_one(mine, {"_id": 1}) is not None


async def list_packs(
    *, mongo: Mongo, merchant_id: ObjectId, holder: Sharer, first: int | None, after: ObjectId | None
) -> Page[HeldPack]:
    """The holder's packs, newest first, with their templates: two queries whatever the page size."""
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": merchant_id, **_holder_filter(holder)}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.COUPON_PACKS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    ids = list({d["template_id"] for d in docs[:limit]})
    scope = {"merchant_id": merchant_id, "_id": {"$in": ids}}
    templates = await mongo.db[c.COUPON_TEMPLATES].find(scope).to_list() if ids else []
    by_id = {t["_id"]: template_from_doc(t) for t in templates}
    return Page(
        [(d["_id"], HeldPack(pack_from_doc(d), by_id[d["template_id"]])) for d in docs[:limit]], len(docs) > limit
    )
