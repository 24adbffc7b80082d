"""A store's wall clock ("09:00" on a local date) and the UTC instants it names, DST-safe, plus the span
arithmetic schedules and slots are computed with.

Wall-clock times become instants only through `at`, with zoneinfo: 09:00 in New York is 14:00Z in winter and
13:00Z in summer, a spring-forward day has 23 hours and a fall-back day 25.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.booking.errors import BookingCode, BookingError

MINUTES_PER_DAY = 24 * 60
# The local dates the booking calendar covers. Outside them a date is a typo or a probe, and at the very ends of
# Python's calendar (0001-01-01, 9999-12-31) a store's day cannot even be turned into UTC instants.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")


@dataclass(frozen=True, order=True)
class Span:
    """The half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end


def check_day(day: date) -> date:
    """`day`, when the booking calendar covers it; DATE_OUT_OF_RANGE on the `date` argument otherwise."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BookingError(BookingCode.DATE_OUT_OF_RANGE, "date")
    return day


def parse_clock(text: str) -> int | None:
    """ "HH:MM" (00:00-24:00) as minutes after midnight; None when malformed."""
    # ASCII digits only: str.isdigit() would also pass "²", which int() refuses.
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    value = hours * 60 + minutes
    return value if minutes < 60 and value <= MINUTES_PER_DAY else None


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def at(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `minute` on `day`. A time skipped by a spring-forward transition moves
    forward by the gap (02:30 -> 03:30), as zoneinfo's fold=0 does; a repeated one means its first occurrence.
    """
    day = day + timedelta(days=minute // MINUTES_PER_DAY)
    minute %= MINUTES_PER_DAY
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).astimezone(UTC)


def day_span(day: date, zone: ZoneInfo) -> Span:
    return Span(at(day, 0, zone), at(day, MINUTES_PER_DAY, zone))


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def minute_of_day(instant: datetime, zone: ZoneInfo) -> int:
    local = instant.astimezone(zone)
    return local.hour * 60 + local.minute


def merge(spans: list[Span]) -> list[Span]:
    """The same time, as sorted spans that neither overlap nor touch."""
    merged: list[Span] = []
    for span in sorted(s for s in spans if s.start < s.end):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    return merge([Span(max(x.start, y.start), min(x.end, y.end)) for x in a for y in b if x.overlaps(y)])


def subtract(spans: list[Span], cuts: list[Span]) -> list[Span]:
    result = merge(spans)
    for cut in cuts:
        pieces: list[Span] = []
        for span in result:
            if not span.overlaps(cut):
                pieces.append(span)
                continue
            if span.start < cut.start:
                pieces.append(Span(span.start, cut.start))
            if cut.end < span.end:
                pieces.append(Span(cut.end, span.end))
        result = pieces
    return result


def within(spans: list[Span], span: Span) -> bool:
    return any(s.contains(span) for s in spans)
