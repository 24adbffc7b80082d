"""Dead letters: outbox events whose handling failed for good (too many transient failures, or a bug).

The entry turns DEAD and a dead letter keyed by the entry's id records why, in one transaction. An OWNER's
retry sends the very same entry round again (PENDING, attempts from zero); of concurrent retries one wins.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.errors import PermissionDenied
from domain.jobs.errors import JobsCode, JobsError
from domain.outbox import OutboxEntry, OutboxStatus
from domain.pagination import Page, clamp
from domain.tenancy import Role, Staff, audit


class DeadLetterStatus(StrEnum):
    DEAD = "DEAD"
    RETRIED = "RETRIED"


@dataclass(frozen=True)
class DeadLetter:
    id: ObjectId
    merchant_id: ObjectId
    kind: str
    payload: dict[str, Any]
    status: DeadLetterStatus
    attempts: int
    error: str
    failed_at: datetime
    # How many times this entry died; a retried entry can die again.
    deaths: int
    retried_at: datetime | None


def dead_letter_from_doc(doc: Doc) -> DeadLetter:
    return DeadLetter(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        kind=doc["kind"],
        payload=doc["payload"],
        status=DeadLetterStatus(doc["status"]),
        attempts=doc["attempts"],
        error=doc["error"],
        failed_at=doc["failed_at"],
        deaths=doc["deaths"],
        retried_at=doc.get("retried_at"),
    )


async def bury(*, mongo: Mongo, entry: OutboxEntry, error: str, now: datetime) -> bool:
    """The entry is DEAD and has a dead letter; False when it was no longer open (finished, or buried already)."""

    async def work(s: AsyncClientSession) -> bool:
        moved = await mongo.db[c.OUTBOX].update_one(
            {"_id": entry.id, "status": {"$in": list(outbox.OPEN)}},
            {"$set": {"status": OutboxStatus.DEAD.value, "dead_at": now, "last_error": error}},
            session=s,
        )
        if moved.modified_count != 1:
            return False
        await mongo.db[c.DEAD_LETTERS].update_one(
            {"_id": entry.id},
            {
                "$set": {
                    "merchant_id": entry.merchant_id,
                    "kind": entry.kind,
                    "payload": entry.payload,
                    "status": DeadLetterStatus.DEAD.value,
                    "attempts": entry.attempts,
                    "error": error[: outbox.MAX_ERROR_LENGTH],
                    "failed_at": now,
                },
                "$inc": {"deaths": 1},
            },
            upsert=True,
            session=s,
        )
        return True

    return await transaction(mongo, work)


def _require(actor: Staff, *roles: Role) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied()


async def list_dead_letters(
    *, mongo: Mongo, actor: Staff, status: DeadLetterStatus, first: int | None, after: ObjectId | None
) -> Page[DeadLetter]:
    """Newest first."""
    _require(actor, Role.OWNER, Role.MANAGER)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id, "status": status.value}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.DEAD_LETTERS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], dead_letter_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def retry_dead_letter(
    *, mongo: Mongo, actor: Staff, dead_letter_id: ObjectId, now: datetime | None = None
) -> DeadLetter:
    """OWNER. The entry goes back to PENDING with a fresh count of attempts, for the relay to pick up at once."""
    _require(actor, Role.OWNER)
    now = now or datetime.now(UTC)
    letters = mongo.db[c.DEAD_LETTERS]

    async def work(s: AsyncClientSession) -> DeadLetter:
        doc = await letters.find_one_and_update(
            {"_id": dead_letter_id, "merchant_id": actor.merchant_id, "status": DeadLetterStatus.DEAD.value},
            {"$set": {"status": DeadLetterStatus.RETRIED.value, "retried_at": now, "retried_by": actor.id}},
            session=s,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            found = await letters.find_one({"_id": dead_letter_id, "merchant_id": actor.merchant_id}, session=s)
            code = JobsCode.DEAD_LETTER_ALREADY_RETRIED if found else JobsCode.DEAD_LETTER_NOT_FOUND
            raise JobsError(code, "deadLetterId")
        await mongo.db[c.OUTBOX].update_one(
            {"_id": dead_letter_id, "status": OutboxStatus.DEAD.value},
            {
                "$set": {"status": OutboxStatus.PENDING.value, "attempts": 0, "relay_at": now},
                "$unset": {"retry_at": "", "dead_at": ""},
            },
            session=s,
        )
        return dead_letter_from_doc(doc)

    retried = await transaction(mongo, work)
    await audit(mongo=mongo, actor=actor, action="dead_letter.retry", target=retried.id, kind=retried.kind)
    return retried
