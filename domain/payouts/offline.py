"""Staff commissions are paid through payroll, not transferred: the owner marks a staff member's AVAILABLE
commissions PAID_OFFLINE, in one transaction with the ledger entry (netting what the staff member owes from
earlier refunds) and a settled payout record, under the owner's idempotency key; then it is audited.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.commissions.commission import BeneficiaryKind, CommissionStatus
from domain.commissions.ledger import Bucket, EntryKind, post
from domain.commissions.programs import require_owner
from domain.payouts.errors import PayoutCode, PayoutError
from domain.payouts.model import Payout, PayoutMethod, PayoutStatus, payout_from_doc
from domain.tenancy import Staff, audit

MAX_REFERENCE = 64
MAX_KEY = 64
_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}


async def available_commissions(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, beneficiary_id: ObjectId
) -> tuple[int, int]:
    """(worth, count) of the beneficiary's AVAILABLE commissions, summed by the server: no document comes here."""
    pipeline: list[Doc] = [
        {
            "$match": {
                "merchant_id": merchant_id,
                "status": CommissionStatus.AVAILABLE.value,
                "beneficiary_id": beneficiary_id,
            }
        },
        {"$group": {"_id": None, "gross": {"$sum": _NET}, "n": {"$sum": 1}}},
    ]
    rows = await (await mongo.db[c.COMMISSIONS].aggregate(pipeline, session=session)).to_list()
    return (int(rows[0]["gross"]), int(rows[0]["n"])) if rows else (0, 0)


async def mark_commissions(
    mongo: Mongo,
    session: AsyncClientSession,
    *,
    merchant_id: ObjectId,
    beneficiary_id: ObjectId,
    payout_id: ObjectId,
    status: CommissionStatus,
    expected: int,
    now: datetime,
) -> None:
    """Every AVAILABLE commission of the beneficiary into the payout, in one server-side update."""
    marked = await mongo.db[c.COMMISSIONS].update_many(
        {"merchant_id": merchant_id, "status": CommissionStatus.AVAILABLE.value, "beneficiary_id": beneficiary_id},
        {"$set": {"status": status.value, "payout_id": payout_id, "paid_out_at": now}},
        session=session,
    )
    if marked.modified_count != expected:
        raise RuntimeError("commissions changed inside their own transaction snapshot")


@dataclass(frozen=True)
class OfflineSettlement:
    # None when the staff member had nothing available.
    payout: Payout | None
    replayed: bool


def _checked(reference: str | None, idempotency_key: str) -> tuple[str | None, str]:
    text = (reference or "").strip() or None
    if text is not None and len(text) > MAX_REFERENCE:
        raise PayoutError(PayoutCode.REFERENCE_TOO_LONG, "reference", max_length=MAX_REFERENCE)
    key = idempotency_key.strip()
    if not key or len(key) > MAX_KEY:
        raise PayoutError(PayoutCode.IDEMPOTENCY_KEY_REQUIRED, "idempotencyKey", max_length=MAX_KEY)
    return text, key


async def settle_staff_offline(
    *,
    mongo: Mongo,
    actor: Staff,
    staff_id: ObjectId,
    reference: str | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> OfflineSettlement:
    """OWNER: every AVAILABLE commission of the staff member becomes PAID_OFFLINE; a replayed key returns the
    first settlement."""
    require_owner(actor)
    text, key = _checked(reference, idempotency_key)
    merchant_id, moment = actor.merchant_id, now or datetime.now(UTC)
    if await mongo.db[c.STAFF].find_one({"_id": staff_id, "merchant_id": merchant_id}, {"_id": 1}) is None:
        raise PayoutError(PayoutCode.STAFF_NOT_FOUND, "staffMemberId")
    hold_key, payout_id = f"offline:{merchant_id}:{key}", ObjectId()

    async def work(session: AsyncClientSession) -> tuple[Doc | None, bool]:
        first = await mongo.db[c.PAYOUTS].find_one({"merchant_id": merchant_id, "hold_key": hold_key}, session=session)
        if first is not None:
            return first, True
        gross, count = await available_commissions(mongo, session, merchant_id, staff_id)
        if count == 0:
            return None, False
        account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one(
            {"merchant_id": merchant_id, "beneficiary_id": staff_id}, session=session
        )
        netted = min(int((account or {}).get("owed_fen", 0)), gross)
        await mark_commissions(
            mongo,
            session,
            merchant_id=merchant_id,
            beneficiary_id=staff_id,
            payout_id=payout_id,
            status=CommissionStatus.PAID_OFFLINE,
            expected=count,
            now=moment,
        )
        await post(
            mongo,
            session,
            merchant_id=merchant_id,
            beneficiary_id=staff_id,
            kind=EntryKind.PAID_OFFLINE,
            deltas={Bucket.AVAILABLE: -gross, Bucket.PAID: gross, Bucket.OWED: -netted},
            idempotency_key=f"payout:{payout_id}:offline",
            detail={"payout_id": payout_id, "actor_id": actor.id, "reference": text},
        )
        doc: Doc = {
            "_id": payout_id,
            "merchant_id": merchant_id,
            "run_id": None,
            "beneficiary_id": staff_id,
            "beneficiary_kind": BeneficiaryKind.STAFF.value,
            "method": PayoutMethod.OFFLINE.value,
            "status": PayoutStatus.PAID.value,
            "amount_fen": gross - netted,
            "gross_fen": gross,
            "netted_fen": netted,
            "carried_fen": 0,
            "carried_from": [],
            "carried_into": None,
            "commissions": count,
            "paid_fen": gross - netted,
            "unpaid_fen": 0,
            "reference": text,
            "settled_by": actor.id,
            "hold_key": hold_key,
            "created_at": moment,
            "settled_at": moment,
        }
        await mongo.db[c.PAYOUTS].insert_one(doc, session=session)
        return doc, False

    doc, replayed = await transaction(mongo, work)
    if doc is not None and not replayed:
        await audit(
            mongo=mongo,
            actor=actor,
            action="commission.paid_offline",
            target=staff_id,
            payout_id=payout_id,
            amount_fen=doc["amount_fen"],
            commissions=doc["commissions"],
            reference=text,
        )
    return OfflineSettlement(payout_from_doc(doc) if doc else None, replayed)
