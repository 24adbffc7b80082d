"""What people see of payouts: the owner's preview (exactly what a run would hold, and why anyone is left out),
lists of payouts (with their transfer bills) and runs; the member's own payouts and, for one waiting for them, the
parameters that let them confirm its bills with `wx.requestMerchantTransfer`; and, for the dev stack's sandbox,
the bills of a payout waiting for its payee. Each is a fixed number of queries.
"""

from dataclasses import dataclass

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.programs import require_owner
from domain.pagination import Page, clamp
from domain.payouts.channel import PayoutChannel
from domain.payouts.errors import PayoutCode, PayoutError
from domain.payouts.model import Payout, PayoutStatus, Transfer, TransferStatus, payout_from_doc, transfer_from_doc
from domain.payouts.planning import Candidate, candidates
from domain.payouts.runs import RunView, run_from_doc, run_totals
from domain.tenancy import Staff
from payments.wechatpay.transfers import MerchantTransferParams


@dataclass(frozen=True)
class PayoutPreview:
    payees: int
    transfer_fen: int
    bills: int
    skipped: int
    rows: Page[Candidate]


async def preview_payouts(
    *, mongo: Mongo, channel: PayoutChannel | None, actor: Staff, first: int | None, after: ObjectId | None
) -> PayoutPreview:
    """OWNER: every member with money available, by member id, with what a run now would pay them (or why
    not); the totals are over all of them, the rows a page."""
    require_owner(actor)
    if channel is None:
        raise PayoutError(PayoutCode.PAYOUTS_UNAVAILABLE)
    limit = clamp(first)
    payees = transfer = bills = skipped = 0
    rows: list[tuple[ObjectId, Candidate]] = []
    async for page in candidates(mongo=mongo, merchant_id=actor.merchant_id, limits=channel.limits):
        for row in page:
            if row.skip is None:
                payees, transfer, bills = payees + 1, transfer + row.transfer_fen, bills + len(row.bills)
            else:
                skipped += 1
            if (after is None or row.member_id > after) and len(rows) <= limit:
                rows.append((row.member_id, row))
    return PayoutPreview(payees, transfer, bills, skipped, Page(rows[:limit], len(rows) > limit))


async def list_payouts(
    *, mongo: Mongo, actor: Staff, status: PayoutStatus | None, first: int | None, after: ObjectId | None
) -> Page[Payout]:
    """OWNER: the merchant's payouts (members' transfers and staff settled offline), newest first."""
    require_owner(actor)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id}
    if status is not None:
        query["status"] = status.value
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.PAYOUTS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], payout_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def payout_bills(
    *, mongo: Mongo, merchant_id: ObjectId, payout_ids: list[ObjectId]
) -> dict[ObjectId, tuple[Transfer, ...]]:
    """Each payout's transfer bills in order (none for a payout made offline), in one query for any number."""
    docs = (
        await mongo.db[c.PAYOUT_TRANSFERS]
        .find({"merchant_id": merchant_id, "payout_id": {"$in": payout_ids}})
        .sort([("payout_id", 1), ("seq", 1)])
        .to_list()
    )
    bills: dict[ObjectId, list[Transfer]] = {}
    for doc in docs:
        bills.setdefault(doc["payout_id"], []).append(transfer_from_doc(doc))
    return {payout_id: tuple(found) for payout_id, found in bills.items()}


async def waiting_for_payee(*, mongo: Mongo, payout_id: ObjectId) -> tuple[Transfer, ...]:
    """The payout's bills WeChat Pay made and holds for the payee's confirmation, in order; whoever's they are,
    for the dev stack alone (the sandbox's payee confirms them)."""
    docs = (
        await mongo.db[c.PAYOUT_TRANSFERS]
        .find({"payout_id": payout_id, "status": TransferStatus.WAIT_USER_CONFIRM.value})
        .sort("seq", 1)
        .to_list()
    )
    return tuple(transfer_from_doc(d) for d in docs)


async def list_runs(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[RunView]:
    """OWNER: the merchant's runs, newest first, each with its totals; two queries."""
    require_owner(actor)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.PAYOUT_RUNS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    runs = [run_from_doc(d) for d in docs[:limit]]
    totals = await run_totals(mongo, actor.merchant_id, [r.id for r in runs])
    return Page([(r.id, RunView(r, totals[r.id])) for r in runs], len(docs) > limit)


@dataclass(frozen=True)
class MemberPayout:
    payout: Payout
    # The bills waiting for the member's confirmation.
    waiting: tuple[Transfer, ...]


async def member_payouts(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, first: int | None, after: ObjectId | None
) -> Page[MemberPayout]:
    """The member's payouts, newest first; two queries whatever the page size."""
    limit = clamp(first)
    query: Doc = {"merchant_id": merchant_id, "beneficiary_id": member_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.PAYOUTS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    page = [payout_from_doc(d) for d in docs[:limit]]
    open_ids = [p.id for p in page if p.status is PayoutStatus.PROCESSING]
    bills = (
        await mongo.db[c.PAYOUT_TRANSFERS]
        .find({"payout_id": {"$in": open_ids}, "status": TransferStatus.WAIT_USER_CONFIRM.value})
        .sort("seq", 1)
        .to_list()
        if open_ids
        else []
    )
    waiting: dict[ObjectId, list[Transfer]] = {}
    for bill in bills:
        waiting.setdefault(bill["payout_id"], []).append(transfer_from_doc(bill))
    return Page([(p.id, MemberPayout(p, tuple(waiting.get(p.id, ())))) for p in page], len(docs) > limit)


@dataclass(frozen=True)
class Receivable:
    payout: MemberPayout
    # One per bill waiting for the member, in order: call `wx.requestMerchantTransfer` with each.
    transfers: tuple[MerchantTransferParams, ...]


async def receive_payout(
    *, mongo: Mongo, channel: PayoutChannel | None, merchant_id: ObjectId, member_id: ObjectId, payout_id: ObjectId
) -> Receivable:
    """The member's own payout, ready to confirm: PAYOUT_NOT_READY while its bills are still being made (or wait
    for tomorrow's quota), PAYOUT_SETTLED once it is paid or failed."""
    if channel is None:
        raise PayoutError(PayoutCode.PAYOUTS_UNAVAILABLE)
    doc = await mongo.db[c.PAYOUTS].find_one(
        {"_id": payout_id, "merchant_id": merchant_id, "beneficiary_id": member_id}
    )
    if doc is None:
        raise PayoutError(PayoutCode.PAYOUT_NOT_FOUND, "payoutId")
    payout = payout_from_doc(doc)
    if payout.status is not PayoutStatus.PROCESSING:
        raise PayoutError(PayoutCode.PAYOUT_SETTLED, "payoutId")
    bills = (
        await mongo.db[c.PAYOUT_TRANSFERS]
        .find({"payout_id": payout_id, "status": TransferStatus.WAIT_USER_CONFIRM.value})
        .sort("seq", 1)
        .to_list()
    )
    waiting = tuple(transfer_from_doc(b) for b in bills if b.get("package_info"))
    if not waiting:
        raise PayoutError(PayoutCode.PAYOUT_NOT_READY, "payoutId")
    params = tuple(channel.transfers.merchant_transfer_params(t.package_info or "") for t in waiting)
    return Receivable(MemberPayout(payout, waiting), params)
