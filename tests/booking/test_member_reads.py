"""What the mini-program reads besides the booking flow itself: one of the member's own bookings by id (for its
detail and reschedule pages) and the merchant's stores to pick one from. Both are sealed to the member: another
member's or another merchant's booking reads as null, and only the member's merchant's stores are listed.
"""

from datetime import date

from db.mongo import Mongo
from domain import tenancy
from domain.booking import bookings
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.booking.conftest import Person, Salon, key, make_members, open_salon
from tests.conftest import Gql, Shop, open_shop

BOOKING = """
query($id: ID!) { booking(id: $id) { id status start serviceId serviceName storeId storeName staffName } }
"""
STORES = "{ stores { id name timezone } }"


async def book(mongo: Mongo, salon: Salon, guest: Person, day: date) -> str:
    made = await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=guest.id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=salon.staff[0].staff.id,
        start=salon.local(day, "10:00"),
        note="",
        idempotency_key=key(),
    )
    return to_global_id("Booking", made.booking.id)


async def test_a_member_reads_their_own_booking_with_its_service_and_nobody_elses(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member's booking tomorrow at 10:00, and another member of the same salon
    salon = await open_salon(mongo, pii, shop)
    guest, other = await make_members(mongo, salon.merchant_id, 2)
    booking_id = await book(mongo, salon, guest, salon.tomorrow())

    # when the member, the other member, and the member with an id that names nothing ask for it
    mine = await gql("member", BOOKING, {"id": booking_id}, token=guest.token)
    theirs = await gql("member", BOOKING, {"id": booking_id}, token=other.token)
    unknown = await gql("member", BOOKING, {"id": to_global_id("Booking", salon.service.id)}, token=guest.token)

    # then the member sees it with the service to find free slots for, and the others see null
    assert mine["data"]["booking"] == {
        "id": booking_id,
        "status": "BOOKED",
        "start": salon.local(salon.tomorrow(), "10:00").isoformat(),
        "serviceId": salon.service_gid,
        "serviceName": "精剪",
        "storeId": salon.store_gid,
        "storeName": salon.store.name,
        "staffName": "技师1",
    }
    assert theirs == {"data": {"booking": None}}
    assert unknown == {"data": {"booking": None}}


async def test_another_merchants_booking_reads_as_null(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a booking at a salon of another merchant
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    booking_id = await book(mongo, salon, guest, salon.tomorrow())
    elsewhere = await open_shop(mongo, pii, "13900000009", "乙店")
    [stranger] = await make_members(mongo, elsewhere.merchant.merchant.id, 1)

    # when that merchant's member asks for it by its id
    body = await gql("member", BOOKING, {"id": booking_id}, token=stranger.token)

    # then it is null, as for an id that names nothing
    assert body == {"data": {"booking": None}}


async def test_a_member_sees_only_their_merchants_stores(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given the member's merchant with two stores, and another merchant with its own
    owner = shop.merchant.owner
    second = await tenancy.create_store(mongo=mongo, actor=owner, name="徐汇店", timezone="Asia/Shanghai")
    await open_shop(mongo, pii, "13900000009", "乙店")
    [guest] = await make_members(mongo, owner.merchant_id, 1)

    # when the member lists the stores
    body = await gql("member", STORES, {}, token=guest.token)

    # then both of their merchant's stores are there, oldest first, and none of the other merchant's
    first = shop.merchant.store
    assert body["data"]["stores"] == [
        {"id": to_global_id("Store", first.id), "name": "甲店一号店", "timezone": "Asia/Shanghai"},
        {"id": to_global_id("Store", second.id), "name": "徐汇店", "timezone": "Asia/Shanghai"},
    ]
