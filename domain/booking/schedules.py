"""When a store is open and when its staff work there: weekly opening hours per store, weekly working hours
per staff member and store, and dated exceptions (leave, extra shifts), all as wall-clock times in the store's
timezone, turned into UTC spans for one local day by `open_spans` and `working_spans`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.access import ANY_ROLE, MANAGERS, check_scope, find_store, staff_store
from domain.booking.catalog import CELL_MINUTES, Resource, Service, list_resources, list_services
from domain.booking.errors import BookingCode, BookingError
from domain.booking.wallclock import MINUTES_PER_DAY, Span, at, day_span, local_date, merge, parse_clock, subtract
from domain.tenancy import Staff, Store, staff_from_doc

MAX_RANGES = 7 * 6


@dataclass(frozen=True, order=True)
class WeeklyRange:
    """Wall-clock minutes [start, end) on a weekday (0 = Monday)."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class ClockRange:
    """Hours as a form sends them: a weekday (0 = Monday) and "HH:MM" wall-clock times, "24:00" for midnight."""

    weekday: int
    opens: str
    closes: str


class ExceptionKind(StrEnum):
    LEAVE = "LEAVE"
    EXTRA = "EXTRA"


@dataclass(frozen=True)
class ScheduleException:
    """Leave (the whole day when it has no times) or an extra shift, for one staff member at one store."""

    id: ObjectId
    store_id: ObjectId
    staff_id: ObjectId
    day: date
    kind: ExceptionKind
    start: int | None
    end: int | None


@dataclass(frozen=True)
class StaffSchedule:
    staff_id: ObjectId
    weekly: tuple[WeeklyRange, ...]


@dataclass(frozen=True)
class BookingSetup:
    """Everything a store's booking settings screen shows."""

    store: Store
    hours: tuple[WeeklyRange, ...]
    services: list[Service]
    resources: list[Resource]
    schedules: list[StaffSchedule]
    exceptions: list[ScheduleException]
    # Everyone who may work at the store: the choices for qualified staff and schedules.
    staff: list[Staff]


def _ranges_from(docs: list[Doc]) -> tuple[WeeklyRange, ...]:
    return tuple(WeeklyRange(d["weekday"], d["start"], d["end"]) for d in docs)


def _ranges_doc(ranges: tuple[WeeklyRange, ...]) -> list[Doc]:
    return [{"weekday": r.weekday, "start": r.start, "end": r.end} for r in ranges]


def exception_from_doc(doc: Doc) -> ScheduleException:
    return ScheduleException(
        id=doc["_id"],
        store_id=doc["store_id"],
        staff_id=doc["staff_id"],
        day=date.fromisoformat(doc["day"]),
        kind=ExceptionKind(doc["kind"]),
        start=doc["start"],
        end=doc["end"],
    )


def _valid_range(start: int, end: int) -> bool:
    return 0 <= start < end <= MINUTES_PER_DAY and start % CELL_MINUTES == 0 and end % CELL_MINUTES == 0


def _parse(r: ClockRange) -> WeeklyRange:
    start, end = parse_clock(r.opens), parse_clock(r.closes)
    if start is None or end is None or not (0 <= r.weekday <= 6 and _valid_range(start, end)):
        raise BookingError(BookingCode.HOURS_INVALID, "hours")
    return WeeklyRange(r.weekday, start, end)


def check_weekly(ranges: list[ClockRange]) -> tuple[WeeklyRange, ...]:
    if len(ranges) > MAX_RANGES:
        raise BookingError(BookingCode.HOURS_INVALID, "hours")
    ordered = tuple(sorted(_parse(r) for r in ranges))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.weekday == after.weekday and before.end > after.start:
            raise BookingError(BookingCode.HOURS_INVALID, "hours")
    return ordered


async def set_store_hours(
    *, mongo: Mongo, actor: Staff, store_id: ObjectId, hours: list[ClockRange]
) -> tuple[WeeklyRange, ...]:
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id, roles=MANAGERS)
    ranges = check_weekly(hours)
    await mongo.db[c.STORE_HOURS].replace_one(
        {"merchant_id": store.merchant_id, "_id": store.id},
        {"merchant_id": actor.merchant_id, "weekly": _ranges_doc(ranges)},
        upsert=True,
    )
    return ranges


async def _check_staff_at(mongo: Mongo, actor: Staff, store_id: ObjectId, staff_id: ObjectId) -> None:
    query = {
        "_id": staff_id,
        "merchant_id": actor.merchant_id,
        "$or": [{"all_stores": True}, {"store_ids": store_id}],
    }
    if await mongo.db[c.STAFF].find_one(query, {"_id": 1}) is None:
        raise BookingError(BookingCode.STAFF_NOT_FOUND, "staffId")


async def set_staff_schedule(
    *, mongo: Mongo, actor: Staff, store_id: ObjectId, staff_id: ObjectId, weekly: list[ClockRange]
) -> StaffSchedule:
    """Replaces the staff member's weekly hours at this store; existing bookings stay where they are."""
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id, roles=MANAGERS)
    await _check_staff_at(mongo, actor, store.id, staff_id)
    ranges = check_weekly(weekly)
    await mongo.db[c.STAFF_SCHEDULES].update_one(
        {"merchant_id": store.merchant_id, "store_id": store.id, "staff_id": staff_id},
        {"$set": {"weekly": _ranges_doc(ranges)}},
        upsert=True,
    )
    return StaffSchedule(staff_id, ranges)


async def add_exception(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId,
    staff_id: ObjectId,
    day: date,
    kind: ExceptionKind,
    start: str | None,
    end: str | None,
) -> ScheduleException:
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id, roles=MANAGERS)
    await _check_staff_at(mongo, actor, store.id, staff_id)
    whole_day = start is None and end is None
    first, last = parse_clock(start or ""), parse_clock(end or "")
    if whole_day and kind is ExceptionKind.EXTRA:
        raise BookingError(BookingCode.SCHEDULE_EXCEPTION_INVALID, "start")
    if not whole_day and (first is None or last is None or not _valid_range(first, last)):
        raise BookingError(BookingCode.SCHEDULE_EXCEPTION_INVALID, "start")
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "store_id": store.id,
        "staff_id": staff_id,
        "day": day.isoformat(),
        "kind": kind.value,
        "start": first,
        "end": last,
        "created_at": datetime.now(UTC),
    }
    await mongo.db[c.SCHEDULE_EXCEPTIONS].insert_one(doc)
    return exception_from_doc(doc)


async def remove_exception(*, mongo: Mongo, actor: Staff, exception_id: ObjectId) -> ScheduleException:
    doc = await mongo.db[c.SCHEDULE_EXCEPTIONS].find_one({"_id": exception_id, "merchant_id": actor.merchant_id})
    if doc is None:
        raise BookingError(BookingCode.SCHEDULE_EXCEPTION_NOT_FOUND, "id")
    check_scope(actor, doc["store_id"], MANAGERS)
    await mongo.db[c.SCHEDULE_EXCEPTIONS].delete_one({"merchant_id": actor.merchant_id, "_id": exception_id})
    return exception_from_doc(doc)


async def store_hours(*, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> tuple[WeeklyRange, ...]:
    doc = await mongo.db[c.STORE_HOURS].find_one({"merchant_id": merchant_id, "_id": store_id})
    return _ranges_from(doc["weekly"]) if doc else ()


async def booking_setup(*, mongo: Mongo, actor: Staff, store_id: ObjectId) -> BookingSetup | None:
    """The store's hours, catalog, staff, weekly schedules and exceptions from today on, in eight queries;
    None for a store that is not the merchant's."""
    store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    if store is None:
        return None
    check_scope(actor, store.id, ANY_ROLE)
    today = local_date(datetime.now(UTC), ZoneInfo(store.timezone))
    scope = {"merchant_id": store.merchant_id, "active": True, "$or": [{"all_stores": True}, {"store_ids": store.id}]}
    schedule_docs = (
        await mongo.db[c.STAFF_SCHEDULES]
        .find({"merchant_id": store.merchant_id, "store_id": store.id})
        .sort("_id", 1)
        .to_list()
    )
    exception_docs = (
        await mongo.db[c.SCHEDULE_EXCEPTIONS]
        .find({"merchant_id": store.merchant_id, "store_id": store.id, "day": {"$gte": today.isoformat()}})
        .sort([("day", 1), ("_id", 1)])
        .to_list()
    )
    return BookingSetup(
        store=store,
        hours=await store_hours(mongo=mongo, merchant_id=store.merchant_id, store_id=store.id),
        services=await list_services(
            mongo=mongo, merchant_id=store.merchant_id, store_id=store.id, bookable_only=False
        ),
        resources=await list_resources(mongo=mongo, merchant_id=store.merchant_id, store_id=store.id),
        schedules=[StaffSchedule(d["staff_id"], _ranges_from(d["weekly"])) for d in schedule_docs],
        exceptions=[exception_from_doc(d) for d in exception_docs],
        staff=[staff_from_doc(d) for d in await mongo.db[c.STAFF].find(scope).sort("_id", 1).to_list()],
    )


def _spans(ranges: tuple[WeeklyRange, ...], day: date, zone: ZoneInfo) -> list[Span]:
    return [Span(at(day, r.start, zone), at(day, r.end, zone)) for r in ranges if r.weekday == day.weekday()]


def open_spans(hours: tuple[WeeklyRange, ...], day: date, zone: ZoneInfo) -> list[Span]:
    return merge(_spans(hours, day, zone))


def working_spans(
    weekly: tuple[WeeklyRange, ...], exceptions: list[ScheduleException], day: date, zone: ZoneInfo
) -> list[Span]:
    """Weekly hours plus extra shifts, minus leave, on one local day."""
    extra: list[Span] = []
    leave: list[Span] = []
    for e in exceptions:
        if e.day != day:
            continue
        whole = e.start is None or e.end is None
        span = day_span(day, zone) if whole else Span(at(day, e.start or 0, zone), at(day, e.end or 0, zone))
        (extra if e.kind is ExceptionKind.EXTRA else leave).append(span)
    return subtract(merge(_spans(weekly, day, zone) + extra), leave)
