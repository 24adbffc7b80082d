"""The one way a binding ever changes: an owner's correction, with a reason, audited. It re-points a whole
subtree (the member and everyone below them), so every descendant's `ancestors` is rewritten in the same
transaction, and it is refused when the new referrer sits in that subtree. Commissions already accrued
stay as they were; the new chain counts from the next order on.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo, transaction
from domain.errors import PermissionDenied
from domain.referrals.binding import Binding, BindingSource, binding_event
from domain.referrals.chain import binding_fields, full_chain, rewrite_subtree, root_of, touch_root
from domain.referrals.errors import ReferralCode, ReferralError
from domain.tenancy import Role, Staff, audit

MAX_REASON = 200


@dataclass(frozen=True)
class Correction:
    binding: Binding
    previous_referrer_id: ObjectId | None
    descendants_moved: int


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReferralError(ReferralCode.REASON_REQUIRED, "reason", max_length=MAX_REASON)
    return reason


async def correct_referrer(
    *, mongo: Mongo, actor: Staff, member_id: ObjectId, referrer_id: ObjectId | None, reason: str
) -> Correction:
    """`referrer_id=None` detaches the member (and their subtree) from any upline; they stay bound."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    reason = _check_reason(reason)
    if referrer_id == member_id:
        raise ReferralError(ReferralCode.SELF_REFERRAL, "referrerId")
    members = mongo.db[c.MEMBERS]
    scope = {"merchant_id": actor.merchant_id}
    if await members.find_one({"_id": member_id, **scope}, {"_id": 1}) is None:
        raise ReferralError(ReferralCode.MEMBER_NOT_FOUND, "memberId")
    if referrer_id is not None and await members.find_one({"_id": referrer_id, **scope}, {"_id": 1}) is None:
        raise ReferralError(ReferralCode.REFERRER_NOT_FOUND, "referrerId")
    now = datetime.now(UTC)

    async def work(session: AsyncClientSession) -> Correction:
        member = await members.find_one({"_id": member_id, **scope}, session=session)
        assert member is not None
        previous = member.get("referrer_id")
        if previous == referrer_id:
            raise ReferralError(ReferralCode.REFERRER_UNCHANGED, "referrerId")
        new_ancestors: list[ObjectId] = []
        if referrer_id is not None:
            referrer = await members.find_one({"_id": referrer_id, **scope}, {"ancestors": 1}, session=session)
            chain = await full_chain(mongo, session, actor.merchant_id, referrer or {})
            if member_id in chain:
                raise ReferralError(ReferralCode.REFERRAL_CYCLE, "referrerId")
            new_ancestors = [referrer_id, *chain]
            await touch_root(mongo, session, actor.merchant_id, root_of(referrer_id, chain))
        old_chain = await full_chain(mongo, session, actor.merchant_id, member)
        # Binds in the old tree (below this member) must see the move or conflict with it.
        await touch_root(mongo, session, actor.merchant_id, root_of(member_id, old_chain))
        fields = binding_fields(new_ancestors)
        await members.update_one(
            {"_id": member_id, **scope},
            {"$set": {**fields, "bound_at": member.get("bound_at") or now, "corrected_at": now}},
            session=session,
        )
        moved = await rewrite_subtree(mongo, session, actor.merchant_id, member_id, new_ancestors)
        event = binding_event(
            actor.merchant_id,
            member_id,
            referrer_id=referrer_id,
            staff_id=member.get("acquired_by_staff_id"),
            source=BindingSource.CORRECTION,
            at=now,
            previous_referrer_id=previous,
            reason=reason,
            actor_id=actor.id,
        )
        await mongo.db[c.REFERRAL_BINDINGS].insert_one(event, session=session)
        staff_id = member.get("acquired_by_staff_id")
        binding = Binding(member_id, referrer_id, staff_id, tuple(fields["ancestors"]), BindingSource.CORRECTION, now)
        return Correction(binding, previous, moved)

    correction = await transaction(mongo, work)
    await audit(
        mongo=mongo,
        actor=actor,
        action="referral.correct",
        target=member_id,
        previous_referrer_id=correction.previous_referrer_id,
        referrer_id=referrer_id,
        reason=reason,
    )
    return correction
