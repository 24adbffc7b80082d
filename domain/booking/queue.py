"""The walk-in queue (排队叫号) of a store for one local day: members take a numbered ticket, see how many wait
ahead of them, and staff call the next one. The member called, and the one who then has two ahead, are told
through outbox events (QUEUE_CALLED, QUEUE_NEAR), each at most once per ticket.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.booking.access import ANY_ROLE, check_scope, find_store, merchant_store, staff_store
from domain.booking.errors import BookingCode, BookingError
from domain.booking.wallclock import local_date
from domain.events import QueueCalled, QueueEvent, QueueNear
from domain.members import display_name
from domain.tenancy import Staff, Store

NEAR = 2


class TicketStatus(StrEnum):
    WAITING = "WAITING"
    CALLED = "CALLED"


@dataclass(frozen=True)
class Ticket:
    id: ObjectId
    store_id: ObjectId
    member_id: ObjectId
    day: str
    number: int
    status: TicketStatus
    joined_at: datetime
    called_at: datetime | None


@dataclass(frozen=True)
class QueuePosition:
    ticket: Ticket
    ahead: int


@dataclass(frozen=True)
class WaitingTicket:
    ticket: Ticket
    member_nickname: str


@dataclass(frozen=True)
class CalledTicket:
    """The ticket just called, with who holds it and where, for the desk to say what the member is told."""

    ticket: Ticket
    member_nickname: str
    store_name: str


def _ticket(doc: Doc) -> Ticket:
    return Ticket(
        id=doc["_id"],
        store_id=doc["store_id"],
        member_id=doc["member_id"],
        day=doc["day"],
        number=doc["number"],
        status=TicketStatus(doc["status"]),
        joined_at=doc["joined_at"],
        called_at=doc.get("called_at"),
    )


def _today(store: Store, now: datetime) -> str:
    return local_date(now, ZoneInfo(store.timezone)).isoformat()


async def _ahead(mongo: Mongo, merchant_id: ObjectId, ticket: Ticket) -> int:
    if ticket.status is not TicketStatus.WAITING:
        return 0
    return await mongo.db[c.QUEUE_TICKETS].count_documents(
        {
            "merchant_id": merchant_id,
            "store_id": ticket.store_id,
            "day": ticket.day,
            "status": TicketStatus.WAITING.value,
            "number": {"$lt": ticket.number},
        }
    )


async def join_queue(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, store_id: ObjectId, now: datetime | None = None
) -> QueuePosition:
    """A ticket for today; joining again while waiting returns the same ticket."""
    now = now or datetime.now(UTC)
    store = await merchant_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    day = _today(store, now)
    waiting_key = f"{store.id}:{day}:{member_id}"
    existing = await mongo.db[c.QUEUE_TICKETS].find_one({"merchant_id": merchant_id, "waiting_key": waiting_key})
    if existing is not None:
        ticket = _ticket(existing)
        return QueuePosition(ticket, await _ahead(mongo, merchant_id, ticket))
    counter = await mongo.db[c.QUEUE_COUNTERS].find_one_and_update(
        {"merchant_id": merchant_id, "_id": f"{store.id}:{day}"},
        {"$inc": {"last": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    number = int(counter["last"]) if counter else 1
    ahead = await mongo.db[c.QUEUE_TICKETS].count_documents(
        {"merchant_id": store.merchant_id, "store_id": store.id, "day": day, "status": TicketStatus.WAITING.value}
    )
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "store_id": store.id,
        "member_id": member_id,
        "day": day,
        "number": number,
        "status": TicketStatus.WAITING.value,
        "waiting_key": waiting_key,
        # Someone who joins already near the front sees it on screen; the push is for those who walked away.
        "near_notified": ahead <= NEAR,
        "joined_at": now,
    }
    try:
        await mongo.db[c.QUEUE_TICKETS].insert_one(doc)
    except DuplicateKeyError:
        # A double tap: the other request's ticket is this member's ticket (its number wins, ours is skipped).
        return await join_queue(mongo=mongo, merchant_id=merchant_id, member_id=member_id, store_id=store_id, now=now)
    ticket = _ticket(doc)
    return QueuePosition(ticket, await _ahead(mongo, merchant_id, ticket))


async def my_position(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, store_id: ObjectId, now: datetime | None = None
) -> QueuePosition | None:
    """The member's latest ticket at the store today, waiting or called; None without one."""
    store = await find_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    if store is None:
        return None
    day = _today(store, now or datetime.now(UTC))
    doc = await mongo.db[c.QUEUE_TICKETS].find_one(
        {"merchant_id": store.merchant_id, "store_id": store.id, "day": day, "member_id": member_id},
        sort=[("number", -1)],
    )
    if doc is None:
        return None
    ticket = _ticket(doc)
    return QueuePosition(ticket, await _ahead(mongo, merchant_id, ticket))


async def _notify(mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, kind: type[QueueEvent], doc: Doc) -> None:
    await outbox.record(
        mongo=mongo,
        session=s,
        merchant_id=merchant_id,
        event=kind(ticket_id=doc["_id"], member_id=doc["member_id"], store_id=doc["store_id"], number=doc["number"]),
        dedupe_key=f"queue:{doc['_id']}:{kind.KIND.lower()}",
    )


async def call_next(*, mongo: Mongo, actor: Staff, store_id: ObjectId, now: datetime | None = None) -> CalledTicket:
    """The lowest waiting number becomes CALLED; concurrent calls get different tickets."""
    now = now or datetime.now(UTC)
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id)
    day = _today(store, now)
    waiting = {"merchant_id": store.merchant_id, "store_id": store.id, "day": day, "status": TicketStatus.WAITING.value}

    async def work(s: AsyncClientSession) -> Ticket:
        called = await mongo.db[c.QUEUE_TICKETS].find_one_and_update(
            waiting,
            {
                "$set": {"status": TicketStatus.CALLED.value, "called_at": now, "called_by_staff_id": actor.id},
                "$unset": {"waiting_key": ""},
            },
            sort=[("number", 1)],
            session=s,
            return_document=ReturnDocument.AFTER,
        )
        if called is None:
            raise BookingError(BookingCode.QUEUE_EMPTY, "storeId")
        await _notify(mongo, s, actor.merchant_id, QueueCalled, called)
        third = await mongo.db[c.QUEUE_TICKETS].find(waiting, session=s).sort("number", 1).skip(NEAR).limit(1).to_list()
        if third:
            flagged = await mongo.db[c.QUEUE_TICKETS].update_one(
                {"merchant_id": store.merchant_id, "_id": third[0]["_id"], "near_notified": False},
                {"$set": {"near_notified": True}},
                session=s,
            )
            if flagged.modified_count:
                await _notify(mongo, s, actor.merchant_id, QueueNear, third[0])
        return _ticket(called)

    ticket = await transaction(mongo, work)
    member = await mongo.db[c.MEMBERS].find_one(
        {"_id": ticket.member_id, "merchant_id": actor.merchant_id}, {"nickname": 1}
    )
    return CalledTicket(ticket, display_name(member.get("nickname") if member else None), store.name)


async def store_queue(
    *, mongo: Mongo, actor: Staff, store_id: ObjectId, now: datetime | None = None
) -> list[WaitingTicket] | None:
    """Today's waiting tickets in calling order, with nicknames; None for an unknown store."""
    store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    if store is None:
        return None
    check_scope(actor, store.id, ANY_ROLE)
    day = _today(store, now or datetime.now(UTC))
    docs = (
        await mongo.db[c.QUEUE_TICKETS]
        .find(
            {"merchant_id": store.merchant_id, "store_id": store.id, "day": day, "status": TicketStatus.WAITING.value}
        )
        .sort("number", 1)
        .to_list()
    )
    ids = list({d["member_id"] for d in docs})
    query = {"merchant_id": store.merchant_id, "_id": {"$in": ids}}
    members = await mongo.db[c.MEMBERS].find(query, {"nickname": 1}).to_list() if ids else []
    names = {m["_id"]: m.get("nickname") for m in members}
    return [WaitingTicket(_ticket(d), display_name(names.get(d["member_id"]))) for d in docs]
