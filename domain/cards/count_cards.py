"""Count cards (次卡/疗程卡): a package of N uses of a service with an expiry; staff consume one use at a time.

Each count card is its own balance document (`remaining`), changed only through the ledger (COUNT_GRANT,
COUNT_USE), so a use is idempotent, never takes `remaining` below zero, and stops when the card is LOST.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import (
    Account,
    Actor,
    ActorKind,
    Entry,
    EntryKind,
    Posting,
    check_key,
    find_entry,
    idempotent,
    post,
    run_in,
)
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff

MAX_USES = 1_000
MAX_NAME = 32


@dataclass(frozen=True)
class CountCard:
    id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId
    name: str
    total: int
    remaining: int
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class CountCardChange:
    count_card: CountCard
    entry: Entry


def count_card_from_doc(doc: Doc) -> CountCard:
    return CountCard(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        member_id=doc["member_id"],
        name=doc["name"],
        total=doc["total"],
        remaining=doc["remaining"],
        expires_at=doc["expires_at"],
        created_at=doc["created_at"],
    )


async def live_count_cards(*, mongo: Mongo, merchant_id: ObjectId, member_ids: list[ObjectId]) -> list[CountCard]:
    """Count cards with uses left and time left, soonest to expire first, for one or many members."""
    docs = (
        await mongo.db[c.COUNT_CARDS]
        .find(
            {
                "merchant_id": merchant_id,
                "member_id": {"$in": member_ids},
                "remaining": {"$gt": 0},
                "expires_at": {"$gt": datetime.now(UTC)},
            }
        )
        .sort([("expires_at", 1), ("_id", 1)])
        .to_list()
    )
    return [count_card_from_doc(d) for d in docs]


async def _load(mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, count_card_id: ObjectId) -> CountCard:
    doc = await mongo.db[c.COUNT_CARDS].find_one({"_id": count_card_id, "merchant_id": merchant_id}, session=session)
    if doc is None:
        raise CardError(CardCode.COUNT_CARD_NOT_FOUND, "countCardId")
    return count_card_from_doc(doc)


async def grant_count_card(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    name: str,
    uses: int,
    expires_at: datetime,
    reference: str,
    idempotency_key: str,
    actor: Actor,
    session: AsyncClientSession | None = None,
) -> CountCardChange:
    """A new count card with `uses` uses; checkout calls this when a package is paid."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise CardError(CardCode.COUNT_CARD_INVALID, "name")
    if not 0 < uses <= MAX_USES:
        raise CardError(CardCode.COUNT_CARD_INVALID, "uses")
    # A time without a zone is ambiguous for a store in Asia/Shanghai; the client must say which it means.
    if expires_at.tzinfo is None or expires_at <= datetime.now(UTC):
        raise CardError(CardCode.COUNT_CARD_INVALID, "expiresAt")
    key = check_key(idempotency_key)

    async def work(s: AsyncClientSession) -> CountCardChange:
        # Checked before inserting: a replay must find the first count card, not create a second.
        first = await find_entry(mongo=mongo, merchant_id=merchant_id, idempotency_key=key, session=s)
        if first is not None and first.count_card_id is not None and first.kind is EntryKind.COUNT_GRANT:
            return CountCardChange(await _load(mongo, s, merchant_id, first.count_card_id), first)
        if first is not None:
            raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
        if await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": member_id}, session=s) is None:
            raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
        doc: Doc = {
            "_id": ObjectId(),
            "merchant_id": merchant_id,
            "member_id": member_id,
            "name": name,
            "total": uses,
            "remaining": 0,
            "expires_at": expires_at,
            "created_at": datetime.now(UTC),
        }
        await mongo.db[c.COUNT_CARDS].insert_one(doc, session=s)
        entry = await post(
            mongo=mongo,
            session=s,
            posting=Posting(
                merchant_id=merchant_id,
                member_id=member_id,
                account=Account.COUNT,
                kind=EntryKind.COUNT_GRANT,
                amount=uses,
                reference=reference,
                actor=actor,
                idempotency_key=key,
                count_card_id=doc["_id"],
            ),
        )
        return CountCardChange(count_card_from_doc({**doc, "remaining": entry.balance_after}), entry)

    return await run_in(mongo, session, work)


async def staff_grant_count_card(
    *,
    mongo: Mongo,
    actor: Staff,
    member_id: ObjectId,
    name: str,
    uses: int,
    expires_at: datetime,
    idempotency_key: str,
) -> CountCardChange:
    """A package sold outside the app (OWNER, MANAGER)."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    return await grant_count_card(
        mongo=mongo,
        merchant_id=actor.merchant_id,
        member_id=member_id,
        name=name,
        uses=uses,
        expires_at=expires_at,
        reference=f"staff:{actor.id}",
        idempotency_key=idempotency_key,
        actor=Actor(ActorKind.STAFF, actor.id),
    )


async def use_count_card(
    *, mongo: Mongo, actor: Staff, count_card_id: ObjectId, idempotency_key: str
) -> CountCardChange:
    """One use, by any staff member who delivers the service; a retry with the same key uses nothing more."""
    if not actor.active:
        raise PermissionDenied()
    key = check_key(idempotency_key)

    async def work(s: AsyncClientSession) -> CountCardChange:
        count_card = await _load(mongo, s, actor.merchant_id, count_card_id)
        entry = await post(
            mongo=mongo,
            session=s,
            posting=Posting(
                merchant_id=actor.merchant_id,
                member_id=count_card.member_id,
                account=Account.COUNT,
                kind=EntryKind.COUNT_USE,
                amount=-1,
                reference=f"staff:{actor.id}",
                actor=Actor(ActorKind.STAFF, actor.id),
                idempotency_key=key,
                count_card_id=count_card.id,
            ),
        )
        # A replay returns the first entry and the count card as it stands now.
        return CountCardChange(
            count_card if entry.replayed else replace(count_card, remaining=entry.balance_after), entry
        )

    return await idempotent(mongo, work)
