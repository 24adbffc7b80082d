"""Stored value (储值): top-up plans (充500送50), top-ups, spending and top-up refunds.

The paid part and the bonus part are kept apart. Spending takes the paid part first (see domain.cards.ledger
for why); a refunded top-up takes back its paid amount and exactly its bonus, once, and is refused when
the member has already spent either. Top-ups are paid through checkout, which calls `top_up`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import (
    Account,
    Actor,
    Entry,
    EntryKind,
    Parts,
    Posting,
    check_key,
    entry_from_doc,
    post,
    run_in,
)
from domain.errors import PermissionDenied
from domain.pagination import Page, after_filter, clamp
from domain.tenancy import Role, Staff, audit

MAX_PAY_FEN = 10_000_000
MAX_PLAN_NAME = 32


@dataclass(frozen=True)
class TopUpPlan:
    id: ObjectId
    merchant_id: ObjectId
    name: str
    pay_fen: int
    bonus_fen: int
    active: bool
    created_at: datetime


def plan_from_doc(doc: Doc) -> TopUpPlan:
    return TopUpPlan(
        doc["_id"], doc["merchant_id"], doc["name"], doc["pay_fen"], doc["bonus_fen"], doc["active"], doc["created_at"]
    )


async def create_plan(*, mongo: Mongo, actor: Staff, name: str, pay_fen: int, bonus_fen: int) -> TopUpPlan:
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    name = name.strip()
    if not name or len(name) > MAX_PLAN_NAME:
        raise CardError(CardCode.PLAN_INVALID, "name")
    if not 0 < pay_fen <= MAX_PAY_FEN:
        raise CardError(CardCode.PLAN_INVALID, "payFen")
    # A bonus above the paid amount is almost always a typo of one zero too many.
    if not 0 <= bonus_fen <= pay_fen:
        raise CardError(CardCode.PLAN_INVALID, "bonusFen")
    plan = TopUpPlan(ObjectId(), actor.merchant_id, name, pay_fen, bonus_fen, True, datetime.now(UTC))
    await mongo.db[c.TOP_UP_PLANS].insert_one(
        {
            "_id": plan.id,
            "merchant_id": plan.merchant_id,
            "name": plan.name,
            "pay_fen": plan.pay_fen,
            "bonus_fen": plan.bonus_fen,
            "active": True,
            "created_at": plan.created_at,
        }
    )
    await audit(mongo=mongo, actor=actor, action="top_up_plan.create", target=plan.id, pay=pay_fen, bonus=bonus_fen)
    return plan


async def archive_plan(*, mongo: Mongo, actor: Staff, plan_id: ObjectId) -> TopUpPlan:
    """No new top-ups on it; top-ups already paid on it are unaffected."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    doc = await mongo.db[c.TOP_UP_PLANS].find_one_and_update(
        {"_id": plan_id, "merchant_id": actor.merchant_id},
        {"$set": {"active": False}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise CardError(CardCode.PLAN_NOT_FOUND, "id")
    await audit(mongo=mongo, actor=actor, action="top_up_plan.archive", target=plan_id)
    return plan_from_doc(doc)


async def list_plans(
    *, mongo: Mongo, merchant_id: ObjectId, include_archived: bool, first: int | None, after: ObjectId | None
) -> Page[TopUpPlan]:
    limit = clamp(first)
    query: Doc = {"merchant_id": merchant_id, **after_filter(after)}
    if not include_archived:
        query["active"] = True
    docs = await mongo.db[c.TOP_UP_PLANS].find(query).sort("_id", 1).limit(limit + 1).to_list()
    return Page([(d["_id"], plan_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def get_active_plan(*, mongo: Mongo, merchant_id: ObjectId, plan_id: ObjectId) -> TopUpPlan:
    """The plan a member is about to pay for; checkout copies its amounts into the order."""
    doc = await mongo.db[c.TOP_UP_PLANS].find_one({"_id": plan_id, "merchant_id": merchant_id, "active": True})
    if doc is None:
        raise CardError(CardCode.PLAN_NOT_FOUND, "planId")
    return plan_from_doc(doc)


async def top_up(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    paid_fen: int,
    bonus_fen: int,
    reference: str,
    idempotency_key: str,
    actor: Actor,
    session: AsyncClientSession | None = None,
) -> Entry:
    """Credit a paid top-up: `paid_fen` to the paid part, `bonus_fen` to the bonus part, one entry."""
    if paid_fen <= 0 or bonus_fen < 0:
        raise CardError(CardCode.INVALID_AMOUNT, "paidFen")
    posting = Posting(
        merchant_id=merchant_id,
        member_id=member_id,
        account=Account.STORED_VALUE,
        kind=EntryKind.TOP_UP,
        amount=paid_fen + bonus_fen,
        parts=Parts(paid_fen, bonus_fen),
        reference=reference,
        actor=actor,
        idempotency_key=check_key(idempotency_key),
    )

    async def work(s: AsyncClientSession) -> Entry:
        return await post(mongo=mongo, session=s, posting=posting)

    return await run_in(mongo, session, work)


async def refund_top_up(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    top_up_entry_id: ObjectId,
    reference: str,
    actor: Actor,
    session: AsyncClientSession | None = None,
) -> Entry:
    """Take back a whole top-up: its paid amount from the paid part and exactly its bonus from the bonus
    part. Once per top-up (the key is derived from it); refused if either part no longer holds it."""

    async def work(s: AsyncClientSession) -> Entry:
        doc = await mongo.db[c.LEDGER].find_one(
            {"_id": top_up_entry_id, "merchant_id": merchant_id, "kind": EntryKind.TOP_UP.value}, session=s
        )
        if doc is None:
            raise CardError(CardCode.TOP_UP_NOT_FOUND, "topUpId")
        original = entry_from_doc(doc)
        return await post(
            mongo=mongo,
            session=s,
            posting=Posting(
                merchant_id=merchant_id,
                member_id=original.member_id,
                account=Account.STORED_VALUE,
                kind=EntryKind.TOP_UP_REFUND,
                amount=-original.amount,
                parts=Parts(-original.parts.paid, -original.parts.bonus),
                reference=reference,
                actor=actor,
                idempotency_key=f"top-up-refund:{top_up_entry_id}",
                detail={"top_up_entry_id": top_up_entry_id},
            ),
        )

    return await run_in(mongo, session, work)


async def spend_stored_value(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    amount_fen: int,
    reference: str,
    idempotency_key: str,
    actor: Actor,
    session: AsyncClientSession | None = None,
) -> Entry:
    """Pay `amount_fen` from stored value, paid part first; refused on a LOST card or a short balance."""
    if amount_fen <= 0:
        raise CardError(CardCode.INVALID_AMOUNT, "amountFen")
    posting = Posting(
        merchant_id=merchant_id,
        member_id=member_id,
        account=Account.STORED_VALUE,
        kind=EntryKind.SPEND,
        amount=-amount_fen,
        reference=reference,
        actor=actor,
        idempotency_key=check_key(idempotency_key),
    )

    async def work(s: AsyncClientSession) -> Entry:
        return await post(mongo=mongo, session=s, posting=posting)

    return await run_in(mongo, session, work)
