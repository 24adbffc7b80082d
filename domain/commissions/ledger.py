"""Commission balances and their ledger: one account per beneficiary (member or staff) with a bucket per
state (pending, available, in review, paid, owed), changed only by `post` (`post_many` for a batch) inside the
caller's transaction, together with an append-only entry under a unique idempotency key. Sum of entries ==
account, always, and no bucket goes negative. `owed` is what was clawed back from commissions already paid
out; the next payout nets it. Each post records COMMISSION_BALANCE_CHANGED with what it moved of the
pending, available and owed buckets, from which the reports keep the merchant's totals.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.events import CommissionBalanceChanged


class Bucket(StrEnum):
    PENDING = "pending_fen"
    AVAILABLE = "available_fen"
    REVIEW = "review_fen"
    PAID = "paid_fen"
    OWED = "owed_fen"


class EntryKind(StrEnum):
    ACCRUE = "ACCRUE"
    RELEASE = "RELEASE"
    REVERSE = "REVERSE"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    PAYOUT = "PAYOUT"
    # A payout that paid less than it held gives the rest back to available (domain.payouts.settlement).
    PAYOUT_RETURN = "PAYOUT_RETURN"
    PAID_OFFLINE = "PAID_OFFLINE"
    # A shareholder who closed their account gives up what was not paid yet (domain.privacy.erasure).
    FORFEIT = "FORFEIT"


@dataclass(frozen=True)
class Totals:
    pending_fen: int = 0
    available_fen: int = 0
    review_fen: int = 0
    paid_fen: int = 0
    owed_fen: int = 0


def totals_from_doc(doc: Doc | None) -> Totals:
    doc = doc or {}
    return Totals(*(int(doc.get(b.value, 0)) for b in Bucket))


async def post(
    mongo: Mongo,
    session: AsyncClientSession,
    *,
    merchant_id: ObjectId,
    beneficiary_id: ObjectId,
    kind: EntryKind,
    deltas: Mapping[Bucket, int],
    idempotency_key: str,
    commission_id: ObjectId | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    inc = {bucket.value: delta for bucket, delta in deltas.items() if delta}
    if not inc:
        return
    query: Doc = {"merchant_id": merchant_id, "beneficiary_id": beneficiary_id}
    for name, delta in inc.items():
        if delta < 0:
            query[name] = {"$gte": -delta}
    # Only credits may open an account; a debit finds one or is refused.
    opens = all(delta > 0 for delta in inc.values())
    result = await mongo.db[c.COMMISSION_ACCOUNTS].update_one(query, {"$inc": inc}, upsert=opens, session=session)
    if result.matched_count == 0 and result.upserted_id is None:
        raise RuntimeError(f"commission bucket would go negative: {kind} {inc} for {beneficiary_id}")
    entry: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "beneficiary_id": beneficiary_id,
        "commission_id": commission_id,
        "kind": kind.value,
        **inc,
        "idempotency_key": idempotency_key,
        "detail": detail or {},
        "at": datetime.now(UTC),
    }
    await mongo.db[c.COMMISSION_LEDGER].insert_one(entry, session=session)
    await _balance_changed(mongo, session, merchant_id, [entry])


@dataclass(frozen=True)
class Posting:
    beneficiary_id: ObjectId
    deltas: Mapping[Bucket, int]
    idempotency_key: str
    detail: dict[str, Any] | None = None


async def post_many(
    mongo: Mongo, session: AsyncClientSession, *, merchant_id: ObjectId, kind: EntryKind, postings: Sequence[Posting]
) -> None:
    """`post` for many beneficiaries in two commands (payout batches): the same guarded $inc per account, all
    or none, and the same entries."""
    updates, entries = [], []
    for p in postings:
        inc = {bucket.value: delta for bucket, delta in p.deltas.items() if delta}
        if not inc:
            continue
        query: Doc = {"merchant_id": merchant_id, "beneficiary_id": p.beneficiary_id}
        query |= {name: {"$gte": -delta} for name, delta in inc.items() if delta < 0}
        updates.append(UpdateOne(query, {"$inc": inc}, upsert=all(delta > 0 for delta in inc.values())))
        entries.append(
            {
                "_id": ObjectId(),
                "merchant_id": merchant_id,
                "beneficiary_id": p.beneficiary_id,
                "commission_id": None,
                "kind": kind.value,
                **inc,
                "idempotency_key": p.idempotency_key,
                "detail": p.detail or {},
                "at": datetime.now(UTC),
            }
        )
    if not updates:
        return
    result = await mongo.db[c.COMMISSION_ACCOUNTS].bulk_write(updates, ordered=True, session=session)
    if result.matched_count + result.upserted_count != len(updates):
        raise RuntimeError(f"commission bucket would go negative: {kind} for one of {len(updates)} accounts")
    await mongo.db[c.COMMISSION_LEDGER].insert_many(entries, session=session)
    await _balance_changed(mongo, session, merchant_id, entries)


async def _balance_changed(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, entries: list[Doc]
) -> None:
    """One event for the entries of one post: their moves of the buckets the reports show, summed."""
    moved = {b: sum(int(e.get(b.value, 0)) for e in entries) for b in (Bucket.PENDING, Bucket.AVAILABLE, Bucket.OWED)}
    if not any(moved.values()):
        return
    await outbox.record(
        mongo=mongo,
        session=session,
        merchant_id=merchant_id,
        event=CommissionBalanceChanged(
            pending_fen=moved[Bucket.PENDING], available_fen=moved[Bucket.AVAILABLE], owed_fen=moved[Bucket.OWED]
        ),
        dedupe_key=f"commission_ledger:{entries[0]['_id']}",
    )


async def account_totals(*, mongo: Mongo, merchant_id: ObjectId, beneficiary_id: ObjectId) -> Totals:
    doc = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"merchant_id": merchant_id, "beneficiary_id": beneficiary_id})
    return totals_from_doc(doc)
