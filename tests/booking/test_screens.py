"""Every booking list screen costs a fixed number of database commands, however many rows it shows: the day
calendar, a member's own bookings (and one of them), a member's bookings for staff, the walk-in queue, the
services a member can book, the stores to book at and the store's setup. Each list is measured with one row and
again with many.
"""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from db.mongo import Mongo
from domain import tenancy
from domain.booking import bookings, queue
from domain.pii import PiiCipher
from tests.booking.conftest import Person, Salon, add_service, key, make_members, open_salon
from tests.conftest import Gql, Shop, count_commands

CALENDAR = """
query($store: ID!, $date: Date!) {
  dayCalendar(storeId: $store, date: $date) {
    date timezone openingHours { start end }
    columns { staffMember { name } shifts { start end }
              bookings { id status start end serviceName staffName memberNickname storeName } }
  }
}
"""
MY_BOOKINGS = """
{
  myBookings(first: 20) {
    edges { node { id status start serviceName storeName staffName } } pageInfo { hasNextPage }
  }
}
"""
MEMBER_BOOKINGS = """
query($member: ID!) {
  memberBookings(memberId: $member) { edges { node { id staffName memberNickname storeName } } }
}
"""
ONE_BOOKING = "query($id: ID!) { booking(id: $id) { id serviceId serviceName storeName staffName } }"
STORES = "{ stores { id name timezone } }"
STORE_QUEUE = "query($store: ID!) { storeQueue(storeId: $store) { number memberNickname } }"
BOOKABLE = "query($store: ID!) { bookableServices(storeId: $store) { name staffMembers { name } } }"
SETUP = """
query($store: ID!) {
  storeBookingSetup(storeId: $store) {
    services { name } resources { name } schedules { staffMemberId } exceptions { date } staffMembers { name }
  }
}
"""


async def measure(gql: Gql, mongo: Mongo, door: str, document: str, variables: dict[str, Any], token: str) -> list[str]:
    with count_commands(mongo) as sent:
        body = await gql(door, document, variables, token=token)
    assert "errors" not in body, body
    return list(sent)


async def book(mongo: Mongo, salon: Salon, guest: Person, day: date, clock: str, staff: int) -> None:
    await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=guest.id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=salon.staff[staff].staff.id,
        start=salon.local(day, clock),
        note="",
        idempotency_key=key(),
    )


async def same_with_more(
    gql: Gql,
    mongo: Mongo,
    door: str,
    document: str,
    variables: dict[str, Any],
    token: str,
    more: Callable[[], Awaitable[None]],
) -> list[str]:
    few = await measure(gql, mongo, door, document, variables, token)
    await more()
    many = await measure(gql, mongo, door, document, variables, token)
    assert few == many
    return many


async def test_every_booking_screen_costs_the_same_commands_for_one_row_or_many(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a salon of three technicians and six members, one of whom booked tomorrow and joined the queue
    salon = await open_salon(mongo, pii, shop, staff=3)
    guests = await make_members(mongo, salon.merchant_id, 6)
    day = salon.tomorrow()
    await book(mongo, salon, guests[0], day, "09:00", 0)
    await queue.join_queue(mongo=mongo, merchant_id=salon.merchant_id, member_id=guests[0].id, store_id=salon.store.id)
    owner, store = salon.owner_token, {"store": salon.store_gid}

    async def five_more_bookings() -> None:
        slots = [("11:00", 1), ("11:00", 2), ("13:00", 1), ("13:00", 2), ("15:00", 0)]
        for guest, (clock, staff) in zip(guests[1:], slots, strict=True):
            await book(mongo, salon, guest, day, clock, staff)

    async def five_more_own_bookings() -> None:
        for clock in ["10:30", "12:00", "16:30", "18:00", "19:30"]:
            await book(mongo, salon, guests[0], day, clock, 0)

    async def two_more_stores() -> None:
        for name in ["徐汇店", "浦东店"]:
            await tenancy.create_store(mongo=mongo, actor=salon.owner, name=name, timezone="Asia/Shanghai")

    async def five_more_waiting() -> None:
        for guest in guests[1:]:
            await queue.join_queue(
                mongo=mongo, merchant_id=salon.merchant_id, member_id=guest.id, store_id=salon.store.id
            )

    async def two_more_services() -> None:
        await add_service(salon, mongo, 30, 0)
        await add_service(salon, mongo, 90, 15)

    # when each screen is loaded with one row, and again with many (counting commands)
    calendar = await same_with_more(
        gql, mongo, "admin", CALENDAR, store | {"date": day.isoformat()}, owner, five_more_bookings
    )
    mine = await same_with_more(gql, mongo, "member", MY_BOOKINGS, {}, guests[0].token, five_more_own_bookings)
    [own] = (await gql("member", MY_BOOKINGS, {}, token=guests[0].token))["data"]["myBookings"]["edges"][:1]
    one = await measure(gql, mongo, "member", ONE_BOOKING, {"id": own["node"]["id"]}, guests[0].token)
    theirs = await measure(gql, mongo, "admin", MEMBER_BOOKINGS, {"member": guests[0].gid}, owner)
    waiting = await same_with_more(gql, mongo, "admin", STORE_QUEUE, store, owner, five_more_waiting)
    bookable = await same_with_more(gql, mongo, "member", BOOKABLE, store, guests[0].token, two_more_services)
    stores = await same_with_more(gql, mongo, "member", STORES, {}, guests[0].token, two_more_stores)
    setup = await measure(gql, mongo, "admin", SETUP, store, owner)

    # then each costs a small fixed number (the staff token's own lookup included for admin screens)
    counts = {
        "calendar": len(calendar),
        "mine": len(mine),
        "one": len(one),
        "theirs": len(theirs),
        "waiting": len(waiting),
        "bookable": len(bookable),
        "stores": len(stores),
        "setup": len(setup),
    }
    assert counts == {
        "calendar": 10,
        "mine": 4,
        "one": 4,
        "theirs": 6,
        "waiting": 4,
        "bookable": 4,
        "stores": 1,
        "setup": 9,
    }
