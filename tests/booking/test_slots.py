"""Free slots: they follow opening hours, weekly schedules, leave and extra shifts, buffers and existing
bookings, on the store's wall clock in a zone without DST (Asia/Shanghai) and one with it (America/New_York,
across both transitions of 2026), and a store of thirty fully booked staff costs the same few queries.

Days and "now" are fixed here (domain calls take `now`) so the DST days of 2026 stay testable whenever the
suite runs.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking import bookings, policy, schedules, slots
from domain.booking.schedules import ClockRange, ExceptionKind
from domain.pii import PiiCipher
from schema.messages import EN, message
from tests.booking.conftest import Salon, every_day, key, make_members, open_salon
from tests.conftest import Gql, Shop, count_commands

SPRING_FORWARD = date(2026, 3, 8)  # New York: 02:00 EST -> 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # New York: 02:00 EDT -> 01:00 EST
NOW = datetime(2026, 3, 1, tzinfo=UTC)


async def free(mongo: Mongo, salon: Salon, day: date, now: datetime = NOW, **kw: Any) -> list[slots.Slot]:
    found = await slots.member_slots(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        store_id=salon.store.id,
        service_id=kw.get("service_id", salon.service.id),
        day=day,
        staff_id=kw.get("staff_id"),
        now=now,
    )
    assert found is not None
    return found


def by_staff(salon: Salon, found: list[slots.Slot]) -> dict[str, list[str]]:
    """Each technician's free starts as store wall-clock times."""
    out: dict[str, list[str]] = {}
    for slot in found:
        for s in slot.staff:
            out.setdefault(s.name, []).append(salon.clock(slot.start))
    return out


@pytest.mark.parametrize(
    ("timezone", "day"),
    [("Asia/Shanghai", date(2026, 3, 9)), ("America/New_York", SPRING_FORWARD), ("America/New_York", FALL_BACK)],
)
async def test_slots_follow_schedules_leave_extra_shifts_buffers_and_bookings(
    mongo: Mongo, pii: PiiCipher, shop: Shop, timezone: str, day: date
) -> None:
    # given a store open 09:00-18:00 and a 60-minute service with a 15-minute buffer, where technician 1
    # works 09:00-13:00 and 14:00-18:00 but takes 15:00-16:00 off that day, and technician 2 has no weekly
    # hours that weekday but an extra shift 10:00-12:00
    weekday = day.weekday()
    hours = [ClockRange(d, "09:00", "18:00") for d in range(7)]
    split = [r for d in range(7) for r in (ClockRange(d, "09:00", "13:00"), ClockRange(d, "14:00", "18:00"))]
    salon = await open_salon(mongo, pii, shop, timezone=timezone, hours=hours, weekly=split)
    one, two = (m.staff for m in salon.staff)
    others = [ClockRange(d, "09:00", "18:00") for d in range(7) if d != weekday]
    await schedules.set_staff_schedule(
        mongo=mongo, actor=salon.owner, store_id=salon.store.id, staff_id=two.id, weekly=others
    )
    for staff, kind, start, end in [
        (one, ExceptionKind.LEAVE, "15:00", "16:00"),
        (two, ExceptionKind.EXTRA, "10:00", "12:00"),
    ]:
        await schedules.add_exception(
            mongo=mongo,
            actor=salon.owner,
            store_id=salon.store.id,
            staff_id=staff.id,
            day=day,
            kind=kind,
            start=start,
            end=end,
        )
    # and technician 1 already has a booking 10:00-11:00 (busy until 11:15 with the buffer), made a week before
    now = datetime.combine(day - timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=(await make_members(mongo, salon.merchant_id, 1))[0].id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=one.id,
        start=salon.local(day, "10:00"),
        note="",
        idempotency_key=key(),
        now=now,
    )

    # when a member asks for the free starts that day
    found = await free(mongo, salon, day, now=now)

    # then each technician is offered exactly the starts where 75 minutes fit their shifts and nothing booked
    assert by_staff(salon, found) == {
        "技师1": ["11:15", "11:30", "11:45", "16:00", "16:15", "16:30", "16:45"],
        "技师2": ["10:00", "10:15", "10:30", "10:45"],
    }
    # and the instants are the store's wall clock in UTC: 10:00 is 02:00Z in Shanghai, 14:00Z (EDT) in New York
    # after spring forward and 15:00Z (EST) after fall back
    first_of_two = next(s.start for s in found if s.staff[0].id == two.id)
    expected = {"Asia/Shanghai": 2, "America/New_York": 14 if day == SPRING_FORWARD else 15}[timezone]
    assert first_of_two == datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=expected)


async def test_a_dst_day_has_as_many_hourly_slots_as_hours(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a New York store open around the clock, hourly starts and a one-hour service without buffer
    salon = await open_salon(
        mongo,
        pii,
        shop,
        timezone="America/New_York",
        staff=1,
        hours=every_day("00:00", "24:00"),
        weekly=every_day("00:00", "24:00"),
        buffer=0,
    )
    await policy.set_policy(
        mongo=mongo, actor=salon.owner, policy=policy.BookingPolicy(granularity_min=60, horizon_days=365)
    )

    # when a member asks for the day before spring forward, spring forward itself, and fall back
    counts = {day: len(await free(mongo, salon, day)) for day in (date(2026, 3, 7), SPRING_FORWARD, FALL_BACK)}
    fall_back = [salon.clock(s.start) for s in await free(mongo, salon, FALL_BACK)]

    # then the days have 24, 23 and 25 one-hour starts: 02:00 never happens in March, 01:00 happens twice in
    # November (once in EDT, once in EST)
    assert list(counts.values()) == [24, 23, 25]
    assert [salon.clock(s.start) for s in await free(mongo, salon, SPRING_FORWARD)][:4] == [
        "00:00",
        "01:00",
        "03:00",
        "04:00",
    ]
    assert fall_back[:4] == ["00:00", "01:00", "01:00", "02:00"]


async def test_a_booking_across_the_spring_forward_gap_takes_its_real_duration(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a New York store open around the clock with 30-minute starts and a 60-minute service, no buffer
    salon = await open_salon(
        mongo,
        pii,
        shop,
        timezone="America/New_York",
        staff=1,
        hours=every_day("00:00", "24:00"),
        weekly=every_day("00:00", "24:00"),
        buffer=0,
    )
    await policy.set_policy(mongo=mongo, actor=salon.owner, policy=policy.BookingPolicy(granularity_min=30))
    [guest] = await make_members(mongo, salon.merchant_id, 1)

    # when a member books 01:30 EST on the spring-forward day (06:30Z), an hour of real time
    made = await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=guest.id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=None,
        start=salon.local(SPRING_FORWARD, "01:30"),
        note="",
        idempotency_key=key(),
        now=NOW,
    )

    # then it ends at 03:30 EDT (07:30Z): 03:00 is still taken and 03:30 is free again
    assert (made.booking.start, made.booking.end) == (
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    )
    around = [salon.clock(s.start) for s in await free(mongo, salon, SPRING_FORWARD)][:5]
    assert around == ["00:00", "00:30", "03:30", "04:00", "04:30"]


async def test_slots_can_be_asked_for_one_staff_member(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given two technicians, the second on leave all day
    day = date(2026, 3, 9)
    salon = await open_salon(mongo, pii, shop)
    await schedules.add_exception(
        mongo=mongo,
        actor=salon.owner,
        store_id=salon.store.id,
        staff_id=salon.staff[1].staff.id,
        day=day,
        kind=ExceptionKind.LEAVE,
        start=None,
        end=None,
    )

    # when a member asks for each of them
    first = await free(mongo, salon, day, staff_id=salon.staff[0].staff.id)
    second = await free(mongo, salon, day, staff_id=salon.staff[1].staff.id)

    # then the first works 09:00 to 19:45 (the last start whose 75 minutes end by 21:00), the second not at all
    assert (salon.clock(first[0].start), salon.clock(first[-1].start), len(first)) == ("09:00", "19:45", 44)
    assert second == []


SLOTS = """
query($store: ID!, $service: ID!, $date: Date!) {
  availableSlots(storeId: $store, serviceId: $service, date: $date) { start staffMembers { id name } }
}
"""


def full_calendar(salon: Salon, day: date, member_id: Any) -> list[Doc]:
    """Every technician booked all day but for exact 75-minute gaps (a booking every 150 minutes), written as
    booking documents directly: slots read bookings, so a full calendar needs no trip through the write path."""
    docs: list[Doc] = []
    for colleague in salon.staff:
        start = salon.local(day, "09:00")
        while start + timedelta(minutes=75) <= salon.local(day, "21:00"):
            docs.append(
                {
                    "merchant_id": salon.merchant_id,
                    "store_id": salon.store.id,
                    "member_id": member_id,
                    "service_id": salon.service.id,
                    "service_name": "精剪",
                    "item_id": salon.service.spec.item_id,
                    "staff_id": colleague.staff.id,
                    "resource_id": None,
                    "unit": None,
                    "start": start,
                    "end": start + timedelta(minutes=60),
                    "occupied_until": start + timedelta(minutes=75),
                    "price_fen": 12_800,
                    "deposit_fen": 0,
                    "status": "BOOKED",
                    "hold_expires_at": None,
                    "note": "",
                    "idempotency_key": key(),
                    "booked_by_staff_id": None,
                    "version": 0,
                    "reminder_key": None,
                    "created_at": NOW,
                }
            )
            start += timedelta(minutes=150)
    return docs


async def test_slots_for_thirty_booked_staff_cost_the_same_queries_as_for_one(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a one-technician salon with an empty day, and a thirty-technician salon fully booked that day
    small = await open_salon(mongo, pii, shop, staff=1)
    big = await open_salon(mongo, pii, shop, timezone="Asia/Hong_Kong", staff=30)
    [guest] = await make_members(mongo, small.merchant_id, 1)
    day = small.tomorrow()
    await mongo.db[c.BOOKINGS].insert_many(full_calendar(big, day, guest.id))
    assert await mongo.db[c.BOOKINGS].count_documents({}) == 30 * 5

    # when a member asks each for tomorrow's slots, counting database commands
    results, commands = [], []
    for salon in (small, big):
        variables = {"store": salon.store_gid, "service": salon.service_gid, "date": day.isoformat()}
        with count_commands(mongo) as sent:
            body = await gql("member", SLOTS, variables, token=guest.token)
        results.append(body["data"]["availableSlots"])
        commands.append(list(sent))

    # then both cost the same handful of queries, whatever the number of staff and bookings
    assert commands[0] == commands[1]
    assert len(commands[1]) <= 9
    # and the big salon offers only its gaps, each with all thirty technicians
    assert [big.clock(datetime.fromisoformat(s["start"])) for s in results[1]] == ["10:15", "12:45", "15:15", "17:45"]
    assert all(len(slot["staffMembers"]) == 30 for slot in results[1])
    assert len(results[0]) == 44


ADMIN_SLOTS = """
query($store: ID!, $service: ID!, $date: Date!) {
  availableSlots(storeId: $store, serviceId: $service, date: $date) { start staffMembers { id } }
}
"""
DAY_CALENDAR = """
query($store: ID!, $date: Date!) { dayCalendar(storeId: $store, date: $date) { date columns { shifts { start } } } }
"""


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_a_date_at_either_end_of_the_calendar_is_refused_with_a_typed_error_at_either_door(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, day: str
) -> None:
    # given a salon, one of its members and its owner
    salon = await open_salon(mongo, pii, shop, staff=1)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    variables = {"store": salon.store_gid, "service": salon.service_gid, "date": day}

    # when the member, and the owner, ask for slots on a date no store's wall clock can reach, in English;
    # and the owner for that day's calendar
    asked = [
        ("availableSlots", await gql("member", SLOTS, variables, token=guest.token, lang="en")),
        ("availableSlots", await gql("admin", ADMIN_SLOTS, variables, token=salon.owner_token, lang="en")),
        ("dayCalendar", await gql("admin", DAY_CALENDAR, variables, token=salon.owner_token, lang="en")),
    ]

    # then each is refused with the booking capability's code and message, on the date, not an internal error
    for field, body in asked:
        assert body["data"] == {field: None}
        [error] = body["errors"]
        assert error["extensions"] == {"code": "DATE_OUT_OF_RANGE", "field": "date"}
        assert error["message"] == message("DATE_OUT_OF_RANGE", EN)
