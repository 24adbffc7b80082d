"""The no-double-booking guard, enforced by the database rather than by check-then-insert.

A booking occupies its staff member (and, when the service needs one, a resource unit) from its start to the
end of its buffer. In the same transaction as the booking it inserts one cell document per 5 minutes of that
time for each of them: key "staff:<id>" or "resource:<id>:<unit>", plus the cell's UTC start. (key, at) is a
unique index, so two bookings of any lengths whose times overlap share at least one cell and the second
insert fails, however the requests interleave. Cells are 5 minutes (not the merchant's slot granularity) so
they stay aligned when a merchant changes granularity and in every timezone (all UTC offsets are multiples of
5 minutes); durations and buffers are multiples of 5 minutes too.

Cancel, no-show and reschedule delete (and reschedule re-inserts) the cells in the booking's transaction.
A deposit hold's cells carry its `hold_expires_at`: reads ignore expired ones, and every writer deletes the
expired cells in the range it is about to take, in its own transaction, before inserting, so an abandoned
hold never blocks anyone and needs no sweeper.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.booking.errors import BookingCode, BookingError
from domain.booking.wallclock import Span

T = TypeVar("T")
CELL = timedelta(minutes=5)
# Each retry reads a snapshot that includes the winner of the last collision, so a few always suffice.
_ATTEMPTS = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DUPLICATE_KEY = 11000


class CellTaken(Exception):
    """A concurrent booking committed one of our cells first; the caller retries on a fresh snapshot."""


async def guarded(mongo: Mongo, attempt: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Runs `attempt` in a transaction, and again on a fresh snapshot when a concurrent booking took one of its
    cells (or committed the same idempotency key) first."""
    for _ in range(_ATTEMPTS):
        try:
            return await transaction(mongo, attempt)
        except (CellTaken, DuplicateKeyError):
            continue
    raise BookingError(BookingCode.SLOT_TAKEN, "start")


def staff_key(staff_id: ObjectId) -> str:
    return f"staff:{staff_id}"


def unit_key(resource_id: ObjectId, unit: int) -> str:
    return f"resource:{resource_id}:{unit}"


def cells(span: Span) -> list[datetime]:
    """The starts of the 5-minute cells `span` touches, on a grid fixed to the epoch."""
    first = _EPOCH + (span.start - _EPOCH) // CELL * CELL
    out: list[datetime] = []
    cell = first
    while cell < span.end:
        out.append(cell)
        cell += CELL
    return out


def _live(now: datetime) -> Doc:
    """Cells that still hold: confirmed ones (no expiry) and holds that have not expired."""
    return {"$or": [{"hold_expires_at": None}, {"hold_expires_at": {"$gt": now}}]}


async def taken_keys(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    keys: list[str],
    span: Span,
    now: datetime,
    ignore: ObjectId | None = None,
) -> set[str]:
    """Which of `keys` hold a cell in `span` as this transaction sees it (other than booking `ignore`'s): used to
    choose a staff member or unit that is likely free; the unique index, not this read, refuses a double booking."""
    query: Doc = {
        "merchant_id": merchant_id,
        "key": {"$in": keys},
        "at": {"$gte": cells(span)[0], "$lt": span.end},
        **_live(now),
    }
    if ignore is not None:
        query["booking_id"] = {"$ne": ignore}
    docs = await mongo.db[c.BOOKING_CELLS].find(query, {"key": 1}, session=session).to_list()
    return {d["key"] for d in docs}


async def occupy(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    booking_id: ObjectId,
    keys: list[str],
    span: Span,
    hold_expires_at: datetime | None,
    now: datetime,
) -> None:
    starts = cells(span)
    await mongo.db[c.BOOKING_CELLS].delete_many(
        {
            "merchant_id": merchant_id,
            "key": {"$in": keys},
            "at": {"$gte": starts[0], "$lt": span.end},
            "hold_expires_at": {"$lte": now},
        },
        session=session,
    )
    docs = [
        {
            "key": key,
            "at": at,
            "booking_id": booking_id,
            "merchant_id": merchant_id,
            "hold_expires_at": hold_expires_at,
        }
        for key in keys
        for at in starts
    ]
    try:
        await mongo.db[c.BOOKING_CELLS].insert_many(docs, session=session)
    except BulkWriteError as e:
        if any(err.get("code") == _DUPLICATE_KEY for err in e.details.get("writeErrors", [])):
            raise CellTaken() from e
        raise


async def release(*, mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, booking_id: ObjectId) -> None:
    await mongo.db[c.BOOKING_CELLS].delete_many({"merchant_id": merchant_id, "booking_id": booking_id}, session=session)
