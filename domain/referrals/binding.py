"""Binding a member under whoever first brought them: a member sharer becomes the `referrer_id` (with the
whole upline in `ancestors`), a staff sharer the `acquired_by_staff_id`. Once only and never re-pointed,
whichever kind comes first; no self-referral, no cycles, no pair that looks like one person twice.

A refusal is an answer, not an error: touches come from logins and coupon claims that must go on either way.
The race between two first touches is one conditional update on `bound_at: null` inside the transaction;
see domain.referrals.chain for why moves in one tree cannot close a loop.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.coupons.touch import Sharer
from domain.events import MemberBound
from domain.referrals.chain import binding_fields, full_chain, rewrite_subtree, root_of, touch_root
from domain.referrals.identity import Identity, member_identities, overlaps


class BindingSource(StrEnum):
    LOGIN_SHARE = "LOGIN_SHARE"
    FORWARD_ACCEPT = "FORWARD_ACCEPT"
    PACK_CLAIM = "PACK_CLAIM"
    MEMBER_QR = "MEMBER_QR"
    STAFF_QR = "STAFF_QR"
    # An owner's correction (domain.referrals.correction), recorded in the same event stream.
    CORRECTION = "CORRECTION"


class Refusal(StrEnum):
    ALREADY_BOUND = "ALREADY_BOUND"
    SELF_REFERRAL = "SELF_REFERRAL"
    CYCLE = "CYCLE"
    SHARED_IDENTITY = "SHARED_IDENTITY"
    UNKNOWN_SHARER = "UNKNOWN_SHARER"
    UNKNOWN_MEMBER = "UNKNOWN_MEMBER"
    # The member's WeChat or Alipay account closed an earlier member account here (domain.privacy.erasure).
    RETURNED_AFTER_CLOSING = "RETURNED_AFTER_CLOSING"


@dataclass(frozen=True)
class Binding:
    member_id: ObjectId
    referrer_id: ObjectId | None
    staff_id: ObjectId | None
    ancestors: tuple[ObjectId, ...]
    source: BindingSource
    at: datetime


@dataclass(frozen=True)
class BindResult:
    binding: Binding | None = None
    refusal: Refusal | None = None

    @property
    def bound(self) -> bool:
        return self.binding is not None


def binding_event(
    merchant_id: ObjectId,
    member_id: ObjectId,
    *,
    referrer_id: ObjectId | None,
    staff_id: ObjectId | None,
    source: BindingSource,
    at: datetime,
    **detail: Any,
) -> Doc:
    """One event per binding or correction; the funnel counts new members per sharer from these."""
    return {
        "merchant_id": merchant_id,
        "member_id": member_id,
        "referrer_id": referrer_id,
        "staff_id": staff_id,
        "source": source.value,
        "at": at,
        **detail,
    }


async def bind_referrer(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    sharer: Sharer,
    source: BindingSource,
    about: Doc | None = None,
    now: datetime | None = None,
) -> BindResult:
    """Bind on a first qualifying touch; any later touch, or an unfit one, answers with its refusal. `about`
    is kept on the binding event (the coupon a coupon touch was about, for the funnel)."""
    at = now or datetime.now(UTC)
    if sharer.member_id == member_id:
        return BindResult(refusal=Refusal.SELF_REFERRAL)
    friend = await mongo.db[c.MEMBERS].find_one(
        {"_id": member_id, "merchant_id": merchant_id}, {"bound_at": 1, "returned_after_closing": 1, "closed_at": 1}
    )
    if friend is None or friend.get("closed_at") is not None:
        return BindResult(refusal=Refusal.UNKNOWN_MEMBER)
    if friend.get("bound_at") is not None:
        return BindResult(refusal=Refusal.ALREADY_BOUND)
    if friend.get("returned_after_closing"):
        return BindResult(refusal=Refusal.RETURNED_AFTER_CLOSING)
    touch = _Touch(merchant_id, member_id, source, at, about or {})
    if sharer.member_id is not None:
        return await _under_member(mongo, touch, sharer.member_id)
    if sharer.staff_id is not None:
        return await _to_staff(mongo, touch, sharer.staff_id)
    return BindResult(refusal=Refusal.UNKNOWN_SHARER)


@dataclass(frozen=True)
class _Touch:
    """One touch being bound: who, through what, when, and what it was about (kept on its event)."""

    merchant_id: ObjectId
    member_id: ObjectId
    source: BindingSource
    at: datetime
    about: Doc

    async def record_bound(self, mongo: Mongo, session: AsyncClientSession) -> None:
        """MEMBER_BOUND with the binding: the reports move the member's join from no source to this one."""
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=self.merchant_id,
            event=MemberBound(self.member_id, self.source.value),
            dedupe_key=f"member-bound:{self.member_id}",
        )

    def event(self, *, referrer_id: ObjectId | None, staff_id: ObjectId | None) -> Doc:
        return binding_event(
            self.merchant_id,
            self.member_id,
            referrer_id=referrer_id,
            staff_id=staff_id,
            source=self.source,
            at=self.at,
            **self.about,
        )


async def _under_member(mongo: Mongo, touch: _Touch, sharer_id: ObjectId) -> BindResult:
    merchant_id, member_id, source, at = touch.merchant_id, touch.member_id, touch.source, touch.at
    identities = await member_identities(mongo, merchant_id, [member_id, sharer_id])
    if sharer_id not in identities:
        return BindResult(refusal=Refusal.UNKNOWN_SHARER)
    if member_id in identities and overlaps(identities[member_id], identities[sharer_id]):
        return BindResult(refusal=Refusal.SHARED_IDENTITY)

    async def work(session: AsyncClientSession) -> BindResult:
        sharer = await mongo.db[c.MEMBERS].find_one(
            {"merchant_id": merchant_id, "_id": sharer_id}, {"ancestors": 1, "closed_at": 1}, session=session
        )
        if sharer is not None and sharer.get("closed_at") is not None:
            # A closed account's old share links bring nobody under it.
            return BindResult(refusal=Refusal.UNKNOWN_SHARER)
        chain = await full_chain(mongo, session, merchant_id, sharer or {})
        if member_id in chain:
            return BindResult(refusal=Refusal.CYCLE)
        new_ancestors = [sharer_id, *chain]
        fields = binding_fields(new_ancestors)
        won = await mongo.db[c.MEMBERS].update_one(
            {"_id": member_id, "merchant_id": merchant_id, "bound_at": None},
            {"$set": {**fields, "bound_at": at, "bound_source": source.value}},
            session=session,
        )
        if won.modified_count != 1:
            return BindResult(refusal=Refusal.ALREADY_BOUND)
        await touch_root(mongo, session, merchant_id, root_of(sharer_id, chain))
        await rewrite_subtree(mongo, session, merchant_id, member_id, new_ancestors)
        event = touch.event(referrer_id=sharer_id, staff_id=None)
        await mongo.db[c.REFERRAL_BINDINGS].insert_one(event, session=session)
        await touch.record_bound(mongo, session)
        return BindResult(Binding(member_id, sharer_id, None, tuple(fields["ancestors"]), source, at))

    return await transaction(mongo, work)


async def _to_staff(mongo: Mongo, touch: _Touch, staff_id: ObjectId) -> BindResult:
    merchant_id, member_id, source, at = touch.merchant_id, touch.member_id, touch.source, touch.at
    staff = await mongo.db[c.STAFF].find_one(
        {"_id": staff_id, "merchant_id": merchant_id, "active": True}, {"phone_hash": 1}
    )
    if staff is None:
        return BindResult(refusal=Refusal.UNKNOWN_SHARER)
    mine = await member_identities(mongo, merchant_id, [member_id])
    # Staff are known by their phone alone (the same keyed hash members' cards use).
    if member_id in mine and overlaps(mine[member_id], Identity(phone_hash=staff.get("phone_hash"))):
        return BindResult(refusal=Refusal.SHARED_IDENTITY)

    async def work(session: AsyncClientSession) -> BindResult:
        # A staff binding moves nobody in a tree (the member stays a root), so it needs no cycle guard.
        won = await mongo.db[c.MEMBERS].update_one(
            {"_id": member_id, "merchant_id": merchant_id, "bound_at": None},
            {"$set": {"acquired_by_staff_id": staff_id, "bound_at": at, "bound_source": source.value}},
            session=session,
        )
        if won.modified_count != 1:
            return BindResult(refusal=Refusal.ALREADY_BOUND)
        event = touch.event(referrer_id=None, staff_id=staff_id)
        await mongo.db[c.REFERRAL_BINDINGS].insert_one(event, session=session)
        await touch.record_bound(mongo, session)
        return BindResult(Binding(member_id, None, staff_id, (), source, at))

    return await transaction(mongo, work)
