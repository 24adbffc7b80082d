"""Accrual on ORDER_PAID: the payer's level-1 and level-2 uplines who are active shareholders in a program
covering the order's store and time, and the staff member who acquired the payer, each earn
floor(rate × base / 10000) of the program's commission base, PENDING until paid_at + freeze days. A payer
who looks like their beneficiary (same unionid, phone or device) sends that commission to REVIEW instead.

Exactly once: an order marker (`commission_orders`, keyed by the order id) is inserted in the same
transaction as the commissions, their ledger entries and their COMMISSION_ACCRUED outbox events, so a second
or concurrent handling finds the marker (or conflicts with it) and accrues nothing. The marker also keeps the
order's network facts (upline, business day, revenue) for the shareholder views and for refunds.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.commissions.commission import (
    BUCKETS,
    BeneficiaryKind,
    Commission,
    CommissionStatus,
    amount_of,
    commission_from_doc,
)
from domain.commissions.ledger import EntryKind, post
from domain.commissions.programs import MEMBER_LEVELS, STAFF_LEVEL, Program, merchant_programs
from domain.events import CommissionAccrued, OrderPaid
from domain.referrals.identity import NO_IDENTITY, Identity, member_identities, overlaps

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class Accrual:
    order_id: ObjectId
    commissions: tuple[Commission, ...]
    replayed: bool


@dataclass(frozen=True)
class _Earner:
    beneficiary_id: ObjectId
    kind: BeneficiaryKind
    level: int
    program: Program
    identity: Identity


async def _commissions_of(mongo: Mongo, merchant_id: ObjectId, order_id: ObjectId) -> tuple[Commission, ...]:
    query = {"merchant_id": merchant_id, "order_id": order_id}
    docs = await mongo.db[c.COMMISSIONS].find(query).sort("level", 1).to_list()
    return tuple(commission_from_doc(d) for d in docs)


async def _earners(mongo: Mongo, order: OrderPaid, payer: Doc, programs: dict[ObjectId, Program]) -> list[_Earner]:
    """Who earns on this order: a fixed handful of queries, whatever the chain."""
    covering = {pid: p for pid, p in programs.items() if p.covers(order.store_id, order.paid_at)}
    upline = list(payer.get("ancestors") or [])[: len(MEMBER_LEVELS)]
    shareholders = (
        await mongo.db[c.SHAREHOLDERS]
        .find({"merchant_id": order.merchant_id, "member_id": {"$in": upline}, "active": True})
        .to_list()
        if upline and covering
        else []
    )
    program_of = {s["member_id"]: covering.get(s["program_id"]) for s in shareholders}
    identities = await member_identities(mongo, order.merchant_id, [p for p in upline if program_of.get(p)])
    earners = [
        _Earner(member_id, BeneficiaryKind.MEMBER, level, program, identities.get(member_id, NO_IDENTITY))
        for level, member_id in zip(MEMBER_LEVELS, upline, strict=False)
        if (program := program_of.get(member_id)) is not None
    ]
    staff_id = payer.get("acquired_by_staff_id")
    staff_programs = sorted(covering.values(), key=lambda p: (-p.settings.staff_bp, p.id))
    if staff_id is not None and staff_programs and staff_programs[0].settings.staff_bp > 0:
        # A staff member who has left earns nothing more.
        staff = await mongo.db[c.STAFF].find_one(
            {"_id": staff_id, "merchant_id": order.merchant_id, "active": True}, {"phone_hash": 1}
        )
        if staff is not None:
            identity = Identity(phone_hash=staff.get("phone_hash"))
            earners.append(_Earner(staff_id, BeneficiaryKind.STAFF, STAFF_LEVEL, staff_programs[0], identity))
    return earners


async def _business_day(mongo: Mongo, order: OrderPaid) -> str:
    store = await mongo.db[c.STORES].find_one(
        {"merchant_id": order.merchant_id, "_id": order.store_id}, {"timezone": 1}
    )
    zone = ZoneInfo((store or {}).get("timezone") or DEFAULT_TIMEZONE)
    return order.paid_at.astimezone(zone).date().isoformat()


def _commission_doc(order: OrderPaid, earner: _Earner, payer: Identity, now: datetime) -> Doc | None:
    program = earner.program
    rate = program.rate_bp(earner.level)
    base = program.settings.base.of(order)
    amount = amount_of(rate, base)
    if amount <= 0:
        return None
    flags = overlaps(payer, earner.identity)
    return {
        "_id": ObjectId(),
        "merchant_id": order.merchant_id,
        "order_id": order.order_id,
        "store_id": order.store_id,
        "payer_id": order.member_id,
        "beneficiary_id": earner.beneficiary_id,
        "beneficiary_kind": earner.kind.value,
        "level": earner.level,
        "program_id": program.id,
        "rate_bp": rate,
        "base_fen": base,
        "amount_fen": amount,
        "reversed_fen": 0,
        "status": (CommissionStatus.REVIEW if flags else CommissionStatus.PENDING).value,
        "flags": [f.value for f in flags],
        "paid_at": order.paid_at,
        "release_at": order.paid_at + timedelta(days=program.settings.freeze_days),
        "created_at": now,
    }


def accrued_event(doc: Doc) -> CommissionAccrued:
    """What the 分红到账 push is built from."""
    return CommissionAccrued(
        commission_id=doc["_id"],
        beneficiary_id=doc["beneficiary_id"],
        beneficiary_kind=doc["beneficiary_kind"],
        level=doc["level"],
        amount_fen=doc["amount_fen"] - doc["reversed_fen"],
        order_id=doc["order_id"],
        payer_id=doc["payer_id"],
        release_at=doc["release_at"],
    )


async def announce(mongo: Mongo, session: AsyncClientSession, doc: Doc) -> None:
    await outbox.record(
        mongo=mongo,
        session=session,
        merchant_id=doc["merchant_id"],
        event=accrued_event(doc),
        dedupe_key=f"commission.accrued:{doc['_id']}",
    )


async def _plan(mongo: Mongo, order: OrderPaid, payer_id: ObjectId, now: datetime) -> tuple[Doc, list[Doc]]:
    payer = await mongo.db[c.MEMBERS].find_one(
        {"_id": payer_id, "merchant_id": order.merchant_id}, {"ancestors": 1, "acquired_by_staff_id": 1}
    )
    payer = payer or {}
    earners = await _earners(mongo, order, payer, await merchant_programs(mongo, order.merchant_id))
    payer_identity = NO_IDENTITY
    if earners:
        payer_identity = (await member_identities(mongo, order.merchant_id, [payer_id])).get(payer_id, NO_IDENTITY)
    docs = [d for e in earners if (d := _commission_doc(order, e, payer_identity, now)) is not None]
    upline = list(payer.get("ancestors") or [])[: len(MEMBER_LEVELS)]
    marker: Doc = {
        "_id": order.order_id,
        "merchant_id": order.merchant_id,
        "payer_id": payer_id,
        "store_id": order.store_id,
        "paid_at": order.paid_at,
        "day": await _business_day(mongo, order),
        "upline": upline,
        "staff_id": payer.get("acquired_by_staff_id"),
        "consumption_paid_fen": order.consumption_paid_fen,
        "stored_value_spent_fen": order.stored_value_spent_fen,
        "top_up_paid_fen": order.top_up_paid_fen,
        # Network revenue is consumption: a top-up is prepaid money, counted when it is spent.
        "revenue_fen": order.consumption_paid_fen,
        "net_revenue_fen": order.consumption_paid_fen,
        "refunded_fen": 0,
        "refund_ids": [],
        "commission_ids": [d["_id"] for d in docs],
        "handled_at": now,
    }
    return marker, docs


async def on_order_paid(*, mongo: Mongo, event: OrderPaid) -> Accrual:
    """Handle ORDER_PAID; safe to call any number of times, also concurrently: it accrues once. A walk-in sale
    (no member) has no upline and no acquiring staff member: nobody earns, and nothing is written."""
    if event.member_id is None:
        return Accrual(event.order_id, (), replayed=False)
    orders = mongo.db[c.COMMISSION_ORDERS]
    marked = {"merchant_id": event.merchant_id, "_id": event.order_id}
    if await orders.find_one(marked, {"_id": 1}) is not None:
        return Accrual(event.order_id, await _commissions_of(mongo, event.merchant_id, event.order_id), replayed=True)
    now = datetime.now(UTC)
    marker, docs = await _plan(mongo, event, event.member_id, now)

    async def work(session: AsyncClientSession) -> bool:
        if await orders.find_one(marked, {"_id": 1}, session=session) is not None:
            return False
        await orders.insert_one(marker, session=session)
        if docs:
            await mongo.db[c.COMMISSIONS].insert_many(docs, session=session)
        for doc in docs:
            status = CommissionStatus(doc["status"])
            await post(
                mongo,
                session,
                merchant_id=doc["merchant_id"],
                beneficiary_id=doc["beneficiary_id"],
                kind=EntryKind.ACCRUE,
                deltas={BUCKETS[status]: doc["amount_fen"]},
                idempotency_key=f"accrue:{doc['_id']}",
                commission_id=doc["_id"],
            )
            # A commission held for review is announced when (if) the owner approves it.
            if status is CommissionStatus.PENDING:
                await announce(mongo, session, doc)
        return True

    try:
        accrued = await transaction(mongo, work)
    except DuplicateKeyError:
        # A concurrent handling committed the marker after our snapshot began: theirs is the accrual.
        accrued = False
    if not accrued:
        return Accrual(event.order_id, await _commissions_of(mongo, event.merchant_id, event.order_id), replayed=True)
    return Accrual(event.order_id, tuple(commission_from_doc(d) for d in docs), replayed=False)
