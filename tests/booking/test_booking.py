"""Booking a service: the member picks a start from availableSlots (with or without a staff member), gets a
confirmation and a reminder in the outbox, and every way a start can be wrong has its own user error.
"""

from datetime import timedelta

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking import policy, schedules
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.booking.conftest import Salon, add_service, every_day, key, make_members, oid, open_salon, outbox
from tests.conftest import Gql, Shop

BOOK = """
mutation($input: BookInput!) {
  book(input: $input) {
    booking { id status start end serviceName storeName staffMemberId staffName priceFen depositFen note }
    userErrors { field code message }
  }
}
"""

BOOK_FOR_MEMBER = """
mutation($input: BookForMemberInput!) {
  bookForMember(input: $input) {
    booking { id status start memberId memberNickname staffName bookedByStaffMemberId }
    userErrors { field code }
  }
}
"""


def book_input(salon: Salon, start: str, **extra: object) -> dict[str, object]:
    return {"storeId": salon.store_gid, "serviceId": salon.service_gid, "start": start, "idempotencyKey": key()} | extra


async def test_member_books_a_slot_and_gets_a_confirmation_and_a_reminder(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a salon open 09:00-21:00 with two technicians and a 60-minute cut with 15 minutes to tidy up
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    start = salon.local(salon.tomorrow(), "10:00")

    # when the member books tomorrow 10:00 with the first technician
    variables = {"input": book_input(salon, start.isoformat(), staffId=salon.staff[0].gid, note="靠窗")}
    body = await gql("member", BOOK, variables, token=guest.token)

    # then the booking is BOOKED for an hour with that technician, at the service's price
    payload = body["data"]["book"]
    assert payload["userErrors"] == []
    booking = payload["booking"]
    assert booking["status"] == "BOOKED"
    assert (booking["start"], booking["end"]) == (start.isoformat(), (start + timedelta(hours=1)).isoformat())
    assert (booking["staffName"], booking["serviceName"], booking["priceFen"], booking["note"]) == (
        "技师1",
        "精剪",
        12_800,
        "靠窗",
    )
    # and the technician is taken for 75 minutes in 5-minute cells
    assert await mongo.db[c.BOOKING_CELLS].count_documents({"booking_id": oid("Booking", booking["id"])}) == 15
    # and the outbox holds the confirmation and a reminder due two hours before the start
    [confirmed] = await outbox(mongo, "BOOKING_CONFIRMED")
    [reminder] = await outbox(mongo, "BOOKING_REMINDER")
    assert confirmed["payload"]["booking_id"] == oid("Booking", booking["id"])
    assert (reminder["status"], reminder["due_at"]) == ("PENDING", start - timedelta(hours=2))


async def test_without_a_staff_member_the_least_booked_qualified_one_is_assigned(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given three technicians of whom the first two already have a booking tomorrow
    salon = await open_salon(mongo, pii, shop, staff=3)
    guests = await make_members(mongo, salon.merchant_id, 3)
    day = salon.tomorrow()
    for guest, colleague, clock in zip(guests, salon.staff, ["09:00", "12:00"], strict=False):
        variables = {"input": book_input(salon, salon.local(day, clock).isoformat(), staffId=colleague.gid)}
        assert (await gql("member", BOOK, variables, token=guest.token))["data"]["book"]["userErrors"] == []

    # when the third member books 15:00 without choosing
    variables = {"input": book_input(salon, salon.local(day, "15:00").isoformat())}
    body = await gql("member", BOOK, variables, token=guests[2].token)

    # then the third technician, with no bookings that day, gets it
    assert body["data"]["book"]["booking"]["staffName"] == "技师3"


async def test_a_retried_booking_returns_the_first_booking(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a member who booked with an idempotency key
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    variables = {"input": book_input(salon, salon.local(salon.tomorrow(), "10:00").isoformat())}
    first = await gql("member", BOOK, variables, token=guest.token)

    # when the app retries the same request
    again = await gql("member", BOOK, variables, token=guest.token)

    # then the same booking comes back and nothing more was booked
    assert again["data"]["book"]["booking"]["id"] == first["data"]["book"]["booking"]["id"]
    assert await mongo.db[c.BOOKINGS].count_documents({}) == 1


async def test_each_wrong_start_has_its_own_error(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a salon open 09:00-21:00 whose second technician works mornings only and does not do colouring,
    # and a merchant who lets members book 7 days ahead
    salon = await open_salon(mongo, pii, shop)
    await policy.set_policy(mongo=mongo, actor=salon.owner, policy=policy.BookingPolicy(horizon_days=7))
    await schedules.set_staff_schedule(
        mongo=mongo,
        actor=salon.owner,
        store_id=salon.store.id,
        staff_id=salon.staff[1].staff.id,
        weekly=every_day("09:00", "12:00"),
    )
    colour = await add_service(salon, mongo, 120, 0, name="染发", staff_ids=(salon.staff[0].staff.id,))
    [guest, other] = await make_members(mongo, salon.merchant_id, 2)
    day = salon.tomorrow()
    taken = book_input(salon, salon.local(day, "10:00").isoformat(), staffId=salon.staff[0].gid)
    assert (await gql("member", BOOK, {"input": taken}, token=other.token))["data"]["book"]["userErrors"] == []

    cases = {
        "BOOKING_IN_PAST": book_input(salon, salon.local(day - timedelta(days=2), "10:00").isoformat()),
        "BEYOND_BOOKING_HORIZON": book_input(salon, salon.local(day + timedelta(days=8), "10:00").isoformat()),
        "START_NOT_ON_SLOT": book_input(salon, salon.local(day, "10:07").isoformat()),
        "OUTSIDE_OPENING_HOURS": book_input(salon, salon.local(day, "20:30").isoformat()),
        "STAFF_NOT_WORKING": book_input(salon, salon.local(day, "14:00").isoformat(), staffId=salon.staff[1].gid),
        "STAFF_NOT_QUALIFIED": book_input(salon, salon.local(day, "14:00").isoformat(), staffId=salon.staff[1].gid)
        | {"serviceId": to_global_id("Service", colour.id)},
        "SLOT_TAKEN": book_input(salon, salon.local(day, "10:30").isoformat(), staffId=salon.staff[0].gid),
        "START_TIMEZONE_REQUIRED": book_input(salon, f"{day.isoformat()}T10:00:00"),
        "SERVICE_NOT_FOUND": book_input(salon, salon.local(day, "10:00").isoformat())
        | {"serviceId": to_global_id("Service", ObjectId())},
        "NOTE_TOO_LONG": book_input(salon, salon.local(day, "16:00").isoformat(), note="长" * 201),
        "IDEMPOTENCY_KEY_INVALID": book_input(salon, salon.local(day, "16:00").isoformat()) | {"idempotencyKey": "  "},
    }

    # when the member tries each
    codes = {}
    for expected, variables in cases.items():
        body = await gql("member", BOOK, {"input": variables}, token=guest.token)
        codes[expected] = [e["code"] for e in body["data"]["book"]["userErrors"]]

    # then each is refused with its own code, and nothing was booked for this member
    assert codes == {code: [code] for code in cases}
    assert await mongo.db[c.BOOKINGS].count_documents({"member_id": guest.id}) == 0


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("0001-01-01T00:00:00+08:00", "BOOKING_IN_PAST"),
        ("9999-12-31T10:00:00+08:00", "BEYOND_BOOKING_HORIZON"),
        ("9999-12-31T23:00:00-08:00", "BEYOND_BOOKING_HORIZON"),
    ],
)
async def test_a_start_at_either_end_of_the_calendar_is_in_the_past_or_beyond_the_horizon(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, start: str, code: str
) -> None:
    # given a salon and a member
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)

    # when the member asks for a start whose store-local day, or UTC instant, Python's calendar cannot hold
    body = await gql("member", BOOK, {"input": book_input(salon, start)}, token=guest.token)

    # then it is refused as too early or too far ahead, and nothing was booked
    assert [(e["field"], e["code"]) for e in body["data"]["book"]["userErrors"]] == [("start", code)]
    assert await mongo.db[c.BOOKINGS].count_documents({}) == 0


async def test_staff_book_for_a_member_of_their_merchant(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a salon and a member who phoned in
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    desk = salon.staff[1]
    start = salon.local(salon.tomorrow(), "11:00")

    # when a technician books for the member
    variables = {"input": book_input(salon, start.isoformat(), memberId=guest.gid)}
    body = await gql("admin", BOOK_FOR_MEMBER, variables, token=desk.token)

    # then the member has the booking, and it says who made it
    booking = body["data"]["bookForMember"]["booking"]
    assert (booking["memberId"], booking["memberNickname"], booking["bookedByStaffMemberId"]) == (
        guest.gid,
        "顾客0",
        desk.gid,
    )
    # and the member sees it in their own list
    mine = await gql("member", "{ myBookings { edges { node { id start } } } }", token=guest.token)
    assert [e["node"]["id"] for e in mine["data"]["myBookings"]["edges"]] == [booking["id"]]
