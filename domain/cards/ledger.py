"""The ledger: the one way a member's points, stored value or count-card uses change.

`post` runs inside the caller's transaction, so checkout can move points, stored value and earnings
together. Each posting is one conditional `$inc` on the balance document that refuses to go below zero,
plus one append-only entry under a unique (merchant, idempotency key); a replayed key returns the first
entry and changes nothing. Sum of a member's entries == balance, always.

Stored value keeps a paid part and a bonus part. A debit that does not name its parts takes the paid part
first, then the bonus: the refundable money is used up before the gift, so the merchant owes less on a
refund, and a top-up refund still finds its bonus there to claw back.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.cards.errors import CardCode, CardError
from domain.events import BalanceChanged, PointsChanged
from domain.pagination import Page, clamp

T = TypeVar("T")
MAX_KEY_LENGTH = 128


class Account(StrEnum):
    POINTS = "POINTS"
    STORED_VALUE = "STORED_VALUE"
    COUNT = "COUNT"


class EntryKind(StrEnum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    TOP_UP = "TOP_UP"
    TOP_UP_REFUND = "TOP_UP_REFUND"
    SPEND = "SPEND"
    ADJUSTMENT = "ADJUSTMENT"
    COUNT_GRANT = "COUNT_GRANT"
    COUNT_USE = "COUNT_USE"


# What a LOST card refuses: value leaving through a counter. Credits, refunds and staff adjustments go on.
SPENDING = frozenset({EntryKind.REDEEM, EntryKind.SPEND, EntryKind.COUNT_USE})


class CardStatus(StrEnum):
    ACTIVE = "ACTIVE"
    LOST = "LOST"
    # The member closed their account (domain.privacy.erasure): the card is emptied and never used again.
    CLOSED = "CLOSED"


class ActorKind(StrEnum):
    MEMBER = "MEMBER"
    STAFF = "STAFF"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: ObjectId | None = None


SYSTEM = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True)
class Parts:
    """How a stored-value amount splits into the member's paid money and the merchant's bonus."""

    paid: int
    bonus: int


@dataclass(frozen=True)
class Posting:
    merchant_id: ObjectId
    member_id: ObjectId
    account: Account
    kind: EntryKind
    amount: int
    reference: str
    actor: Actor
    idempotency_key: str
    parts: Parts | None = None
    count_card_id: ObjectId | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId
    account: Account
    kind: EntryKind
    amount: int
    parts: Parts
    balance_after: int
    reference: str
    actor: Actor
    reason: str | None
    idempotency_key: str
    count_card_id: ObjectId | None
    detail: dict[str, Any]
    at: datetime
    replayed: bool = False


def entry_from_doc(doc: Doc, *, replayed: bool = False) -> Entry:
    actor = doc["actor"]
    return Entry(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        member_id=doc["member_id"],
        account=Account(doc["account"]),
        kind=EntryKind(doc["kind"]),
        amount=doc["amount"],
        parts=Parts(doc["paid"], doc["bonus"]),
        balance_after=doc["balance_after"],
        reference=doc["reference"],
        actor=Actor(ActorKind(actor["kind"]), actor.get("id")),
        reason=doc.get("reason"),
        idempotency_key=doc["idempotency_key"],
        count_card_id=doc.get("count_card_id"),
        detail=doc.get("detail") or {},
        at=doc["at"],
        replayed=replayed,
    )


def check_key(key: str, field_name: str = "idempotencyKey") -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise CardError(CardCode.IDEMPOTENCY_KEY_REQUIRED, field_name)
    return key


async def find_entry(
    *, mongo: Mongo, merchant_id: ObjectId, idempotency_key: str, session: AsyncClientSession | None = None
) -> Entry | None:
    doc = await mongo.db[c.LEDGER].find_one(
        {"merchant_id": merchant_id, "idempotency_key": idempotency_key}, session=session
    )
    return entry_from_doc(doc, replayed=True) if doc else None


def _same_request(entry: Entry, posting: Posting) -> bool:
    return (
        entry.member_id == posting.member_id
        and entry.account is posting.account
        and entry.kind is posting.kind
        and entry.amount == posting.amount
        and entry.count_card_id == posting.count_card_id
    )


async def _stored_value_parts(mongo: Mongo, session: AsyncClientSession, posting: Posting) -> Parts:
    if posting.parts is not None:
        paid, bonus = posting.parts.paid, posting.parts.bonus
        # Parts never move money between paid and bonus: both go the way the amount goes.
        if paid + bonus != posting.amount or paid * posting.amount < 0 or bonus * posting.amount < 0:
            raise ValueError("stored-value parts must add up to the amount, with its sign")
        return posting.parts
    if posting.amount >= 0:
        return Parts(posting.amount, 0)
    card = await mongo.db[c.CARDS].find_one(
        {"merchant_id": posting.merchant_id, "member_id": posting.member_id},
        {"stored_paid": 1},
        session=session,
    )
    from_paid = min(card["stored_paid"], -posting.amount) if card else 0
    return Parts(-from_paid, posting.amount + from_paid)


def _target(posting: Posting, parts: Parts, now: datetime) -> tuple[str, Doc, dict[str, int]]:
    """The balance document a posting changes: its collection, its filter and the `$inc` it gets."""
    owner: Doc = {"merchant_id": posting.merchant_id, "member_id": posting.member_id}
    if posting.account is Account.POINTS:
        return c.CARDS, owner, {"points": posting.amount}
    if posting.account is Account.STORED_VALUE:
        return c.CARDS, owner, {"stored_paid": parts.paid, "stored_bonus": parts.bonus}
    query: Doc = {"_id": posting.count_card_id, **owner}
    if posting.kind in SPENDING:
        query["expires_at"] = {"$gt": now}
    return c.COUNT_CARDS, query, {"remaining": posting.amount}


async def _refusal(mongo: Mongo, session: AsyncClientSession, posting: Posting, name: str) -> CardError:
    """Why a conditional update matched nothing, read inside the same snapshot."""
    card = await mongo.db[c.CARDS].find_one(
        {"merchant_id": posting.merchant_id, "member_id": posting.member_id}, {"status": 1}, session=session
    )
    if card is None:
        return CardError(CardCode.CARD_NOT_FOUND, "memberId")
    if posting.kind in SPENDING and card["status"] != CardStatus.ACTIVE:
        return CardError(CardCode.CARD_LOST, "memberId")
    if name == c.COUNT_CARDS:
        doc = await mongo.db[name].find_one(
            {"merchant_id": posting.merchant_id, "_id": posting.count_card_id, "member_id": posting.member_id},
            session=session,
        )
        if doc is None:
            return CardError(CardCode.COUNT_CARD_NOT_FOUND, "countCardId")
        if posting.kind in SPENDING and doc["expires_at"] <= datetime.now(UTC):
            return CardError(CardCode.COUNT_CARD_EXPIRED, "countCardId")
    return CardError(CardCode.INSUFFICIENT_BALANCE, "amount", account=posting.account.value)


def _balance(name: str, doc: Doc, account: Account) -> int:
    if name == c.COUNT_CARDS:
        return int(doc["remaining"])
    if account is Account.POINTS:
        return int(doc["points"])
    return int(doc["stored_paid"] + doc["stored_bonus"])


async def _card_is_active(mongo: Mongo, session: AsyncClientSession, posting: Posting) -> bool:
    card = await mongo.db[c.CARDS].find_one(
        {"merchant_id": posting.merchant_id, "member_id": posting.member_id, "status": CardStatus.ACTIVE.value},
        {"_id": 1},
        session=session,
    )
    return card is not None


async def post(*, mongo: Mongo, session: AsyncClientSession, posting: Posting) -> Entry:
    """Apply one posting inside the caller's transaction; a known idempotency key replays the first entry."""
    first = await find_entry(
        mongo=mongo, merchant_id=posting.merchant_id, idempotency_key=posting.idempotency_key, session=session
    )
    if first is not None:
        if not _same_request(first, posting):
            raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
        return first
    return await post_new(mongo=mongo, session=session, posting=posting)


async def post_new(*, mongo: Mongo, session: AsyncClientSession, posting: Posting, also: Doc | None = None) -> Entry:
    """`post` for a caller that has just looked the key up in this transaction and found no entry: the same
    snapshot would answer the same, so it is not read again (and the unique index still refuses a second
    entry). `also` is more of the update to the balance document, made in the same write (a payment's
    lifetime spending and level with the points it earns); the posting's own `$inc` always stands."""
    if posting.amount == 0 and posting.kind is not EntryKind.EARN:
        raise CardError(CardCode.INVALID_AMOUNT, "amount")
    now = datetime.now(UTC)
    parts = (
        await _stored_value_parts(mongo, session, posting) if posting.account is Account.STORED_VALUE else Parts(0, 0)
    )
    name, query, inc = _target(posting, parts, now)
    # Count cards live in their own documents, so a LOST card is checked there by a read in the same snapshot.
    if name == c.COUNT_CARDS and posting.kind in SPENDING and not await _card_is_active(mongo, session, posting):
        raise CardError(CardCode.CARD_LOST, "memberId")
    if name == c.CARDS and posting.kind in SPENDING:
        query["status"] = CardStatus.ACTIVE.value
    for field_name, delta in inc.items():
        if delta < 0:
            query[field_name] = {"$gte": -delta}
    extra = also or {}
    doc = await mongo.db[name].find_one_and_update(
        query,
        {**extra, "$inc": {**extra.get("$inc", {}), **inc}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if doc is None:
        raise await _refusal(mongo, session, posting, name)
    entry: Doc = {
        "_id": ObjectId(),
        "merchant_id": posting.merchant_id,
        "member_id": posting.member_id,
        "account": posting.account.value,
        "kind": posting.kind.value,
        "amount": posting.amount,
        "paid": parts.paid,
        "bonus": parts.bonus,
        "balance_after": _balance(name, doc, posting.account),
        "reference": posting.reference,
        "actor": {"kind": posting.actor.kind.value, "id": posting.actor.id},
        "reason": posting.reason,
        "idempotency_key": posting.idempotency_key,
        "count_card_id": posting.count_card_id,
        "detail": posting.detail,
        "at": now,
    }
    await mongo.db[c.LEDGER].insert_one(entry, session=session)
    if posting.amount != 0:
        # What the merchant owes moves with every entry: the reports keep its running total from this.
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=posting.merchant_id,
            event=_balance_changed(posting, parts, entry["_id"], doc),
            dedupe_key=f"ledger:{entry['_id']}:balance",
        )
    if posting.account is Account.POINTS and posting.amount != 0:
        # 积分变动: the member is told of every change of their points, in the transaction that made it.
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=posting.merchant_id,
            event=PointsChanged(member_id=posting.member_id, entry_id=entry["_id"]),
            dedupe_key=f"ledger:{entry['_id']}:points",
        )
    return entry_from_doc(entry)


def _balance_changed(posting: Posting, parts: Parts, entry_id: ObjectId, balance: Doc) -> BalanceChanged:
    if posting.account is Account.STORED_VALUE:
        return BalanceChanged(
            posting.member_id, entry_id, stored_value_paid_fen=parts.paid, stored_value_bonus_fen=parts.bonus
        )
    if posting.account is Account.POINTS:
        return BalanceChanged(posting.member_id, entry_id, points=posting.amount)
    return BalanceChanged(
        posting.member_id, entry_id, count_uses=posting.amount, count_expires_at=balance["expires_at"]
    )


def _is_key_race(error: DuplicateKeyError) -> bool:
    details = error.details or {}
    return "idempotency_key" in (details.get("keyPattern") or {})


async def idempotent(mongo: Mongo, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Run `work` (which posts) in a transaction. When a concurrent request with the same idempotency key
    commits first, our insert hits the unique index; running `work` again finds that entry and replays it.
    """
    try:
        return await transaction(mongo, work)
    except DuplicateKeyError as e:
        if not _is_key_race(e):
            raise
        return await transaction(mongo, work)


async def run_in(
    mongo: Mongo, session: AsyncClientSession | None, work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """`work` inside the caller's transaction when there is one (checkout composes several postings), else
    in its own."""
    if session is not None:
        return await work(session)
    return await idempotent(mongo, work)


async def post_alone(*, mongo: Mongo, posting: Posting) -> Entry:
    """One posting in its own transaction."""

    async def work(session: AsyncClientSession) -> Entry:
        return await post(mongo=mongo, session=session, posting=posting)

    return await idempotent(mongo, work)


async def list_entries(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    account: Account | None,
    first: int | None,
    after: ObjectId | None,
) -> Page[Entry]:
    """Newest first: a ledger screen starts with what just happened."""
    limit = clamp(first)
    query: Doc = {"merchant_id": merchant_id, "member_id": member_id}
    if account is not None:
        query["account"] = account.value
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.LEDGER].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], entry_from_doc(d)) for d in docs[:limit]], len(docs) > limit)
