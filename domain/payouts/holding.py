"""Holding members' payouts, a chunk of members per transaction, in bulk: each member's AVAILABLE commissions
become PAID in their payout, what they owe is netted, unpaid rests of earlier payouts are carried in, the ledger
moves available → paid under the payout's key, and the payout is written with its transfer bills PLANNED.
Nothing has left the merchant yet; the bills are sent by `domain.payouts.sending`.

A payout never exceeds what was available: the amount is the account's available balance less what is owed,
and that balance must equal the commissions (and carried rests) held, read in the same snapshot.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import UpdateMany
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.commissions.commission import BeneficiaryKind, CommissionStatus
from domain.commissions.ledger import Bucket, EntryKind, Posting, post_many
from domain.payouts.model import (
    PayoutMethod,
    PayoutStatus,
    TransferLimits,
    TransferStatus,
    out_bill_no,
)
from domain.payouts.planning import Candidate, SkipReason, open_key

_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}
_ATTEMPTS = 3


@dataclass(frozen=True)
class Held:
    payout_id: ObjectId | None
    skip: SkipReason | None
    replayed: bool = False


def _bills(candidate: Candidate, payout_id: ObjectId, amounts: list[int], remark: str, now: datetime) -> list[Doc]:
    return [
        {
            "_id": ObjectId(),
            "merchant_id": candidate.merchant_id,
            "payout_id": payout_id,
            "beneficiary_id": candidate.member_id,
            "openid": candidate.openid,
            "seq": seq,
            "out_bill_no": out_bill_no(payout_id, seq),
            "amount_fen": amount,
            "remark": remark,
            "status": TransferStatus.PLANNED.value,
            "due_at": now,
            "attempts": 0,
            "created_at": now,
        }
        for seq, amount in enumerate(amounts, start=1)
    ]


@dataclass(frozen=True)
class _Hold:
    """One member's payout as it will be written, from what the transaction read."""

    candidate: Candidate
    payout_id: ObjectId
    gross: int
    count: int
    available: int
    owed: int
    rests: list[Doc]

    @property
    def carried(self) -> int:
        return sum(int(r["unpaid_fen"]) for r in self.rests)

    @property
    def amount(self) -> int:
        return self.available - self.owed


def hold_key(run_id: ObjectId, member_id: ObjectId) -> str:
    return f"run:{run_id}:{member_id}"


@dataclass(frozen=True)
class _Snapshot:
    """What one transaction reads of a chunk of members, a fixed number of queries for any chunk."""

    held: dict[ObjectId, ObjectId]
    busy: set[ObjectId]
    sums: dict[ObjectId, Doc]
    accounts: dict[ObjectId, Doc]
    rests: dict[ObjectId, list[Doc]]


async def _snapshot(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, run_id: ObjectId, ids: list[ObjectId]
) -> _Snapshot:
    payouts = mongo.db[c.PAYOUTS]
    held = {
        d["beneficiary_id"]: d["_id"]
        async for d in payouts.find(
            {"merchant_id": merchant_id, "hold_key": {"$in": [hold_key(run_id, m) for m in ids]}}, session=session
        )
    }
    busy = {
        d["beneficiary_id"]
        async for d in payouts.find(
            {"merchant_id": merchant_id, "open_key": {"$in": [open_key(merchant_id, m) for m in ids]}}, session=session
        )
    }
    pipeline: list[Doc] = [
        {
            "$match": {
                "merchant_id": merchant_id,
                "status": CommissionStatus.AVAILABLE.value,
                "beneficiary_id": {"$in": ids},
            }
        },
        {"$group": {"_id": "$beneficiary_id", "gross": {"$sum": _NET}, "n": {"$sum": 1}}},
    ]
    sums = {r["_id"]: r async for r in await mongo.db[c.COMMISSIONS].aggregate(pipeline, session=session)}
    accounts = {
        a["beneficiary_id"]: a
        async for a in mongo.db[c.COMMISSION_ACCOUNTS].find(
            {"merchant_id": merchant_id, "beneficiary_id": {"$in": ids}}, session=session
        )
    }
    rests: dict[ObjectId, list[Doc]] = {}
    async for r in payouts.find(
        {
            "merchant_id": merchant_id,
            "status": PayoutStatus.PARTIALLY_PAID.value,
            "carried_into": None,
            "beneficiary_id": {"$in": ids},
        },
        {"beneficiary_id": 1, "unpaid_fen": 1},
        session=session,
    ):
        rests.setdefault(r["beneficiary_id"], []).append(r)
    return _Snapshot(held, busy, sums, accounts, rests)


def _decide(candidate: Candidate, snap: _Snapshot) -> Held | _Hold:
    member_id = candidate.member_id
    if member_id in snap.held:
        return Held(snap.held[member_id], None, replayed=True)
    if member_id in snap.busy:
        return Held(None, SkipReason.OPEN_PAYOUT)
    row, account = snap.sums.get(member_id, {"gross": 0, "n": 0}), snap.accounts.get(member_id, {})
    hold = _Hold(
        candidate,
        ObjectId(),
        int(row["gross"]),
        int(row["n"]),
        int(account.get("available_fen", 0)),
        int(account.get("owed_fen", 0)),
        snap.rests.get(member_id, []),
    )
    if hold.gross + hold.carried != hold.available:
        return Held(None, SkipReason.LEDGER_MISMATCH)
    if hold.amount < candidate.minimum_fen:
        return Held(None, SkipReason.BELOW_MINIMUM)
    return hold


def _payout_doc(h: _Hold, run_id: ObjectId, now: datetime) -> Doc:
    member_id = h.candidate.member_id
    return {
        "_id": h.payout_id,
        "merchant_id": h.candidate.merchant_id,
        "run_id": run_id,
        "beneficiary_id": member_id,
        "beneficiary_kind": BeneficiaryKind.MEMBER.value,
        "method": PayoutMethod.WECHAT_TRANSFER.value,
        "status": PayoutStatus.PROCESSING.value,
        "amount_fen": h.amount,
        "gross_fen": h.gross,
        "netted_fen": h.owed,
        "carried_fen": h.carried,
        "carried_from": [r["_id"] for r in h.rests],
        "carried_into": None,
        "commissions": h.count,
        "paid_fen": 0,
        "unpaid_fen": 0,
        "openid": h.candidate.openid,
        "hold_key": hold_key(run_id, member_id),
        "open_key": open_key(h.candidate.merchant_id, member_id),
        "created_at": now,
    }


async def _write(
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    run_id: ObjectId,
    holds: list[_Hold],
    limits: TransferLimits,
    remark: str,
    now: datetime,
) -> None:
    """Every hold of the chunk in five bulk commands: commissions, ledger (two), payouts, bills."""
    marked = await mongo.db[c.COMMISSIONS].bulk_write(
        [
            UpdateMany(
                {
                    "merchant_id": merchant_id,
                    "status": CommissionStatus.AVAILABLE.value,
                    "beneficiary_id": h.candidate.member_id,
                },
                {"$set": {"status": CommissionStatus.PAID.value, "payout_id": h.payout_id, "paid_out_at": now}},
            )
            for h in holds
        ],
        ordered=True,
        session=session,
    )
    if marked.modified_count != sum(h.count for h in holds):
        raise RuntimeError("commissions changed inside their own transaction snapshot")
    postings = [
        Posting(
            h.candidate.member_id,
            {Bucket.AVAILABLE: -h.available, Bucket.PAID: h.available, Bucket.OWED: -h.owed},
            f"payout:{h.payout_id}:hold",
            {"payout_id": h.payout_id, "gross_fen": h.gross, "carried_fen": h.carried, "netted_fen": h.owed},
        )
        for h in holds
    ]
    await post_many(mongo, session, merchant_id=merchant_id, kind=EntryKind.PAYOUT, postings=postings)
    carries = [
        UpdateMany(
            {"merchant_id": merchant_id, "_id": {"$in": [r["_id"] for r in h.rests]}},
            {"$set": {"carried_into": h.payout_id}},
        )
        for h in holds
        if h.rests
    ]
    if carries:
        await mongo.db[c.PAYOUTS].bulk_write(carries, session=session)
    await mongo.db[c.PAYOUTS].insert_many([_payout_doc(h, run_id, now) for h in holds], session=session)
    bills = [b for h in holds for b in _bills(h.candidate, h.payout_id, limits.split(h.amount), remark, now)]
    await mongo.db[c.PAYOUT_TRANSFERS].insert_many(bills, session=session)


async def hold(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    run_id: ObjectId,
    candidates: Sequence[Candidate],
    limits: TransferLimits,
    remark: str,
    now: datetime,
) -> list[Held]:
    """Holds the candidates' payouts for this run in one transaction (what each is held at is read in it), one
    result per candidate: a member already held in this run returns that payout; a member whose state changed
    since planning is left out with the reason."""
    ids = [candidate.member_id for candidate in candidates]

    async def work(session: AsyncClientSession) -> list[Held]:
        snap = await _snapshot(mongo, session, merchant_id, run_id, ids)
        decided = [_decide(candidate, snap) for candidate in candidates]
        holds = [d for d in decided if isinstance(d, _Hold)]
        if holds:
            await _write(mongo, session, merchant_id, run_id, holds, limits, remark, now)
        return [Held(d.payout_id, None) if isinstance(d, _Hold) else d for d in decided]

    for attempt in range(_ATTEMPTS):
        try:
            return await transaction(mongo, work)
        except DuplicateKeyError:
            # Another run held one of these members after our snapshot; read again and leave them out.
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")
