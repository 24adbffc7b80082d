"""Free start times for one service on one local day, and the day plan they are computed from.

`load_day` reads everything one day needs in a fixed number of queries, whatever the number of staff or
bookings (hours, schedules, exceptions, staff, bookings, resource); the slots are then computed in memory.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.access import ANY_ROLE, check_scope, find_store
from domain.booking.catalog import Service, get_service
from domain.booking.occupancy import CELL
from domain.booking.policy import BookingPolicy, load_policy
from domain.booking.schedules import (
    WeeklyRange,
    exception_from_doc,
    open_spans,
    store_hours,
    working_spans,
)
from domain.booking.wallclock import Span, check_day, day_span, intersect, minute_of_day, within
from domain.tenancy import Staff, Store, staff_from_doc

# Statuses whose bookings hold their cells (a HELD one only until its hold expires).
OCCUPYING = ("HELD", "BOOKED", "CHECKED_IN", "COMPLETED")
# A full day of a big store in one round trip rather than a first batch of 101 and then more.
_BATCH = 5_000


@dataclass
class StaffDay:
    staff: Staff
    working: list[Span]
    busy: list[Span] = field(default_factory=list)
    booked: int = 0

    def free_for(self, span: Span) -> bool:
        return within(self.working, span) and not any(b.overlaps(span) for b in self.busy)


@dataclass(frozen=True)
class DayPlan:
    store: Store
    zone: ZoneInfo
    day: date
    policy: BookingPolicy
    service: Service
    open: list[Span]
    staff: list[StaffDay]
    # Busy spans per resource unit; empty when the service needs no resource or the resource is archived.
    units: list[list[Span]]

    def span_at(self, start: datetime) -> Span:
        return Span(start, start + self.service.occupies)

    def on_grid(self, start: datetime) -> bool:
        aligned = start.second == 0 and start.microsecond == 0
        return aligned and minute_of_day(start, self.zone) % self.policy.granularity_min == 0

    def free_staff(self, span: Span) -> list[StaffDay]:
        """Qualified staff free for the whole span, least booked that day first."""
        free = [s for s in self.staff if s.free_for(span)]
        return sorted(free, key=lambda s: s.booked)

    def free_units(self, span: Span) -> list[int]:
        return [u for u, busy in enumerate(self.units) if not any(b.overlaps(span) for b in busy)]

    def needs_resource(self) -> bool:
        return self.service.spec.resource_id is not None


@dataclass(frozen=True)
class Slot:
    start: datetime
    staff: list[Staff]


def _holds(doc: Doc, now: datetime) -> bool:
    expires = doc.get("hold_expires_at")
    return doc["status"] in OCCUPYING and (doc["status"] != "HELD" or (expires is not None and expires > now))


async def load_day(
    *,
    mongo: Mongo,
    store: Store,
    service: Service,
    policy: BookingPolicy,
    day: date,
    now: datetime,
    ignore_booking: ObjectId | None = None,
) -> DayPlan:
    """Everything about `day` at `store` that decides where `service` fits. `ignore_booking` is left out of
    the busy times (a booking being rescheduled does not block itself)."""
    zone = ZoneInfo(store.timezone)
    window = day_span(day, zone)
    qualified = list(service.spec.staff_ids)
    open_ = open_spans(await store_hours(mongo=mongo, merchant_id=store.merchant_id, store_id=store.id), day, zone)
    schedule_docs = mongo.db[c.STAFF_SCHEDULES].find(
        {"merchant_id": store.merchant_id, "store_id": store.id, "staff_id": {"$in": qualified}}
    )
    schedules = {
        d["staff_id"]: tuple(WeeklyRange(r["weekday"], r["start"], r["end"]) for r in d["weekly"])
        for d in await schedule_docs.to_list()
    }
    exceptions = [
        exception_from_doc(d)
        for d in await mongo.db[c.SCHEDULE_EXCEPTIONS]
        .find(
            {
                "merchant_id": store.merchant_id,
                "store_id": store.id,
                "day": day.isoformat(),
                "staff_id": {"$in": qualified},
            }
        )
        .to_list()
    ]
    staff_docs = await mongo.db[c.STAFF].find({"_id": {"$in": qualified}, "active": True}).to_list()
    by_id = {d["_id"]: staff_from_doc(d) for d in staff_docs}
    days: dict[ObjectId, StaffDay] = {}
    for sid in qualified:
        staff = by_id.get(sid)
        if staff is None or not staff.can_see_store(store.id):
            continue
        own = [e for e in exceptions if e.staff_id == sid]
        days[sid] = StaffDay(staff, intersect(open_, working_spans(schedules.get(sid, ()), own, day, zone)))
    resource = await _resource(mongo, service)
    units: list[list[Span]] = [[] for _ in range(resource["capacity"] if resource else 0)]
    for doc in await _bookings(mongo, store.merchant_id, list(days), resource, window, ignore_booking):
        if not _holds(doc, now):
            continue
        span = Span(doc["start"], doc["occupied_until"])
        if doc["staff_id"] in days:
            days[doc["staff_id"]].busy.append(span)
            days[doc["staff_id"]].booked += 1
        if resource and doc.get("resource_id") == resource["_id"] and doc["unit"] < len(units):
            units[doc["unit"]].append(span)
    return DayPlan(store, zone, day, policy, service, open_, list(days.values()), units)


async def _resource(mongo: Mongo, service: Service) -> Doc | None:
    if service.spec.resource_id is None:
        return None
    return await mongo.db[c.RESOURCES].find_one(
        {"merchant_id": service.merchant_id, "_id": service.spec.resource_id, "active": True}
    )


async def _bookings(
    mongo: Mongo,
    merchant_id: ObjectId,
    staff_ids: list[ObjectId],
    resource: Doc | None,
    window: Span,
    ignore: ObjectId | None,
) -> list[Doc]:
    # A staff member's bookings at every store count: the staff cells are merchant-wide.
    whose: list[Doc] = [{"merchant_id": merchant_id, "staff_id": {"$in": staff_ids}}]
    if resource is not None:
        whose.append({"merchant_id": merchant_id, "resource_id": resource["_id"]})
    query: Doc = {
        "$or": whose,
        "start": {"$lt": window.end},
        "occupied_until": {"$gt": window.start},
        "status": {"$in": list(OCCUPYING)},
    }
    if ignore is not None:
        query["_id"] = {"$ne": ignore}
    fields = ["staff_id", "resource_id", "unit", "start", "occupied_until", "status", "hold_expires_at"]
    return await mongo.db[c.BOOKINGS].find(query, fields).batch_size(_BATCH).to_list()


def free_slots(plan: DayPlan, now: datetime, staff_id: ObjectId | None = None) -> list[Slot]:
    """Every start on the merchant's grid, after now and within the horizon, with the staff free then."""
    window = day_span(plan.day, plan.zone)
    last = now + plan.policy.horizon
    slots: list[Slot] = []
    start = window.start
    while start < window.end:
        if now < start <= last and plan.on_grid(start):
            span = plan.span_at(start)
            staff = [s.staff for s in plan.free_staff(span) if staff_id is None or s.staff.id == staff_id]
            if staff and (not plan.needs_resource() or plan.free_units(span)):
                slots.append(Slot(start, staff))
        start += CELL
    return slots


async def _plan_for(*, mongo: Mongo, store: Store, service_id: ObjectId, day: date, now: datetime) -> DayPlan | None:
    service = await get_service(mongo=mongo, merchant_id=store.merchant_id, service_id=service_id)
    if service is None or service.store_id != store.id or not service.bookable:
        return None
    policy = await load_policy(mongo=mongo, merchant_id=store.merchant_id)
    return await load_day(mongo=mongo, store=store, service=service, policy=policy, day=day, now=now)


async def member_slots(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    store_id: ObjectId,
    service_id: ObjectId,
    day: date,
    staff_id: ObjectId | None,
    now: datetime | None = None,
) -> list[Slot] | None:
    """None when the store or service is not found (or the service is archived)."""
    check_day(day)
    now = now or datetime.now(UTC)
    store = await find_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    plan = store and await _plan_for(mongo=mongo, store=store, service_id=service_id, day=day, now=now)
    return free_slots(plan, now, staff_id) if plan else None


async def staff_slots(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId,
    service_id: ObjectId,
    day: date,
    staff_id: ObjectId | None,
    now: datetime | None = None,
) -> list[Slot] | None:
    check_day(day)
    now = now or datetime.now(UTC)
    store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    if store is None:
        return None
    check_scope(actor, store.id, ANY_ROLE)
    plan = await _plan_for(mongo=mongo, store=store, service_id=service_id, day=day, now=now)
    return free_slots(plan, now, staff_id) if plan else None
