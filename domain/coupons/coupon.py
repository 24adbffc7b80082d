"""The coupon document: its shape, its status as of now, and the filters that select each status.

Status is computed on read: a coupon past `valid_to` is EXPIRED and a forward past its 24 hours is back with
the sender, whatever is stored, so correctness never waits for a sweep. `forward_until` and `lock_until` are
always present (in the past when there is no forward or lock), which keeps every condition a plain range
that SecantusDB and MongoDB plan on an index, with no `$or`.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo, any_of
from domain import outbox
from domain.coupons.errors import CouponCode
from domain.coupons.templates import Template, template_from_doc
from domain.coupons.touch import Sharer
from domain.events import CouponReceived
from domain.pagination import Page, clamp
from domain.tenancy import Staff


class CouponStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FORWARDING = "FORWARDING"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


class SourceKind(StrEnum):
    CLAIM = "CLAIM"
    PACK = "PACK"


_LIVE = [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]


@dataclass(frozen=True)
class HandOver:
    from_id: ObjectId
    to_id: ObjectId
    token: str
    at: datetime


@dataclass(frozen=True)
class Forward:
    token: str
    from_id: ObjectId
    at: datetime
    expires_at: datetime
    recalled_at: datetime | None


@dataclass(frozen=True)
class Lock:
    order_id: ObjectId
    store_id: ObjectId
    expires_at: datetime


@dataclass(frozen=True)
class Redemption:
    at: datetime
    store_id: ObjectId
    staff_id: ObjectId | None
    order_id: ObjectId | None
    key: str | None


@dataclass(frozen=True)
class Coupon:
    id: ObjectId
    merchant_id: ObjectId
    template_id: ObjectId
    owner_id: ObjectId
    claimed_by: ObjectId
    stored_status: CouponStatus
    valid_from: datetime
    valid_to: datetime
    transferable: bool
    all_stores: bool
    store_ids: tuple[ObjectId, ...]
    source_kind: SourceKind
    pack_id: ObjectId | None
    source: Sharer
    forward: Forward | None
    lock: Lock | None
    chain: tuple[HandOver, ...]
    redemption: Redemption | None
    created_at: datetime
    # A campaign or journey handed it out (domain.marketing.touches): its redemption is announced for the effect.
    touched: bool = False

    def status_at(self, now: datetime) -> CouponStatus:
        if self.stored_status is CouponStatus.REDEEMED:
            return CouponStatus.REDEEMED
        if self.stored_status is CouponStatus.EXPIRED or now >= self.valid_to:
            return CouponStatus.EXPIRED
        if self.stored_status is CouponStatus.FORWARDING and self.forward and self.forward.expires_at > now:
            return CouponStatus.FORWARDING
        return CouponStatus.ACTIVE

    def locked_at(self, now: datetime) -> bool:
        return self.lock is not None and self.lock.expires_at > now

    def valid_at(self, store_id: ObjectId) -> bool:
        return self.all_stores or store_id in self.store_ids

    def attribution(self) -> Sharer:
        """Who brought the current owner (the last sender, else the source), and the source's staff member."""
        member_id = self.chain[-1].from_id if self.chain else self.source.member_id
        return Sharer(member_id=member_id, staff_id=self.source.staff_id)

    def blocker(self, now: datetime) -> CouponCode | None:
        """Why the owner cannot use the coupon right now (redeem, lock, forward), if they cannot."""
        status = self.status_at(now)
        if status is CouponStatus.REDEEMED:
            return CouponCode.ALREADY_REDEEMED
        if status is CouponStatus.EXPIRED:
            return CouponCode.COUPON_EXPIRED
        if status is CouponStatus.FORWARDING:
            return CouponCode.COUPON_FORWARDING
        if self.locked_at(now):
            return CouponCode.COUPON_LOCKED
        return None

    def use_blocker(self, now: datetime) -> CouponCode | None:
        """Why the coupon cannot pay or be redeemed right now; unlike `blocker`, a coupon whose validity has not
        begun is refused too (it may still be forwarded)."""
        if (code := self.blocker(now)) is not None:
            return code
        return CouponCode.COUPON_NOT_YET_VALID if self.valid_from > now else None


def coupon_from_doc(doc: Doc) -> Coupon:
    fwd, lock, red, src = doc.get("forward"), doc.get("lock"), doc.get("redemption"), doc["source"]
    return Coupon(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        template_id=doc["template_id"],
        owner_id=doc["owner_id"],
        claimed_by=doc["claimed_by"],
        stored_status=CouponStatus(doc["status"]),
        valid_from=doc["valid_from"],
        valid_to=doc["valid_to"],
        transferable=doc["transferable"],
        all_stores=doc["all_stores"],
        store_ids=tuple(doc["store_ids"]),
        source_kind=SourceKind(src["kind"]),
        pack_id=src.get("pack_id"),
        source=Sharer.of(src),
        forward=Forward(fwd["token"], fwd["from_id"], fwd["at"], fwd["expires_at"], fwd.get("recalled_at"))
        if fwd
        else None,
        lock=Lock(lock["order_id"], lock["store_id"], doc["lock_until"]) if lock else None,
        chain=tuple(HandOver(h["from_id"], h["to_id"], h["token"], h["at"]) for h in doc.get("chain", [])),
        redemption=Redemption(red["at"], red["store_id"], red["staff_id"], red["order_id"], red["key"])
        if red
        else None,
        created_at=doc["created_at"],
        touched=bool(doc.get("touched")),
    )


def new_coupon_doc(
    template: Template,
    *,
    owner_id: ObjectId,
    origin: str,
    claim_key: str,
    source_kind: SourceKind,
    sharer: Sharer,
    pack_id: ObjectId | None,
    now: datetime,
    from_claim_page: bool = False,
) -> Doc:
    """A coupon as first received. `origin` and `claim_key` are unique per first owner (`claimed_by`):
    `origin` is the claim slot or the pack it came from, `claim_key` the request that created it.
    """
    valid_from, valid_to = template.validity.window(now)
    return {
        "_id": ObjectId(),
        "merchant_id": template.merchant_id,
        "template_id": template.id,
        "owner_id": owner_id,
        "claimed_by": owner_id,
        "origin": origin,
        "claim_key": claim_key,
        "status": CouponStatus.ACTIVE.value,
        "valid_from": valid_from,
        "valid_to": valid_to,
        # Snapshots: what a member received does not change when the template is edited later.
        "transferable": template.transferable,
        "all_stores": template.all_stores,
        "store_ids": list(template.store_ids),
        "source": {"kind": source_kind.value, "pack_id": pack_id, **sharer.doc()},
        # A coupon claimed from the claim page is the funnel's record of that claim (issued and claimed then, by
        # nobody's sharing), so the claim writes no event; None for every other way in (domain.coupons.funnel).
        "claimed_at": now if from_claim_page else None,
        "forward": None,
        "forward_until": now,
        "lock": None,
        "lock_until": now,
        "chain": [],
        "redemption": None,
        "created_at": now,
    }


def status_filter(status: CouponStatus, now: datetime) -> Doc:
    if status is CouponStatus.ACTIVE:
        return {"status": {"$in": _LIVE}, "forward_until": {"$lte": now}, "valid_to": {"$gt": now}}
    if status is CouponStatus.FORWARDING:
        return {"status": CouponStatus.FORWARDING.value, "forward_until": {"$gt": now}, "valid_to": {"$gt": now}}
    if status is CouponStatus.REDEEMED:
        return {"status": CouponStatus.REDEEMED.value}
    return {"status": {"$in": [*_LIVE, CouponStatus.EXPIRED.value]}, "valid_to": {"$lte": now}}


def usable_filter(now: datetime) -> Doc:
    """The owner may use it now: ACTIVE (or back from a lapsed forward), not locked, within its window."""
    return {**status_filter(CouponStatus.ACTIVE, now), "lock_until": {"$lte": now}, "valid_from": {"$lte": now}}


@dataclass(frozen=True)
class Held:
    """A coupon with its template, the way every member screen shows it."""

    coupon: Coupon
    template: Template


async def with_templates(mongo: Mongo, coupons: list[Coupon]) -> list[Held]:
    ids = list({cp.template_id for cp in coupons})
    merchants = list({cp.merchant_id for cp in coupons})
    query = {"merchant_id": any_of(merchants), "_id": {"$in": ids}}
    docs = await mongo.db[c.COUPON_TEMPLATES].find(query).to_list() if ids else []
    by_id = {d["_id"]: template_from_doc(d) for d in docs}
    return [Held(cp, by_id[cp.template_id]) for cp in coupons]


async def list_my_coupons(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    status: CouponStatus,
    first: int | None,
    after: ObjectId | None,
    now: datetime,
) -> Page[Held]:
    """Newest first, two queries whatever the page size: the coupons, then their templates."""
    limit = clamp(first)
    query: dict[str, Any] = {"owner_id": member_id, "merchant_id": merchant_id, **status_filter(status, now)}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.COUPONS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    held = await with_templates(mongo, [coupon_from_doc(d) for d in docs[:limit]])
    return Page([(h.coupon.id, h) for h in held], len(docs) > limit)


async def list_member_coupons(
    *,
    mongo: Mongo,
    actor: Staff,
    member_id: ObjectId,
    status: CouponStatus,
    first: int | None,
    after: ObjectId | None,
    now: datetime,
) -> Page[Held] | None:
    """A member's coupons as any staff role sees them at the counter (the member's card, the bill's coupon
    picker): the member's own wallet, newest first; None when the member is not of the staff member's merchant.
    Coupons are merchant-wide like the member, so no store scope narrows them."""
    if not actor.active:
        return None
    if await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None:
        return None
    return await list_my_coupons(
        mongo=mongo,
        merchant_id=actor.merchant_id,
        member_id=member_id,
        status=status,
        first=first,
        after=after,
        now=now,
    )


async def get_my_coupon(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, coupon_id: ObjectId
) -> Held | None:
    doc = await mongo.db[c.COUPONS].find_one({"_id": coupon_id, "owner_id": member_id, "merchant_id": merchant_id})
    if doc is None:
        return None
    return (await with_templates(mongo, [coupon_from_doc(doc)]))[0]


async def load_coupon(mongo: Mongo, merchant_id: ObjectId, coupon_id: ObjectId) -> Coupon | None:
    doc = await mongo.db[c.COUPONS].find_one({"_id": coupon_id, "merchant_id": merchant_id})
    return coupon_from_doc(doc) if doc else None


async def announce_received(mongo: Mongo, coupon: Coupon) -> None:
    """券到账: the member a friend's forward or pack just gave this coupon is told what it is and until when.
    Written after the change (coupons take no transaction), so a crash in between can skip a notice, never
    send two: the key is the coupon and its new owner."""
    await outbox.record_once(
        mongo=mongo,
        merchant_id=coupon.merchant_id,
        event=CouponReceived(coupon_id=coupon.id, member_id=coupon.owner_id),
        dedupe_key=f"coupon:{coupon.id}:received:{coupon.owner_id}",
    )
