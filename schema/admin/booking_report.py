"""The booking report (预约报表) for OWNER and MANAGER: a store's bookings, no-shows, and each staff member's
booked minutes against their scheduled minutes, as domain.reports.booking works them out."""

from datetime import date
from typing import Annotated

import strawberry

from domain.reports import booking
from schema.admin.types import StaffMember
from schema.common import UserError
from schema.context import Info
from schema.mutations import node_id, user_errors_in


@strawberry.type
class StaffUtilization:
    staff_member: StaffMember
    booked_minutes: int = strawberry.field(
        description="Minutes of their bookings starting in the range (not cancelled, no-shows included)."
    )
    scheduled_minutes: int = strawberry.field(
        description="Their working hours at the store over the range's days, extra shifts added, leave taken off."
    )
    utilization_percent: float = strawberry.field(
        description="bookedMinutes / scheduledMinutes * 100, one decimal; 0 when nothing is scheduled."
    )


@strawberry.type
class BookingReport:
    bookings: int = strawberry.field(
        description="Bookings starting in the range that were confirmed (not cancelled, not a lapsed hold)."
    )
    no_shows: int = strawberry.field(description="Of those, the ones marked NO_SHOW.")
    no_show_rate_percent: float = strawberry.field(description="noShows / bookings * 100, one decimal; 0 when none.")
    staff: list[StaffUtilization] = strawberry.field(
        description="Everyone with hours, an extra shift or a booking at the store in the range; booked minutes "
        "descending."
    )

    @classmethod
    def of(cls, r: booking.BookingReport) -> "BookingReport":
        return cls(
            bookings=r.bookings,
            no_shows=r.no_shows,
            no_show_rate_percent=r.no_show_rate_percent,
            staff=[
                StaffUtilization(
                    staff_member=StaffMember.of(row.staff),
                    booked_minutes=row.booked_minutes,
                    scheduled_minutes=row.scheduled_minutes,
                    utilization_percent=row.utilization_percent,
                )
                for row in r.staff
            ],
        )


@strawberry.type
class BookingReportPayload:
    bookings: BookingReport | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BookingReportQuery:
    @strawberry.field(
        description="OWNER or MANAGER (else a FORBIDDEN error), a store in your scope (else STORE_NOT_FOUND on "
        "`storeId`, as for an unknown store). Dates [from, to] inclusive in the store's zone, at most 366 days "
        "(else RANGE_INVALID on `to`)."
    )
    @user_errors_in(BookingReportPayload)
    async def booking_report(
        self, info: Info, store_id: strawberry.ID, from_: Annotated[date, strawberry.argument(name="from")], to: date
    ) -> BookingReportPayload:
        ctx = info.context
        found = await booking.booking_report(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            first=from_,
            last=to,
        )
        return BookingReportPayload(bookings=BookingReport.of(found))
