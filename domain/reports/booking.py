"""The booking report (预约报表) an OWNER or MANAGER reads for one store over a store-local date range: bookings,
no-shows and the no-show rate, and per staff member the minutes booked against the minutes scheduled
(domain.booking.schedules' working hours, leave and extra shifts). Five queries, bounded by the range's bookings
and the store's schedules, never by its history.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking.model import BookingStatus
from domain.booking.schedules import ScheduleException, WeeklyRange, exception_from_doc, working_spans
from domain.booking.wallclock import day_span
from domain.reports.report import check_range, covered_stores, require_reader
from domain.tenancy import Staff, staff_from_doc

# Bookings the store expected to happen: neither cancelled nor a hold never confirmed (one still waiting for its
# deposit, or one that ran out).
COUNTED = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class StaffUtilization:
    staff: Staff
    booked_minutes: int
    scheduled_minutes: int

    @property
    def utilization_percent(self) -> float:
        return round(self.booked_minutes * 100 / self.scheduled_minutes, 1) if self.scheduled_minutes else 0.0


@dataclass(frozen=True)
class BookingReport:
    bookings: int
    no_shows: int
    # Booked minutes descending.
    staff: tuple[StaffUtilization, ...]

    @property
    def no_show_rate_percent(self) -> float:
        return round(self.no_shows * 100 / self.bookings, 1) if self.bookings else 0.0


def _scheduled_minutes(
    weekly: tuple[WeeklyRange, ...], exceptions: list[ScheduleException], first: date, last: date, zone: ZoneInfo
) -> int:
    minutes = 0
    day = first
    while day <= last:
        spans = working_spans(weekly, exceptions, day, zone)
        minutes += sum(int((s.end - s.start).total_seconds()) // 60 for s in spans)
        day += timedelta(days=1)
    return minutes


async def booking_report(*, mongo: Mongo, actor: Staff, store_id: ObjectId, first: date, last: date) -> BookingReport:
    """OWNER or MANAGER (else PermissionDenied), a store in their scope (else STORE_NOT_FOUND, like another
    merchant's); [first, last] inclusive in the store's zone, at most 366 days. Bookings count by their start; a
    booking's minutes are its service's, start to end. Staff listed: those with hours, an extra shift or a booking
    at the store in the range."""
    require_reader(actor)
    check_range(first, last)
    [store] = await covered_stores(mongo=mongo, actor=actor, store_id=store_id)
    zone = ZoneInfo(store.timezone)
    starts = {"$gte": day_span(first, zone).start, "$lt": day_span(last, zone).end}
    bookings = await (
        mongo.db[c.BOOKINGS]
        .find(
            {"merchant_id": store.merchant_id, "store_id": store.id, "start": starts},
            {"staff_id": 1, "start": 1, "end": 1, "status": 1},
        )
        .to_list()
    )
    counted = [b for b in bookings if b["status"] in COUNTED]
    booked: dict[ObjectId, int] = {}
    for b in counted:
        booked[b["staff_id"]] = booked.get(b["staff_id"], 0) + int((b["end"] - b["start"]).total_seconds()) // 60
    schedules = (
        await mongo.db[c.STAFF_SCHEDULES].find({"merchant_id": store.merchant_id, "store_id": store.id}).to_list()
    )
    exception_docs = (
        await mongo.db[c.SCHEDULE_EXCEPTIONS]
        .find(
            {
                "merchant_id": store.merchant_id,
                "store_id": store.id,
                "day": {"$gte": first.isoformat(), "$lte": last.isoformat()},
            }
        )
        .to_list()
    )
    exceptions = [exception_from_doc(d) for d in exception_docs]
    weekly = {
        d["staff_id"]: tuple(WeeklyRange(r["weekday"], r["start"], r["end"]) for r in d["weekly"]) for d in schedules
    }
    # An extra shift schedules someone with no weekly hours at the store too.
    scheduled = {
        staff_id: _scheduled_minutes(
            weekly.get(staff_id, ()), [e for e in exceptions if e.staff_id == staff_id], first, last, zone
        )
        for staff_id in set(weekly) | {e.staff_id for e in exceptions}
    }
    ids = list(set(booked) | set(scheduled))
    staff = await mongo.db[c.STAFF].find({"merchant_id": actor.merchant_id, "_id": {"$in": ids}}).to_list()
    rows = [StaffUtilization(staff_from_doc(d), booked.get(d["_id"], 0), scheduled.get(d["_id"], 0)) for d in staff]
    rows.sort(key=lambda r: (-r.booked_minutes, -r.scheduled_minutes, str(r.staff.id)))
    return BookingReport(
        bookings=len(counted),
        no_shows=sum(1 for b in counted if b["status"] == BookingStatus.NO_SHOW),
        staff=tuple(rows),
    )
