"""Making and moving bookings: a member books a service at a store (staff can book for a member), with a
chosen staff member or the least-booked qualified one, and reschedules it while the cut-off allows.

The rules (past, horizon, grid, hours, qualification) are checked against the day plan; double booking is
refused by the occupancy cells' unique index inside the booking's transaction (domain.booking.occupancy).
A service with a deposit is booked HELD until its payment confirms it (domain.booking.deposits).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.booking import occupancy
from domain.booking.access import ANY_ROLE, check_scope, merchant_store, staff_store
from domain.booking.catalog import get_service
from domain.booking.errors import BookingCode, BookingError
from domain.booking.model import (
    Booking,
    BookingStatus,
    announce,
    booking_event,
    booking_from_doc,
    find_booking,
    occupy_cells,
    reminder_for,
)
from domain.booking.policy import load_policy
from domain.booking.slots import DayPlan, StaffDay, load_day
from domain.booking.views import BookingView, view
from domain.booking.wallclock import FIRST_DAY, LAST_DAY, Span, local_date
from domain.events import BookingConfirmed, BookingRescheduled
from domain.tenancy import Staff, Store

MAX_NOTE = 200
MAX_KEY = 128


def check_start(plan: DayPlan, start: datetime, now: datetime) -> Span:
    """The span a booking at `start` occupies, if the merchant's rules allow a booking then."""
    if start <= now:
        raise BookingError(BookingCode.BOOKING_IN_PAST, "start")
    if start > now + plan.policy.horizon:
        raise BookingError(BookingCode.BEYOND_BOOKING_HORIZON, "start", days=plan.policy.horizon_days)
    if not plan.on_grid(start):
        raise BookingError(BookingCode.START_NOT_ON_SLOT, "start")
    span = plan.span_at(start)
    if not any(o.contains(span) for o in plan.open):
        raise BookingError(BookingCode.OUTSIDE_OPENING_HOURS, "start")
    return span


def candidates(plan: DayPlan, span: Span, staff_id: ObjectId | None) -> list[StaffDay]:
    """The staff who could take the booking, in the order to try them (least booked that day first)."""
    if staff_id is not None and staff_id not in plan.service.spec.staff_ids:
        raise BookingError(BookingCode.STAFF_NOT_QUALIFIED, "staffId")
    pool = [s for s in plan.staff if staff_id is None or s.staff.id == staff_id]
    if not any(any(w.contains(span) for w in s.working) for s in pool):
        raise BookingError(BookingCode.STAFF_NOT_WORKING, "staffId" if staff_id else "start")
    free = [s for s in plan.free_staff(span) if staff_id is None or s.staff.id == staff_id]
    if not free or (plan.needs_resource() and not plan.free_units(span)):
        raise BookingError(BookingCode.SLOT_TAKEN, "start")
    return free


def _utc(start: datetime) -> datetime:
    # A time without a zone is ambiguous for a store in another timezone; the client must say which it means.
    if start.tzinfo is None:
        raise BookingError(BookingCode.START_TIMEZONE_REQUIRED, "start")
    # Refused before any conversion: at the ends of the calendar the UTC instant or the store's day overflows.
    if start.date() < FIRST_DAY:
        raise BookingError(BookingCode.BOOKING_IN_PAST, "start")
    if start.date() > LAST_DAY:
        raise BookingError(BookingCode.BEYOND_BOOKING_HORIZON, "start")
    return start.astimezone(UTC)


async def _plan(
    mongo: Mongo, store: Store, service_id: ObjectId, start: datetime, now: datetime, ignore: ObjectId | None = None
) -> DayPlan:
    service = await get_service(mongo=mongo, merchant_id=store.merchant_id, service_id=service_id)
    if service is None or service.store_id != store.id or not service.bookable:
        raise BookingError(BookingCode.SERVICE_NOT_FOUND, "serviceId")
    policy = await load_policy(mongo=mongo, merchant_id=store.merchant_id)
    day = local_date(start, ZoneInfo(store.timezone))
    return await load_day(
        mongo=mongo, store=store, service=service, policy=policy, day=day, now=now, ignore_booking=ignore
    )


@dataclass(frozen=True)
class Choice:
    staff_id: ObjectId
    unit: int | None


async def _choose(
    mongo: Mongo, s: AsyncClientSession, plan: DayPlan, staff: list[StaffDay], span: Span, now: datetime
) -> Choice:
    """The first candidate staff member and resource unit that this transaction's snapshot shows free."""
    resource_id = plan.service.spec.resource_id
    units = plan.free_units(span) if resource_id else []
    unit_keys = {u: occupancy.unit_key(resource_id, u) for u in units} if resource_id else {}
    staff_keys = {d.staff.id: occupancy.staff_key(d.staff.id) for d in staff}
    keys = list(staff_keys.values()) + list(unit_keys.values())
    taken = await occupancy.taken_keys(
        mongo=mongo, session=s, merchant_id=plan.service.merchant_id, keys=keys, span=span, now=now
    )
    staff_id = next((sid for sid, key in staff_keys.items() if key not in taken), None)
    unit = next((u for u, key in unit_keys.items() if key not in taken), None)
    if staff_id is None or (resource_id is not None and unit is None):
        raise BookingError(BookingCode.SLOT_TAKEN, "start")
    return Choice(staff_id, unit)


def _check_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise BookingError(BookingCode.NOTE_TOO_LONG, "note", max_length=MAX_NOTE)
    return note


def _check_key(key: str) -> str:
    # Stripped like the ledger's and coupons' keys, so " k" and "k" are one request and a blank key none.
    key = key.strip()
    if not 0 < len(key) <= MAX_KEY:
        raise BookingError(BookingCode.IDEMPOTENCY_KEY_INVALID, "idempotencyKey")
    return key


@dataclass(frozen=True)
class Request:
    store: Store
    member_id: ObjectId
    service_id: ObjectId
    staff_id: ObjectId | None
    start: datetime
    note: str
    idempotency_key: str
    booked_by_staff_id: ObjectId | None


async def _book(mongo: Mongo, request: Request, now: datetime) -> Booking:
    key = _check_key(request.idempotency_key)
    first: Doc = {"merchant_id": request.store.merchant_id, "member_id": request.member_id, "idempotency_key": key}
    replay = await mongo.db[c.BOOKINGS].find_one(first)
    if replay is not None:
        return booking_from_doc(replay)
    note = _check_note(request.note)
    start = _utc(request.start)
    plan = await _plan(mongo, request.store, request.service_id, start, now)
    span = check_start(plan, start, now)
    staff = candidates(plan, span, request.staff_id)
    service = plan.service
    hold = now + plan.policy.hold if service.deposit_fen else None

    async def attempt(s: AsyncClientSession) -> Booking:
        again = await mongo.db[c.BOOKINGS].find_one(first, session=s)
        if again is not None:
            return booking_from_doc(again)
        choice = await _choose(mongo, s, plan, staff, span, now)
        booking_id = ObjectId()
        doc: Doc = {
            "_id": booking_id,
            "merchant_id": request.store.merchant_id,
            "store_id": request.store.id,
            "member_id": request.member_id,
            "service_id": service.id,
            "service_name": service.name,
            "item_id": service.spec.item_id,
            "staff_id": choice.staff_id,
            "resource_id": service.spec.resource_id,
            "unit": choice.unit,
            "start": start,
            "end": start + service.duration,
            "occupied_until": span.end,
            "price_fen": service.price_fen,
            "deposit_fen": service.deposit_fen,
            "status": (BookingStatus.HELD if hold else BookingStatus.BOOKED).value,
            "hold_expires_at": hold,
            "note": note,
            "idempotency_key": key,
            "booked_by_staff_id": request.booked_by_staff_id,
            "version": 0,
            "reminder_key": None if hold else reminder_for(booking_id, 0, start, plan.policy, now),
            "created_at": now,
        }
        await mongo.db[c.BOOKINGS].insert_one(doc, session=s)
        booking = booking_from_doc(doc)
        await occupy_cells(mongo=mongo, session=s, booking=booking, hold_expires_at=hold, now=now)
        if hold is None:
            await announce(
                mongo=mongo,
                session=s,
                booking=booking,
                event=booking_event(BookingConfirmed, booking),
                policy=plan.policy,
            )
        return booking

    return await occupancy.guarded(mongo, attempt)


async def member_book(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    store_id: ObjectId,
    service_id: ObjectId,
    staff_id: ObjectId | None,
    start: datetime,
    note: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> BookingView:
    store = await merchant_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    request = Request(store, member_id, service_id, staff_id, start, note, idempotency_key, None)
    return await view(mongo, await _book(mongo, request, now or datetime.now(UTC)))


async def staff_book(
    *,
    mongo: Mongo,
    actor: Staff,
    member_id: ObjectId,
    store_id: ObjectId,
    service_id: ObjectId,
    staff_id: ObjectId | None,
    start: datetime,
    note: str,
    idempotency_key: str,
    now: datetime | None = None,
) -> BookingView:
    """Any staff member of the store books for a member (at the desk, on the phone)."""
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id)
    member = await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1})
    if member is None:
        raise BookingError(BookingCode.MEMBER_NOT_FOUND, "memberId")
    request = Request(store, member_id, service_id, staff_id, start, note, idempotency_key, actor.id)
    return await view(mongo, await _book(mongo, request, now or datetime.now(UTC)))


def check_cutoff(booking: Booking, cutoff_min: int, now: datetime) -> None:
    """Members may change a booking only until `cutoff_min` minutes before it starts."""
    if (booking.start - now).total_seconds() < cutoff_min * 60:
        raise BookingError(BookingCode.CANCEL_CUTOFF_PASSED, "bookingId", minutes=cutoff_min)


async def _reschedule(
    mongo: Mongo, current: Booking, start: datetime, staff_id: ObjectId | None, now: datetime
) -> Booking:
    if current.status_at(now) is not BookingStatus.BOOKED:
        raise BookingError(BookingCode.BOOKING_STATUS_INVALID, "bookingId")
    start = _utc(start)
    store = await merchant_store(mongo=mongo, merchant_id=current.merchant_id, store_id=current.store_id)
    plan = await _plan(mongo, store, current.service_id, start, now, ignore=current.id)
    span = check_start(plan, start, now)
    staff = candidates(plan, span, staff_id or current.staff_id)
    version = current.version + 1

    async def attempt(s: AsyncClientSession) -> Booking:
        # Our cells go first, so the new time may overlap the old one.
        await occupancy.release(mongo=mongo, session=s, merchant_id=current.merchant_id, booking_id=current.id)
        choice = await _choose(mongo, s, plan, staff, span, now)
        changes = {
            "start": start,
            "end": start + plan.service.duration,
            "occupied_until": span.end,
            "staff_id": choice.staff_id,
            "unit": choice.unit,
            "version": version,
            "reminder_key": reminder_for(current.id, version, start, plan.policy, now),
        }
        doc = await mongo.db[c.BOOKINGS].find_one_and_update(
            {
                "merchant_id": current.merchant_id,
                "_id": current.id,
                "version": current.version,
                "status": BookingStatus.BOOKED.value,
            },
            {"$set": changes},
            session=s,
            return_document=True,
        )
        if doc is None:
            raise BookingError(BookingCode.BOOKING_STATUS_INVALID, "bookingId")
        booking = booking_from_doc(doc)
        await occupy_cells(mongo=mongo, session=s, booking=booking, hold_expires_at=None, now=now)
        if current.reminder_key is not None:
            await outbox.cancel(mongo=mongo, session=s, dedupe_key=current.reminder_key)
        await announce(
            mongo=mongo,
            session=s,
            booking=booking,
            event=booking_event(BookingRescheduled, booking, previous_start=current.start),
            policy=plan.policy,
        )
        return booking

    return await occupancy.guarded(mongo, attempt)


async def member_reschedule(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    booking_id: ObjectId,
    start: datetime,
    staff_id: ObjectId | None,
    now: datetime | None = None,
) -> BookingView:
    now = now or datetime.now(UTC)
    current = await find_booking(mongo=mongo, merchant_id=merchant_id, booking_id=booking_id, member_id=member_id)
    policy = await load_policy(mongo=mongo, merchant_id=merchant_id)
    check_cutoff(current, policy.cancel_cutoff_min, now)
    return await view(mongo, await _reschedule(mongo, current, start, staff_id, now))


async def staff_reschedule(
    *,
    mongo: Mongo,
    actor: Staff,
    booking_id: ObjectId,
    start: datetime,
    staff_id: ObjectId | None,
    now: datetime | None = None,
) -> BookingView:
    """Staff may move a booking whenever it is still BOOKED, cut-off or not."""
    current = await find_booking(mongo=mongo, merchant_id=actor.merchant_id, booking_id=booking_id)
    check_scope(actor, current.store_id, ANY_ROLE)
    return await view(mongo, await _reschedule(mongo, current, start, staff_id, now or datetime.now(UTC)))
