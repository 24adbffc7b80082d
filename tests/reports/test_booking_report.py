"""The booking report (预约报表) with exact figures for one salon day: bookings, a no-show, a cancellation that
does not count, a booking the next day outside the range, leave taken off a technician's hours; who may read it.
"""

import uuid
from datetime import date, timedelta
from typing import Any

from bson import ObjectId

from db.mongo import Mongo
from domain import tenancy
from domain.booking import bookings, lifecycle, schedules
from domain.booking.schedules import ExceptionKind
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.booking.conftest import Salon, make_members, open_salon
from tests.conftest import Gql, Shop, count_commands, open_shop
from tests.coupons.conftest import make_staff
from tests.reports.conftest import owner_token
from tests.tenancy.conftest import forbidden

BOOKING_REPORT = """
query($store: ID!, $from: Date!, $to: Date!) {
  bookingReport(storeId: $store, from: $from, to: $to) {
    bookings {
      bookings noShows noShowRatePercent
      staff { staffMember { name } bookedMinutes scheduledMinutes utilizationPercent }
    }
    userErrors { field code }
  }
}
"""


async def book(mongo: Mongo, salon: Salon, member_id: ObjectId, staff: int, day: date, clock: str) -> ObjectId:
    made = await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=member_id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=salon.staff[staff].staff.id,
        start=salon.local(day, clock),
        note="",
        idempotency_key=uuid.uuid4().hex,
    )
    return made.booking.id


async def ask(gql: Gql, token: str, store_id: ObjectId, first: date, last: date) -> dict[str, Any]:
    variables = {"store": to_global_id("Store", store_id), "from": first.isoformat(), "to": last.isoformat()}
    body = await gql("admin", BOOKING_REPORT, variables, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["bookingReport"]
    return payload


async def given_a_salon_day(mongo: Mongo, pii: PiiCipher, shop: Shop) -> tuple[Salon, date]:
    """Two technicians working 09:00-21:00 daily, 60-minute visits. Tomorrow: 技师1 has 10:00 and 12:00 (a
    no-show), 技师2 has 14:00 and 16:00 (cancelled) and leave until 13:00; 技师1 also has 10:00 the day after."""
    salon = await open_salon(mongo, pii, shop, staff=2)
    day = salon.tomorrow()
    a, b, c, d, e = (m.id for m in await make_members(mongo, salon.merchant_id, 5))
    await book(mongo, salon, a, 0, day, "10:00")
    no_show = await book(mongo, salon, b, 0, day, "12:00")
    await book(mongo, salon, c, 1, day, "14:00")
    cancelled = await book(mongo, salon, d, 1, day, "16:00")
    await book(mongo, salon, e, 0, day + timedelta(days=1), "10:00")
    owner = salon.owner
    await lifecycle.mark_no_show(mongo=mongo, actor=owner, booking_id=no_show, now=salon.local(day, "12:30"))
    await lifecycle.staff_cancel(mongo=mongo, actor=owner, booking_id=cancelled, reason="技师临时有事")
    await schedules.add_exception(
        mongo=mongo,
        actor=owner,
        store_id=salon.store.id,
        staff_id=salon.staff[1].staff.id,
        day=day,
        kind=ExceptionKind.LEAVE,
        start="09:00",
        end="13:00",
    )
    return salon, day


async def test_the_booking_report_counts_no_shows_and_booked_against_scheduled_minutes(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given the salon's day tomorrow
    salon, day = await given_a_salon_day(mongo, pii, shop)

    # when the owner reads tomorrow's booking report
    with count_commands(mongo) as commands:
        payload = await ask(gql, owner_token(shop), salon.store.id, day, day)

    # then three bookings count (the cancelled one does not), one a no-show; 技师1 booked 120 of 720 minutes,
    # 技师2 60 of the 480 left after leave; in a fixed number of commands
    assert payload == {
        "bookings": {
            "bookings": 3,
            "noShows": 1,
            "noShowRatePercent": 33.3,
            "staff": [
                {
                    "staffMember": {"name": "技师1"},
                    "bookedMinutes": 120,
                    "scheduledMinutes": 720,
                    "utilizationPercent": 16.7,
                },
                {
                    "staffMember": {"name": "技师2"},
                    "bookedMinutes": 60,
                    "scheduledMinutes": 480,
                    "utilizationPercent": 12.5,
                },
            ],
        },
        "userErrors": [],
    }
    assert len([c for c in commands if c in ("find", "aggregate")]) <= 8, commands

    # and over two days the next day's booking and a second day of hours count too
    two_days = await ask(gql, owner_token(shop), salon.store.id, day, day + timedelta(days=1))
    assert two_days["bookings"]["bookings"] == 4
    assert [(s["bookedMinutes"], s["scheduledMinutes"]) for s in two_days["bookings"]["staff"]] == [
        (180, 1_440),
        (60, 1_200),
    ]


async def test_only_owners_and_managers_of_the_store_read_its_booking_report(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given the salon, a manager of another store only, a technician, and another merchant's store
    salon, day = await given_a_salon_day(mongo, pii, shop)
    elsewhere = await tenancy.create_store(
        mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai"
    )
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000012", store_ids=[elsewhere.id])
    technician = await make_staff(mongo, pii, shop, tenancy.Role.TECHNICIAN, "13700000013")
    other = await open_shop(mongo, pii, "13900000019", name="乙店")

    # when each asks for the salon's report (and the owner for another merchant's store, and a backwards range)
    managers = await ask(gql, manager.token, salon.store.id, day, day)
    technicians = await gql(
        "admin",
        BOOKING_REPORT,
        {"store": to_global_id("Store", salon.store.id), "from": day.isoformat(), "to": day.isoformat()},
        token=technician.token,
    )
    foreign = await ask(gql, owner_token(shop), other.merchant.store.id, day, day)
    backwards = await ask(gql, owner_token(shop), salon.store.id, day, day - timedelta(days=1))
    own_store = await ask(gql, manager.token, elsewhere.id, day, day)

    # then a store outside the scope reads as unknown, as another merchant's does; a technician is refused
    assert managers == {"bookings": None, "userErrors": [{"field": "storeId", "code": "STORE_NOT_FOUND"}]}
    assert foreign == {"bookings": None, "userErrors": [{"field": "storeId", "code": "STORE_NOT_FOUND"}]}
    assert forbidden(technicians)
    assert backwards == {"bookings": None, "userErrors": [{"field": "to", "code": "RANGE_INVALID"}]}
    assert own_store["bookings"] == {"bookings": 0, "noShows": 0, "noShowRatePercent": 0.0, "staff": []}
