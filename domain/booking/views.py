"""Bookings as screens show them: a member's own list and one of them, a member's bookings for staff, and a store's day
calendar with a column per staff member. Names come in one batched query per kind, never one per booking.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo, field_by_id
from domain.booking.access import ANY_ROLE, check_scope, find_store
from domain.booking.model import Booking, BookingStatus, booking_from_doc
from domain.booking.schedules import WeeklyRange, exception_from_doc, open_spans, store_hours, working_spans
from domain.booking.wallclock import Span, check_day, day_span, intersect
from domain.members import display_name
from domain.pagination import Page, clamp
from domain.tenancy import Staff, Store, staff_from_doc


@dataclass(frozen=True)
class BookingView:
    booking: Booking
    store_name: str
    staff_name: str
    member_nickname: str


@dataclass(frozen=True)
class CalendarColumn:
    staff: Staff
    shifts: list[Span]
    bookings: list[BookingView]


@dataclass(frozen=True)
class DayCalendar:
    store: Store
    day: date
    open: list[Span]
    columns: list[CalendarColumn]


async def views_of(mongo: Mongo, bookings: list[Booking]) -> list[BookingView]:
    """The bookings with their store, staff and member names, in three queries at most."""
    merchants = {b.merchant_id for b in bookings}
    stores = await field_by_id(mongo, c.STORES, merchants, {b.store_id for b in bookings}, "name")
    staff = await field_by_id(mongo, c.STAFF, merchants, {b.staff_id for b in bookings}, "name")
    members = await field_by_id(mongo, c.MEMBERS, merchants, {b.member_id for b in bookings}, "nickname")
    return [
        BookingView(b, stores.get(b.store_id, ""), staff.get(b.staff_id, ""), display_name(members.get(b.member_id)))
        for b in bookings
    ]


async def view(mongo: Mongo, booking: Booking) -> BookingView:
    return (await views_of(mongo, [booking]))[0]


async def _page(mongo: Mongo, query: Doc, first: int | None, after: ObjectId | None) -> Page[BookingView]:
    """Newest first: `after` is the last booking already shown."""
    limit = clamp(first)
    if after is not None:
        query = {**query, "_id": {"$lt": after}}
    docs = await mongo.db[c.BOOKINGS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    views = await views_of(mongo, [booking_from_doc(d) for d in docs[:limit]])
    return Page([(v.booking.id, v) for v in views], len(docs) > limit)


async def my_bookings(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, first: int | None, after: ObjectId | None
) -> Page[BookingView]:
    return await _page(mongo, {"merchant_id": merchant_id, "member_id": member_id}, first, after)


async def my_booking(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, booking_id: ObjectId
) -> BookingView | None:
    """One of the member's own bookings; None for another member's, another merchant's or an unknown one."""
    doc = await mongo.db[c.BOOKINGS].find_one({"_id": booking_id, "merchant_id": merchant_id, "member_id": member_id})
    return None if doc is None else await view(mongo, booking_from_doc(doc))


async def member_bookings(
    *, mongo: Mongo, actor: Staff, member_id: ObjectId, first: int | None, after: ObjectId | None
) -> Page[BookingView] | None:
    """A member's bookings at the stores the staff member can see; None when the member is not the merchant's."""
    if not actor.active:
        return None
    query = {"_id": member_id, "merchant_id": actor.merchant_id}
    if await mongo.db[c.MEMBERS].find_one(query, {"_id": 1}) is None:
        return None
    scope: Doc = {"merchant_id": actor.merchant_id, "member_id": member_id}
    if not actor.all_stores:
        scope["store_id"] = {"$in": list(actor.store_ids)}
    return await _page(mongo, scope, first, after)


async def day_calendar(
    *, mongo: Mongo, actor: Staff, store_id: ObjectId, day: date, staff_id: ObjectId | None
) -> DayCalendar | None:
    """One local day at a store: opening hours, and per staff member (scheduled there or booked there that
    day) their shifts and bookings, cancelled ones and lapsed holds left out. None for an unknown store."""
    check_day(day)
    store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    if store is None:
        return None
    check_scope(actor, store.id, ANY_ROLE)
    zone = ZoneInfo(store.timezone)
    window = day_span(day, zone)
    who: Doc = {} if staff_id is None else {"staff_id": staff_id}
    open_ = open_spans(await store_hours(mongo=mongo, merchant_id=store.merchant_id, store_id=store.id), day, zone)
    schedules = {
        d["staff_id"]: tuple(WeeklyRange(r["weekday"], r["start"], r["end"]) for r in d["weekly"])
        for d in await mongo.db[c.STAFF_SCHEDULES]
        .find({"merchant_id": store.merchant_id, "store_id": store.id, **who})
        .to_list()
    }
    exceptions = [
        exception_from_doc(d)
        for d in await mongo.db[c.SCHEDULE_EXCEPTIONS]
        .find({"merchant_id": store.merchant_id, "store_id": store.id, "day": day.isoformat(), **who})
        .to_list()
    ]
    query = {
        "merchant_id": store.merchant_id,
        "store_id": store.id,
        "start": {"$lt": window.end},
        "end": {"$gt": window.start},
        **who,
    }
    now = datetime.now(UTC)
    bookings = [
        b
        for b in map(booking_from_doc, await mongo.db[c.BOOKINGS].find(query).sort("start", 1).to_list())
        if b.status_at(now) not in (BookingStatus.CANCELLED, BookingStatus.EXPIRED)
    ]
    views = await views_of(mongo, bookings)
    staff_ids = list(dict.fromkeys([*schedules, *(b.staff_id for b in bookings)]))
    staff_docs = await mongo.db[c.STAFF].find({"_id": {"$in": staff_ids}, "merchant_id": actor.merchant_id}).to_list()
    staff = {d["_id"]: staff_from_doc(d) for d in staff_docs}
    columns = [
        CalendarColumn(
            staff=staff[sid],
            shifts=intersect(
                open_,
                working_spans(schedules.get(sid, ()), [e for e in exceptions if e.staff_id == sid], day, zone),
            ),
            bookings=[v for v in views if v.booking.staff_id == sid],
        )
        for sid in staff_ids
        if sid in staff
    ]
    return DayCalendar(store, day, open_, columns)
