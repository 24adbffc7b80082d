"""Bookings as staff handle them: free slots, the store's day calendar, a member's bookings, booking for a
member, cancelling (with a reason), rescheduling, check-in, completion, no-shows and calling the next walk-in.
"""

from datetime import UTC, date, datetime

import strawberry

from domain.booking import bookings, lifecycle, queue, slots, views
from domain.notifications import topics
from domain.orders.bookings import complete_visit
from schema.admin.types import StaffMember
from schema.booking import BookingStatus, QueueTicket, TimeRange
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.mutations import node_id, user_errors_in


@strawberry.type(name="Booking")
class AdminBooking:
    id: strawberry.ID
    status: BookingStatus
    start: datetime
    end: datetime
    occupied_until: datetime = strawberry.field(description="The end of the buffer after the service.")
    service_id: strawberry.ID
    service_name: str
    store_id: strawberry.ID
    store_name: str
    staff_member_id: strawberry.ID
    staff_name: str
    member_id: strawberry.ID
    member_nickname: str
    price_fen: int
    deposit_fen: int
    hold_expires_at: datetime | None
    note: str
    cancel_reason: str | None
    booked_by_staff_member_id: strawberry.ID | None = strawberry.field(description="Set when staff booked it.")
    count_card_id: strawberry.ID | None = strawberry.field(description="The count card a use was taken from.")
    order_id: strawberry.ID | None = strawberry.field(
        description="The order the completed visit is paid with (none when a count card paid for it)."
    )
    created_at: datetime

    @classmethod
    def of(cls, v: views.BookingView) -> "AdminBooking":
        b = v.booking
        return cls(
            id=to_global_id("Booking", b.id),
            status=b.status_at(datetime.now(UTC)),
            start=b.start,
            end=b.end,
            occupied_until=b.occupied_until,
            service_id=to_global_id("Service", b.service_id),
            service_name=b.service_name,
            store_id=to_global_id("Store", b.store_id),
            store_name=v.store_name,
            staff_member_id=to_global_id("StaffMember", b.staff_id),
            staff_name=v.staff_name,
            member_id=to_global_id("Member", b.member_id),
            member_nickname=v.member_nickname,
            price_fen=b.price_fen,
            deposit_fen=b.deposit_fen,
            hold_expires_at=b.hold_expires_at,
            note=b.note,
            cancel_reason=b.cancel_reason,
            booked_by_staff_member_id=to_global_id("StaffMember", b.booked_by_staff_id)
            if b.booked_by_staff_id
            else None,
            count_card_id=to_global_id("CountCard", b.count_card_id) if b.count_card_id else None,
            order_id=to_global_id("Order", b.order_id) if b.order_id else None,
            created_at=b.created_at,
        )


@strawberry.type(name="AvailableSlot")
class AdminAvailableSlot:
    start: datetime
    staff_members: list[StaffMember]

    @classmethod
    def of(cls, slot: slots.Slot) -> "AdminAvailableSlot":
        return cls(start=slot.start, staff_members=[StaffMember.of(s) for s in slot.staff])


@strawberry.type
class CalendarColumn:
    staff_member: StaffMember
    shifts: list[TimeRange] = strawberry.field(description="When they work here that day, within opening hours.")
    bookings: list[AdminBooking]


@strawberry.type(description="One local day at a store; cancelled bookings and lapsed holds are left out.")
class DayCalendar:
    date: date
    timezone: str
    opening_hours: list[TimeRange]
    columns: list[CalendarColumn]

    @classmethod
    def of(cls, cal: views.DayCalendar) -> "DayCalendar":
        return cls(
            date=cal.day,
            timezone=cal.store.timezone,
            opening_hours=[TimeRange.of(s) for s in cal.open],
            columns=[
                CalendarColumn(
                    staff_member=StaffMember.of(col.staff),
                    shifts=[TimeRange.of(s) for s in col.shifts],
                    bookings=[AdminBooking.of(v) for v in col.bookings],
                )
                for col in cal.columns
            ],
        )


@strawberry.type
class WaitingTicket:
    id: strawberry.ID
    number: int
    member_id: strawberry.ID
    member_nickname: str
    joined_at: datetime

    @classmethod
    def of(cls, w: queue.WaitingTicket) -> "WaitingTicket":
        return cls(
            id=to_global_id("QueueTicket", w.ticket.id),
            number=w.ticket.number,
            member_id=to_global_id("Member", w.ticket.member_id),
            member_nickname=w.member_nickname,
            joined_at=w.ticket.joined_at,
        )


@strawberry.input
class BookForMemberInput:
    store_id: strawberry.ID
    service_id: strawberry.ID
    member_id: strawberry.ID
    staff_id: strawberry.ID | None = strawberry.field(default=None, description="Omit for the least-booked one.")
    start: datetime
    note: str = ""
    idempotency_key: str


@strawberry.input
class StaffCancelBookingInput:
    booking_id: strawberry.ID
    reason: str = strawberry.field(description="Told to the member; required.")


@strawberry.input
class StaffRescheduleBookingInput:
    booking_id: strawberry.ID
    start: datetime
    staff_id: strawberry.ID | None = strawberry.field(default=None, description="Omit to keep the same staff.")


@strawberry.input
class BookingIdInput:
    booking_id: strawberry.ID


@strawberry.input
class CompleteBookingInput:
    booking_id: strawberry.ID
    count_card_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the member's count cards to take one use from."
    )


@strawberry.input
class CallNextInput:
    store_id: strawberry.ID


@strawberry.type(name="BookingPayload")
class AdminBookingPayload:
    booking: AdminBooking | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CallNextPayload:
    ticket: QueueTicket | None = None
    member_nickname: str | None = strawberry.field(default=None, description="Who holds the ticket called.")
    announcement: str | None = strawberry.field(
        default=None, description="What the member is told (their inbox and WeChat message), in Chinese as sent."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def of(cls, called: queue.CalledTicket) -> "CallNextPayload":
        return cls(
            ticket=QueueTicket.of(called.ticket, 0),
            member_nickname=called.member_nickname,
            announcement=topics.queue_called_text(called.store_name, called.ticket.number),
        )


@strawberry.type
class BookingQuery:
    @strawberry.field(description="Free starts on a store-local date; null for an unknown store or service.")
    async def available_slots(
        self,
        info: Info,
        store_id: strawberry.ID,
        service_id: strawberry.ID,
        date: date,
        staff_id: strawberry.ID | None = None,
    ) -> list[AdminAvailableSlot] | None:
        actor = await info.context.staff()
        store, service = from_global_id("Store", store_id), from_global_id("Service", service_id)
        staff = from_global_id("StaffMember", staff_id) if staff_id else None
        if store is None or service is None or (staff_id and staff is None):
            return None
        found = await slots.staff_slots(
            mongo=info.context.clients.mongo,
            actor=actor,
            store_id=store,
            service_id=service,
            day=date,
            staff_id=staff,
        )
        return None if found is None else [AdminAvailableSlot.of(s) for s in found]

    @strawberry.field(description="A store's day, a column per staff member; null for an unknown store.")
    async def day_calendar(
        self, info: Info, store_id: strawberry.ID, date: date, staff_id: strawberry.ID | None = None
    ) -> DayCalendar | None:
        actor = await info.context.staff()
        store = from_global_id("Store", store_id)
        staff = from_global_id("StaffMember", staff_id) if staff_id else None
        if store is None or (staff_id and staff is None):
            return None
        cal = await views.day_calendar(
            mongo=info.context.clients.mongo, actor=actor, store_id=store, day=date, staff_id=staff
        )
        return DayCalendar.of(cal) if cal else None

    @strawberry.field(description="A member's bookings at your stores, newest first; null for an unknown member.")
    async def member_bookings(
        self, info: Info, member_id: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[AdminBooking] | None:
        actor = await info.context.staff()
        member = from_global_id("Member", member_id)
        if member is None:
            return None
        page = await views.member_bookings(
            mongo=info.context.clients.mongo, actor=actor, member_id=member, first=first, after=from_cursor(after)
        )
        return connection(page, AdminBooking.of) if page else None

    @strawberry.field(description="Today's waiting walk-ins in calling order; null for an unknown store.")
    async def store_queue(self, info: Info, store_id: strawberry.ID) -> list[WaitingTicket] | None:
        actor = await info.context.staff()
        store = from_global_id("Store", store_id)
        if store is None:
            return None
        found = await queue.store_queue(mongo=info.context.clients.mongo, actor=actor, store_id=store)
        return None if found is None else [WaitingTicket.of(w) for w in found]


@strawberry.type
class BookingMutation:
    @strawberry.mutation(description="Any staff member of the store, for a member (at the desk, on the phone).")
    @user_errors_in(AdminBookingPayload)
    async def book_for_member(self, info: Info, input: BookForMemberInput) -> AdminBookingPayload:
        ctx = info.context
        actor = await ctx.staff()
        store = node_id("Store", input.store_id, "storeId")
        service = node_id("Service", input.service_id, "serviceId")
        member = node_id("Member", input.member_id, "memberId")
        staff = node_id("StaffMember", input.staff_id, "staffId")
        made = await bookings.staff_book(
            mongo=ctx.clients.mongo,
            actor=actor,
            member_id=member,
            store_id=store,
            service_id=service,
            staff_id=staff,
            start=input.start,
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        return AdminBookingPayload(booking=AdminBooking.of(made))

    @strawberry.mutation(description="Any staff member of the store, at any time before the visit, with a reason.")
    @user_errors_in(AdminBookingPayload)
    async def cancel_booking(self, info: Info, input: StaffCancelBookingInput) -> AdminBookingPayload:
        ctx = info.context
        cancelled = await lifecycle.staff_cancel(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
            reason=input.reason,
        )
        return AdminBookingPayload(booking=AdminBooking.of(cancelled))

    @strawberry.mutation(description="Any staff member of the store, cut-off or not.")
    @user_errors_in(AdminBookingPayload)
    async def reschedule_booking(self, info: Info, input: StaffRescheduleBookingInput) -> AdminBookingPayload:
        ctx = info.context
        moved = await bookings.staff_reschedule(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
            start=input.start,
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
        )
        return AdminBookingPayload(booking=AdminBooking.of(moved))

    @strawberry.mutation(description="BOOKED -> CHECKED_IN when the member arrives.")
    @user_errors_in(AdminBookingPayload)
    async def check_in_booking(self, info: Info, input: BookingIdInput) -> AdminBookingPayload:
        ctx = info.context
        done = await lifecycle.check_in(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
        )
        return AdminBookingPayload(booking=AdminBooking.of(done))

    @strawberry.mutation(description="CHECKED_IN -> COMPLETED, optionally taking one use of a count card.")
    @user_errors_in(AdminBookingPayload)
    async def complete_booking(self, info: Info, input: CompleteBookingInput) -> AdminBookingPayload:
        ctx = info.context
        done = await complete_visit(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
            count_card_id=node_id("CountCard", input.count_card_id, "countCardId"),
        )
        return AdminBookingPayload(booking=AdminBooking.of(done))

    @strawberry.mutation(description="BOOKED -> NO_SHOW, once the start has passed; the rest of the time is freed.")
    @user_errors_in(AdminBookingPayload)
    async def mark_no_show(self, info: Info, input: BookingIdInput) -> AdminBookingPayload:
        ctx = info.context
        done = await lifecycle.mark_no_show(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
        )
        return AdminBookingPayload(booking=AdminBooking.of(done))

    @strawberry.mutation(description="Calls the lowest waiting number at the store today.")
    @user_errors_in(CallNextPayload)
    async def call_next(self, info: Info, input: CallNextInput) -> CallNextPayload:
        ctx = info.context
        called = await queue.call_next(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), store_id=node_id("Store", input.store_id, "storeId")
        )
        return CallNextPayload.of(called)
