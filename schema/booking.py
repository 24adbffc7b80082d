"""Booking types both doors share: statuses, weekdays, wall-clock hours, time ranges and queue tickets."""

from datetime import datetime
from enum import Enum
from typing import TypeAlias

import strawberry

from domain.booking import model, queue
from domain.booking.schedules import ClockRange, WeeklyRange
from domain.booking.wallclock import Span, format_clock
from schema.ids import to_global_id

BookingStatus: TypeAlias = model.BookingStatus
strawberry.enum(
    BookingStatus,
    name="BookingStatus",
    description="HELD waits for its deposit and reads EXPIRED once the hold runs out.",
)


@strawberry.enum
class Weekday(Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


@strawberry.type(description="Wall-clock hours in the store's timezone on one weekday; closesAt may be 24:00.")
class WeeklyHours:
    weekday: Weekday
    opens_at: str
    closes_at: str

    @classmethod
    def of(cls, r: WeeklyRange) -> "WeeklyHours":
        return cls(weekday=Weekday(r.weekday), opens_at=format_clock(r.start), closes_at=format_clock(r.end))


@strawberry.input(description='Times as "HH:MM" in the store\'s timezone, 5-minute steps; closesAt may be 24:00.')
class WeeklyHoursInput:
    weekday: Weekday
    opens_at: str
    closes_at: str

    def record(self) -> ClockRange:
        return ClockRange(self.weekday.value, self.opens_at, self.closes_at)


@strawberry.type(description="From start (inclusive) to end (exclusive).")
class TimeRange:
    start: datetime
    end: datetime

    @classmethod
    def of(cls, span: Span) -> "TimeRange":
        return cls(start=span.start, end=span.end)


QueueTicketStatus: TypeAlias = queue.TicketStatus
strawberry.enum(QueueTicketStatus, name="QueueTicketStatus")


@strawberry.type(description="A walk-in queue ticket (排队号) for today.")
class QueueTicket:
    id: strawberry.ID
    number: int
    status: QueueTicketStatus
    ahead: int = strawberry.field(description="Tickets still waiting before this one; 0 once called.")
    joined_at: datetime
    called_at: datetime | None

    @classmethod
    def of(cls, ticket: queue.Ticket, ahead: int) -> "QueueTicket":
        return cls(
            id=to_global_id("QueueTicket", ticket.id),
            number=ticket.number,
            status=ticket.status,
            ahead=ahead,
            joined_at=ticket.joined_at,
            called_at=ticket.called_at,
        )
