"""The shop's events on their way through the worker: relayed to a job that is queued, running or waiting to
retry, and the count still waiting for the relay (it grows while Redis is down and drains when it returns).

Read from the outbox, which holds each job's attempts and last error; Redis is not asked, so the view works
when Redis does not, and shows no other merchant's jobs.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.outbox import OutboxEntry, OutboxStatus, entry_from_doc
from domain.pagination import Page, clamp
from domain.tenancy import Role, Staff


@dataclass(frozen=True)
class JobInFlight:
    entry: OutboxEntry
    retry_at: datetime | None


def _require_viewer(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


async def list_in_flight(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[JobInFlight]:
    """Newest first."""
    _require_viewer(actor)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id, "status": OutboxStatus.RELAYED.value}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.OUTBOX].find(query).sort("_id", -1).limit(limit + 1).to_list()
    items = [(d["_id"], JobInFlight(entry_from_doc(d), d.get("retry_at"))) for d in docs[:limit]]
    return Page(items, len(docs) > limit)


async def waiting_for_relay(*, mongo: Mongo, actor: Staff, now: datetime | None = None) -> int:
    """Entries due now that no job has been made for yet."""
    _require_viewer(actor)
    return await mongo.db[c.OUTBOX].count_documents(
        {
            "merchant_id": actor.merchant_id,
            "status": OutboxStatus.PENDING.value,
            "relay_at": {"$lte": now or datetime.now(UTC)},
        }
    )
