"""Booking setup as owners and managers see it: the merchant's booking policy, and per store the opening hours,
staff weekly schedules and schedule exceptions, read back together with the catalog.
"""

from datetime import date
from typing import TypeAlias

import strawberry

from domain.booking import policy, schedules
from domain.booking.schedules import BookingSetup as SetupRecord
from domain.booking.wallclock import format_clock
from schema.admin.booking_catalog import Resource, Service
from schema.admin.types import StaffMember, Store
from schema.booking import WeeklyHours, WeeklyHoursInput
from schema.common import UserError
from schema.context import Info
from schema.ids import from_global_id, to_global_id
from schema.mutations import node_id, user_errors_in


@strawberry.type
class BookingPolicy:
    granularity_min: int = strawberry.field(description="Start times are offered every this many minutes.")
    cancel_cutoff_min: int = strawberry.field(description="Members cannot cancel or reschedule closer than this.")
    horizon_days: int = strawberry.field(description="How many days ahead members may book.")
    reminder_lead_min: int = strawberry.field(description="The reminder goes out this long before; 0 for none.")
    hold_min: int = strawberry.field(description="How long an unpaid deposit holds its slot.")

    @classmethod
    def of(cls, p: policy.BookingPolicy) -> "BookingPolicy":
        return cls(
            granularity_min=p.granularity_min,
            cancel_cutoff_min=p.cancel_cutoff_min,
            horizon_days=p.horizon_days,
            reminder_lead_min=p.reminder_lead_min,
            hold_min=p.hold_min,
        )


@strawberry.type
class StaffSchedule:
    staff_member_id: strawberry.ID
    weekly: list[WeeklyHours]

    @classmethod
    def of(cls, s: schedules.StaffSchedule) -> "StaffSchedule":
        return cls(
            staff_member_id=to_global_id("StaffMember", s.staff_id), weekly=[WeeklyHours.of(r) for r in s.weekly]
        )


ScheduleExceptionKind: TypeAlias = schedules.ExceptionKind
strawberry.enum(
    ScheduleExceptionKind,
    name="ScheduleExceptionKind",
    description="LEAVE takes time off (the whole day without times); EXTRA adds a shift.",
)


@strawberry.type
class ScheduleException:
    id: strawberry.ID
    staff_member_id: strawberry.ID
    date: date
    kind: ScheduleExceptionKind
    starts_at: str | None
    ends_at: str | None

    @classmethod
    def of(cls, e: schedules.ScheduleException) -> "ScheduleException":
        return cls(
            id=to_global_id("ScheduleException", e.id),
            staff_member_id=to_global_id("StaffMember", e.staff_id),
            date=e.day,
            kind=e.kind,
            starts_at=format_clock(e.start) if e.start is not None else None,
            ends_at=format_clock(e.end) if e.end is not None else None,
        )


@strawberry.type
class BookingSetup:
    store: Store
    hours: list[WeeklyHours]
    services: list[Service]
    resources: list[Resource]
    schedules: list[StaffSchedule]
    exceptions: list[ScheduleException] = strawberry.field(description="From today on.")
    staff_members: list[StaffMember] = strawberry.field(description="Everyone who may work at the store.")

    @classmethod
    def of(cls, s: SetupRecord) -> "BookingSetup":
        return cls(
            store=Store.of(s.store),
            hours=[WeeklyHours.of(r) for r in s.hours],
            services=[Service.of(x) for x in s.services],
            resources=[Resource.of(r) for r in s.resources],
            schedules=[StaffSchedule.of(x) for x in s.schedules],
            exceptions=[ScheduleException.of(e) for e in s.exceptions],
            staff_members=[StaffMember.of(x) for x in s.staff],
        )


@strawberry.input
class SetBookingPolicyInput:
    granularity_min: int = 15
    cancel_cutoff_min: int = 120
    horizon_days: int = 30
    reminder_lead_min: int = 120
    hold_min: int = 10


@strawberry.input
class SetStoreHoursInput:
    store_id: strawberry.ID
    hours: list[WeeklyHoursInput]


@strawberry.input
class SetStaffScheduleInput:
    store_id: strawberry.ID
    staff_id: strawberry.ID
    weekly: list[WeeklyHoursInput]


@strawberry.input
class AddScheduleExceptionInput:
    store_id: strawberry.ID
    staff_id: strawberry.ID
    date: date
    kind: ScheduleExceptionKind
    starts_at: str | None = strawberry.field(default=None, description='"HH:MM"; omit both for a whole day.')
    ends_at: str | None = None


@strawberry.input
class RemoveScheduleExceptionInput:
    id: strawberry.ID


@strawberry.type
class BookingPolicyPayload:
    booking_policy: BookingPolicy | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StoreHoursPayload:
    hours: list[WeeklyHours] | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffSchedulePayload:
    staff_schedule: StaffSchedule | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ScheduleExceptionPayload:
    schedule_exception: ScheduleException | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BookingSetupQuery:
    @strawberry.field
    async def booking_policy(self, info: Info) -> BookingPolicy:
        staff = await info.context.staff()
        return BookingPolicy.of(
            await policy.load_policy(mongo=info.context.clients.mongo, merchant_id=staff.merchant_id)
        )

    @strawberry.field(description="A store's hours, services, resources and schedules; null for an unknown store.")
    async def store_booking_setup(self, info: Info, store_id: strawberry.ID) -> BookingSetup | None:
        actor = await info.context.staff()
        store = from_global_id("Store", store_id)
        if store is None:
            return None
        setup = await schedules.booking_setup(mongo=info.context.clients.mongo, actor=actor, store_id=store)
        return BookingSetup.of(setup) if setup else None


@strawberry.type
class BookingSetupMutation:
    @strawberry.mutation(description="OWNER, or a MANAGER of all stores: merchant-wide.")
    @user_errors_in(BookingPolicyPayload)
    async def set_booking_policy(self, info: Info, input: SetBookingPolicyInput) -> BookingPolicyPayload:
        ctx = info.context
        wanted = policy.BookingPolicy(
            input.granularity_min, input.cancel_cutoff_min, input.horizon_days, input.reminder_lead_min, input.hold_min
        )
        saved = await policy.set_policy(mongo=ctx.clients.mongo, actor=await ctx.staff(), policy=wanted)
        return BookingPolicyPayload(booking_policy=BookingPolicy.of(saved))

    @strawberry.mutation(description="OWNER or MANAGER of the store; replaces the weekly opening hours.")
    @user_errors_in(StoreHoursPayload)
    async def set_store_hours(self, info: Info, input: SetStoreHoursInput) -> StoreHoursPayload:
        ctx = info.context
        hours = await schedules.set_store_hours(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            hours=[h.record() for h in input.hours],
        )
        return StoreHoursPayload(hours=[WeeklyHours.of(h) for h in hours])

    @strawberry.mutation(description="OWNER or MANAGER of the store; replaces the staff member's weekly hours there.")
    @user_errors_in(StaffSchedulePayload)
    async def set_staff_schedule(self, info: Info, input: SetStaffScheduleInput) -> StaffSchedulePayload:
        ctx = info.context
        saved = await schedules.set_staff_schedule(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
            weekly=[h.record() for h in input.weekly],
        )
        return StaffSchedulePayload(staff_schedule=StaffSchedule.of(saved))

    @strawberry.mutation(description="OWNER or MANAGER of the store: leave or an extra shift on one date.")
    @user_errors_in(ScheduleExceptionPayload)
    async def add_schedule_exception(self, info: Info, input: AddScheduleExceptionInput) -> ScheduleExceptionPayload:
        ctx = info.context
        added = await schedules.add_exception(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
            day=input.date,
            kind=input.kind,
            start=input.starts_at,
            end=input.ends_at,
        )
        return ScheduleExceptionPayload(schedule_exception=ScheduleException.of(added))

    @strawberry.mutation(description="OWNER or MANAGER of the store.")
    @user_errors_in(ScheduleExceptionPayload)
    async def remove_schedule_exception(
        self, info: Info, input: RemoveScheduleExceptionInput
    ) -> ScheduleExceptionPayload:
        ctx = info.context
        removed = await schedules.remove_exception(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), exception_id=node_id("ScheduleException", input.id, "id")
        )
        return ScheduleExceptionPayload(schedule_exception=ScheduleException.of(removed))
