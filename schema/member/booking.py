"""Booking for the signed-in member: a store's services, free slots, booking, cancelling and rescheduling
their own bookings, and the walk-in queue.
"""

from datetime import UTC, date, datetime

import strawberry

from domain.booking import bookings, catalog, lifecycle, queue, slots, views
from schema.booking import BookingStatus, QueueTicket
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.mutations import node_id, user_errors_in


@strawberry.type(description="A staff member a member may choose for a service.")
class BookableStaff:
    id: strawberry.ID
    name: str


@strawberry.type
class BookableService:
    id: strawberry.ID
    name: str
    duration_min: int
    price_fen: int
    deposit_fen: int = strawberry.field(description="Paid when booking; 0 when the service needs no deposit.")
    staff_members: list[BookableStaff]

    @classmethod
    def of(cls, offer: catalog.Offer) -> "BookableService":
        service = offer.service
        return cls(
            id=to_global_id("Service", service.id),
            name=service.name,
            duration_min=service.spec.duration_min,
            price_fen=service.price_fen,
            deposit_fen=service.deposit_fen,
            staff_members=[BookableStaff(id=to_global_id("StaffMember", s.id), name=s.name) for s in offer.staff],
        )


@strawberry.type(description="A free start time and the staff members free then.")
class AvailableSlot:
    start: datetime
    staff_members: list[BookableStaff]

    @classmethod
    def of(cls, slot: slots.Slot) -> "AvailableSlot":
        staff = [BookableStaff(id=to_global_id("StaffMember", s.id), name=s.name) for s in slot.staff]
        return cls(start=slot.start, staff_members=staff)


@strawberry.type(name="Booking")
class MemberBooking:
    id: strawberry.ID
    status: BookingStatus
    start: datetime
    end: datetime
    service_id: strawberry.ID = strawberry.field(description="For availableSlots when rescheduling.")
    service_name: str
    store_id: strawberry.ID
    store_name: str
    staff_member_id: strawberry.ID
    staff_name: str
    price_fen: int
    deposit_fen: int
    hold_expires_at: datetime | None = strawberry.field(
        description="While HELD: pay the deposit (createOrder with bookingId, then payOrder) before this."
    )
    note: str
    cancel_reason: str | None = strawberry.field(description="Why the store cancelled it, when it did.")
    order_id: strawberry.ID | None = strawberry.field(description="Once the visit is completed: the order to pay.")
    created_at: datetime

    @classmethod
    def of(cls, v: views.BookingView) -> "MemberBooking":
        b = v.booking
        return cls(
            id=to_global_id("Booking", b.id),
            status=b.status_at(datetime.now(UTC)),
            start=b.start,
            end=b.end,
            service_id=to_global_id("Service", b.service_id),
            service_name=b.service_name,
            store_id=to_global_id("Store", b.store_id),
            store_name=v.store_name,
            staff_member_id=to_global_id("StaffMember", b.staff_id),
            staff_name=v.staff_name,
            price_fen=b.price_fen,
            deposit_fen=b.deposit_fen,
            hold_expires_at=b.hold_expires_at,
            note=b.note,
            cancel_reason=b.cancel_reason,
            order_id=to_global_id("Order", b.order_id) if b.order_id else None,
            created_at=b.created_at,
        )


@strawberry.input
class BookInput:
    store_id: strawberry.ID
    service_id: strawberry.ID
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Omit to get the least-booked qualified staff member who is free."
    )
    start: datetime = strawberry.field(description="One of availableSlots' starts, with its UTC offset.")
    note: str = ""
    idempotency_key: str = strawberry.field(description="Made once per tap; a retry returns the same booking.")


@strawberry.input
class CancelBookingInput:
    booking_id: strawberry.ID


@strawberry.input
class RescheduleBookingInput:
    booking_id: strawberry.ID
    start: datetime
    staff_id: strawberry.ID | None = strawberry.field(default=None, description="Omit to keep the same staff.")


@strawberry.input
class JoinQueueInput:
    store_id: strawberry.ID


@strawberry.type
class BookingPayload:
    booking: MemberBooking | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JoinQueuePayload:
    ticket: QueueTicket | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BookingQuery:
    @strawberry.field(description="The store's bookable services; null for an unknown store.")
    async def bookable_services(self, info: Info, store_id: strawberry.ID) -> list[BookableService] | None:
        principal = info.context.need_principal()
        store = from_global_id("Store", store_id)
        if store is None:
            return None
        found = await catalog.offers(
            mongo=info.context.clients.mongo, merchant_id=principal.merchant_id, store_id=store
        )
        return None if found is None else [BookableService.of(o) for o in found]

    @strawberry.field(description="Free starts on a store-local date; null for an unknown store or service.")
    async def available_slots(
        self,
        info: Info,
        store_id: strawberry.ID,
        service_id: strawberry.ID,
        date: date,
        staff_id: strawberry.ID | None = None,
    ) -> list[AvailableSlot] | None:
        principal = info.context.need_principal()
        store, service = from_global_id("Store", store_id), from_global_id("Service", service_id)
        staff = from_global_id("StaffMember", staff_id) if staff_id else None
        if store is None or service is None or (staff_id and staff is None):
            return None
        found = await slots.member_slots(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            store_id=store,
            service_id=service,
            day=date,
            staff_id=staff,
        )
        return None if found is None else [AvailableSlot.of(s) for s in found]

    @strawberry.field(description="The member's bookings, newest first.")
    async def my_bookings(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberBooking]:
        principal = info.context.need_principal()
        page = await views.my_bookings(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, MemberBooking.of)

    @strawberry.field(description="One of the member's own bookings; null for anyone else's or an unknown id.")
    async def booking(self, info: Info, id: strawberry.ID) -> MemberBooking | None:
        principal = info.context.need_principal()
        booking_id = from_global_id("Booking", id)
        if booking_id is None:
            return None
        found = await views.my_booking(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            booking_id=booking_id,
        )
        return None if found is None else MemberBooking.of(found)

    @strawberry.field(description="The member's queue ticket at the store today; null without one.")
    async def my_queue_position(self, info: Info, store_id: strawberry.ID) -> QueueTicket | None:
        principal = info.context.need_principal()
        store = from_global_id("Store", store_id)
        if store is None:
            return None
        found = await queue.my_position(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            store_id=store,
        )
        return None if found is None else QueueTicket.of(found.ticket, found.ahead)


@strawberry.type
class BookingMutation:
    @strawberry.mutation
    @user_errors_in(BookingPayload)
    async def book(self, info: Info, input: BookInput) -> BookingPayload:
        ctx = info.context
        principal = ctx.need_principal()
        made = await bookings.member_book(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            store_id=node_id("Store", input.store_id, "storeId"),
            service_id=node_id("Service", input.service_id, "serviceId"),
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
            start=input.start,
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        return BookingPayload(booking=MemberBooking.of(made))

    @strawberry.mutation(description="Allowed until the merchant's cut-off before the start (2 hours by default).")
    @user_errors_in(BookingPayload)
    async def cancel_booking(self, info: Info, input: CancelBookingInput) -> BookingPayload:
        ctx = info.context
        principal = ctx.need_principal()
        cancelled = await lifecycle.member_cancel(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
        )
        return BookingPayload(booking=MemberBooking.of(cancelled))

    @strawberry.mutation(description="Allowed until the merchant's cut-off before the current start.")
    @user_errors_in(BookingPayload)
    async def reschedule_booking(self, info: Info, input: RescheduleBookingInput) -> BookingPayload:
        ctx = info.context
        principal = ctx.need_principal()
        moved = await bookings.member_reschedule(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
            start=input.start,
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
        )
        return BookingPayload(booking=MemberBooking.of(moved))

    @strawberry.mutation(description="Take a queue number for today; joining again returns the same ticket.")
    @user_errors_in(JoinQueuePayload)
    async def join_queue(self, info: Info, input: JoinQueueInput) -> JoinQueuePayload:
        ctx = info.context
        principal = ctx.need_principal()
        joined = await queue.join_queue(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            store_id=node_id("Store", input.store_id, "storeId"),
        )
        return JoinQueuePayload(ticket=QueueTicket.of(joined.ticket, joined.ahead))
