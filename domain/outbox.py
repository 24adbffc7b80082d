"""The outbox: events written in the same transaction as the change they announce, and their way through the
worker: PENDING until due and relayed, RELAYED while its job is queued, running or waiting to retry, then DONE,
or DEAD after too many failures (domain.jobs.dead_letters). A CANCELLED entry is never relayed.

Each entry has a dedupe key (unique), so an event is recorded once however often its transaction is retried.
`relay_at` is when the relay next looks at an entry: its due time while PENDING; while RELAYED, the time to
check that its job still exists, since Redis may lose a job (a flush, a failover) and Mongo is the record.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.events import Event

MAX_ERROR_LENGTH = 500


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    RELAYED = "RELAYED"
    DONE = "DONE"
    DEAD = "DEAD"
    CANCELLED = "CANCELLED"


# The states in which an entry's work is not finished: its job may (still) run.
OPEN = (OutboxStatus.PENDING.value, OutboxStatus.RELAYED.value)


class TryAgainLater(Exception):
    """Raised by an event handler for a failure that may pass (a busy upstream): the event runs again later."""


@dataclass(frozen=True)
class OutboxEntry:
    id: ObjectId
    merchant_id: ObjectId
    kind: str
    payload: dict[str, Any]
    dedupe_key: str | None
    status: OutboxStatus
    created_at: datetime
    due_at: datetime | None
    relay_at: datetime
    attempts: int
    # Handlers that already finished for this entry, so a retry runs only the ones that failed.
    handled: tuple[str, ...]
    last_error: str | None
    relayed_at: datetime | None


def entry_from_doc(doc: Doc) -> OutboxEntry:
    return OutboxEntry(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        kind=doc["kind"],
        payload=doc["payload"],
        dedupe_key=doc.get("dedupe_key"),
        status=OutboxStatus(doc["status"]),
        created_at=doc["created_at"],
        due_at=doc.get("due_at"),
        relay_at=doc.get("relay_at") or doc["created_at"],
        attempts=doc.get("attempts", 0),
        handled=tuple(doc.get("handled", ())),
        last_error=doc.get("last_error"),
        relayed_at=doc.get("relayed_at"),
    )


def _new_doc(merchant_id: ObjectId, event: Event, dedupe_key: str, due_at: datetime | None) -> Doc:
    now = datetime.now(UTC)
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "kind": event.KIND,
        "payload": event.payload(),
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING.value,
        "created_at": now,
        "relay_at": due_at or now,
        "attempts": 0,
        "handled": [],
    }
    if due_at is not None:
        doc["due_at"] = due_at
    return doc


async def record(
    *,
    mongo: Mongo,
    session: AsyncClientSession | None,
    merchant_id: ObjectId,
    event: Event,
    dedupe_key: str,
    due_at: datetime | None = None,
) -> ObjectId:
    """Writes the event inside the caller's transaction (`session`); a second entry with the key raises."""
    doc = _new_doc(merchant_id, event, dedupe_key, due_at)
    await mongo.db[c.OUTBOX].insert_one(doc, session=session)
    return ObjectId(doc["_id"])


async def record_once(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    event: Event,
    dedupe_key: str,
    due_at: datetime | None = None,
) -> bool:
    """For sweeps outside a transaction: the event unless one with the key exists; True when written now."""
    try:
        await record(
            mongo=mongo,
            session=None,
            merchant_id=merchant_id,
            event=event,
            dedupe_key=dedupe_key,
            due_at=due_at,
        )
    except DuplicateKeyError:
        return False
    return True


async def cancel(*, mongo: Mongo, session: AsyncClientSession, dedupe_key: str) -> bool:
    """Marks a still-pending entry cancelled; False when there is none (already relayed, or never written)."""
    result = await mongo.db[c.OUTBOX].update_one(
        {"dedupe_key": dedupe_key, "status": OutboxStatus.PENDING.value},
        {"$set": {"status": OutboxStatus.CANCELLED.value, "cancelled_at": datetime.now(UTC)}},
        session=session,
    )
    return result.modified_count == 1


async def due_for_relay(*, mongo: Mongo, status: OutboxStatus, now: datetime, limit: int) -> list[OutboxEntry]:
    """PENDING entries now due, or RELAYED ones whose job is due a check, oldest first."""
    docs = (
        await mongo.db[c.OUTBOX]
        .find({"status": status.value, "relay_at": {"$lte": now}})
        .sort("relay_at", 1)
        .limit(limit)
        .to_list()
    )
    return [entry_from_doc(d) for d in docs]


async def mark_relayed(*, mongo: Mongo, ids: list[ObjectId], now: datetime, check_at: datetime) -> int:
    """PENDING -> RELAYED, conditionally: an entry whose job already finished (DONE) or died stays so."""
    if not ids:
        return 0
    result = await mongo.db[c.OUTBOX].update_many(
        {"_id": {"$in": ids}, "status": OutboxStatus.PENDING.value},
        {"$set": {"status": OutboxStatus.RELAYED.value, "relayed_at": now, "relay_at": check_at}},
    )
    return result.modified_count


async def check_again_at(*, mongo: Mongo, ids: list[ObjectId], check_at: datetime) -> None:
    if ids:
        await mongo.db[c.OUTBOX].update_many(
            {"_id": {"$in": ids}, "status": OutboxStatus.RELAYED.value}, {"$set": {"relay_at": check_at}}
        )


async def recorded(*, mongo: Mongo, dedupe_key: str) -> OutboxEntry | None:
    """The entry recorded under `dedupe_key`, whatever its status."""
    doc = await mongo.db[c.OUTBOX].find_one({"dedupe_key": dedupe_key})
    return entry_from_doc(doc) if doc else None


async def begin_attempt(*, mongo: Mongo, entry_id: ObjectId, now: datetime) -> OutboxEntry | None:
    """Counts one more run of the entry's job; None when there is nothing left to do (done, dead, cancelled).

    Counted in Mongo, not by arq: a job that timed out, was killed or was lost and enqueued again still counts.
    """
    doc = await mongo.db[c.OUTBOX].find_one_and_update(
        {"_id": entry_id, "status": {"$in": list(OPEN)}},
        {"$inc": {"attempts": 1}, "$set": {"started_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return entry_from_doc(doc) if doc else None


async def handler_done(*, mongo: Mongo, entry_id: ObjectId, handler: str) -> None:
    await mongo.db[c.OUTBOX].update_one({"_id": entry_id}, {"$addToSet": {"handled": handler}})


async def note_failure(*, mongo: Mongo, entry_id: ObjectId, error: str, retry_at: datetime) -> None:
    await mongo.db[c.OUTBOX].update_one(
        {"_id": entry_id, "status": {"$in": list(OPEN)}},
        {"$set": {"last_error": error[:MAX_ERROR_LENGTH], "retry_at": retry_at}},
    )


async def finish(*, mongo: Mongo, entry_id: ObjectId, now: datetime) -> bool:
    result = await mongo.db[c.OUTBOX].update_one(
        {"_id": entry_id, "status": {"$in": list(OPEN)}},
        {"$set": {"status": OutboxStatus.DONE.value, "done_at": now}, "$unset": {"retry_at": ""}},
    )
    return result.modified_count == 1
