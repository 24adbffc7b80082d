"""The review queue: commissions where payer and beneficiary share a unionid, phone or device wait here for
the owner. Approving puts one back on its way (PENDING, or AVAILABLE when its freeze is already over) and
announces it; rejecting takes its amount out of the beneficiary's balance for good. Both are audited.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.commissions.accrual import announce
from domain.commissions.commission import BUCKETS, Commission, CommissionStatus, commission_from_doc
from domain.commissions.errors import CommissionCode, CommissionError
from domain.commissions.ledger import Bucket, EntryKind, post
from domain.commissions.programs import require_owner
from domain.members import display_name
from domain.pagination import Page, clamp
from domain.tenancy import Staff, audit

MAX_REASON = 200


@dataclass(frozen=True)
class ReviewItem:
    commission: Commission
    payer_nickname: str | None
    beneficiary_name: str | None


async def _not_in_review(mongo: Mongo, actor: Staff, commission_id: ObjectId) -> CommissionError:
    found = await mongo.db[c.COMMISSIONS].find_one({"_id": commission_id, "merchant_id": actor.merchant_id})
    code = CommissionCode.COMMISSION_NOT_IN_REVIEW if found else CommissionCode.COMMISSION_NOT_FOUND
    return CommissionError(code, "commissionId")


async def _decide(
    mongo: Mongo, actor: Staff, commission_id: ObjectId, to: CommissionStatus, reason: str | None
) -> Commission:
    now = datetime.now(UTC)

    async def work(session: AsyncClientSession) -> Doc | None:
        status = to
        if to is CommissionStatus.PENDING:
            current = await mongo.db[c.COMMISSIONS].find_one(
                {"merchant_id": actor.merchant_id, "_id": commission_id}, {"release_at": 1}, session=session
            )
            if current is not None and current["release_at"] <= now:
                status = CommissionStatus.AVAILABLE
        doc = await mongo.db[c.COMMISSIONS].find_one_and_update(
            {"_id": commission_id, "merchant_id": actor.merchant_id, "status": CommissionStatus.REVIEW.value},
            {"$set": {"status": status.value, "reviewed_by": actor.id, "reviewed_at": now, "review_reason": reason}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None:
            return None
        net = doc["amount_fen"] - doc["reversed_fen"]
        deltas = {Bucket.REVIEW: -net}
        if status is not CommissionStatus.REJECTED:
            deltas[BUCKETS[status]] = net
        kind = EntryKind.REJECT if status is CommissionStatus.REJECTED else EntryKind.APPROVE
        await post(
            mongo,
            session,
            merchant_id=doc["merchant_id"],
            beneficiary_id=doc["beneficiary_id"],
            kind=kind,
            deltas=deltas,
            idempotency_key=f"review:{commission_id}",
            commission_id=commission_id,
            detail={"actor_id": actor.id},
        )
        if status is not CommissionStatus.REJECTED and net > 0:
            await announce(mongo, session, doc)
        return doc

    doc = await transaction(mongo, work)
    if doc is None:
        raise await _not_in_review(mongo, actor, commission_id)
    action = "commission.reject" if to is CommissionStatus.REJECTED else "commission.approve"
    await audit(mongo=mongo, actor=actor, action=action, target=commission_id, reason=reason)
    return commission_from_doc(doc)


async def approve_commission(*, mongo: Mongo, actor: Staff, commission_id: ObjectId) -> Commission:
    require_owner(actor)
    return await _decide(mongo, actor, commission_id, CommissionStatus.PENDING, None)


async def reject_commission(*, mongo: Mongo, actor: Staff, commission_id: ObjectId, reason: str) -> Commission:
    require_owner(actor)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise CommissionError(CommissionCode.REASON_REQUIRED, "reason", max_length=MAX_REASON)
    return await _decide(mongo, actor, commission_id, CommissionStatus.REJECTED, reason)


async def review_queue(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[ReviewItem]:
    """Flagged commissions, oldest first, with both parties' names: three queries whatever the page size."""
    require_owner(actor)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id, "status": CommissionStatus.REVIEW.value}
    if after is not None:
        query["_id"] = {"$gt": after}
    docs = await mongo.db[c.COMMISSIONS].find(query).sort("_id", 1).limit(limit + 1).to_list()
    page = [commission_from_doc(d) for d in docs[:limit]]
    member_ids = list({x.payer_id for x in page} | {x.beneficiary_id for x in page})
    scope = {"merchant_id": actor.merchant_id, "_id": {"$in": member_ids}}
    members = await mongo.db[c.MEMBERS].find(scope, {"nickname": 1}).to_list()
    staff = await mongo.db[c.STAFF].find(scope, {"name": 1}).to_list()
    names = {d["_id"]: display_name(d.get("nickname")) for d in members} | {d["_id"]: d.get("name") for d in staff}
    return Page(
        [(x.id, ReviewItem(x, names.get(x.payer_id), names.get(x.beneficiary_id))) for x in page],
        len(docs) > limit,
    )
