"""No double booking under concurrency: fifty members racing for one technician and start get exactly one
booking; random pairs of overlapping bookings of different lengths never both succeed while disjoint pairs
always do (hypothesis); a resource of two units takes exactly two overlapping bookings.
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import hypothesis
from bson import ObjectId
from hypothesis import strategies as st

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain.booking import bookings, catalog, lifecycle, policy, views
from domain.booking.errors import BookingCode, BookingError
from domain.pii import PiiCipher
from domain.tenancy import Staff
from startup.settings import Settings
from tests.booking.conftest import Salon, add_service, key, make_members, open_salon
from tests.conftest import Gql, Shop

BOOK = """
mutation($input: BookInput!) {
  book(input: $input) { booking { id } userErrors { code } }
}
"""


async def test_fifty_members_racing_for_one_start_get_exactly_one_booking(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one technician and fifty members who all want tomorrow 10:00 with them
    salon = await open_salon(mongo, pii, shop, staff=1)
    guests = await make_members(mongo, salon.merchant_id, 50)
    start = salon.local(salon.tomorrow(), "10:00").isoformat()

    # when they all book at once
    def variables() -> dict[str, Any]:
        return {
            "input": {
                "storeId": salon.store_gid,
                "serviceId": salon.service_gid,
                "staffId": salon.staff[0].gid,
                "start": start,
                "idempotencyKey": key(),
            }
        }

    bodies = await asyncio.gather(*(gql("member", BOOK, variables(), token=g.token) for g in guests))

    # then exactly one got it and the other forty-nine were told the slot is taken
    outcomes = [b["data"]["book"] for b in bodies]
    assert sum(1 for o in outcomes if o["booking"]) == 1
    assert sorted(e["code"] for o in outcomes for e in o["userErrors"]) == ["SLOT_TAKEN"] * 49
    # and the database holds one booking, its 15 cells and one confirmation
    assert await mongo.db[c.BOOKINGS].count_documents({}) == 1
    assert await mongo.db[c.BOOKING_CELLS].count_documents({}) == 15
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "BOOKING_CONFIRMED"}) == 1


async def test_a_resource_of_two_units_takes_exactly_two_overlapping_bookings(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a car wash with two bays and four washers, each wash needing a bay
    owner = shop.merchant.owner
    bays = await catalog.create_resource(
        mongo=mongo,
        actor=owner,
        store_id=shop.merchant.store.id,
        name="洗车位",
        kind=catalog.ResourceKind.CAR_BAY,
        capacity=2,
    )
    salon = await open_salon(mongo, pii, shop, staff=4, resource_id=bays.id)
    guests = await make_members(mongo, salon.merchant_id, 4)
    start = salon.local(salon.tomorrow(), "10:00")

    # when four members book the same start with four different washers at once
    results = await asyncio.gather(
        *(
            bookings.member_book(
                mongo=mongo,
                merchant_id=salon.merchant_id,
                member_id=g.id,
                store_id=salon.store.id,
                service_id=salon.service.id,
                staff_id=colleague.staff.id,
                start=start,
                note="",
                idempotency_key=key(),
            )
            for g, colleague in zip(guests, salon.staff, strict=True)
        ),
        return_exceptions=True,
    )

    # then two got a bay each (units 0 and 1) and two were told the slot is taken
    made = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BookingError)]
    assert sorted(m.booking.unit or 0 for m in made) == [0, 1]
    assert [r.code for r in refused] == [BookingCode.SLOT_TAKEN] * 2


@dataclass(frozen=True)
class Arena:
    """What the hypothesis examples book against: one technician working all day, services of several
    lengths and buffers, 5-minute starts, and the members who race."""

    settings: Settings
    salon: Salon
    services: list[catalog.Service]
    members: list[ObjectId]
    day: date


# (duration, buffer) in minutes: overlapping intervals of different lengths, with and without buffers.
LENGTHS = [(5, 0), (15, 5), (30, 0), (45, 15), (60, 10), (90, 0)]
starts = st.integers(min_value=0, max_value=36)  # 5-minute steps after 10:00
lengths = st.integers(min_value=0, max_value=len(LENGTHS) - 1)


def _race_pairs(arena: Arena) -> None:
    loop = asyncio.new_event_loop()
    mongo = open_mongo(arena.settings.mongodb_uri.get_secret_value(), arena.settings.mongodb_db)
    owner: Staff = arena.salon.owner
    opening = arena.salon.local(arena.day, "10:00")

    async def book(member: ObjectId, offset: int, length: int) -> views.BookingView | None:
        try:
            return await bookings.member_book(
                mongo=mongo,
                merchant_id=owner.merchant_id,
                member_id=member,
                store_id=arena.salon.store.id,
                service_id=arena.services[length].id,
                staff_id=None,
                start=opening + timedelta(minutes=5 * offset),
                note="",
                idempotency_key=key(),
            )
        except BookingError as e:
            assert e.code is BookingCode.SLOT_TAKEN, e.code
            return None

    async def race(*calls: Coroutine[Any, Any, views.BookingView | None]) -> list[views.BookingView | None]:
        return list(await asyncio.gather(*calls))

    @hypothesis.settings(max_examples=25, deadline=None, database=None)
    @hypothesis.given(a=starts, b=starts, la=lengths, lb=lengths)
    def pair(a: int, b: int, la: int, lb: int) -> None:
        # when two members book these intervals at the same moment
        made = loop.run_until_complete(race(book(arena.members[0], a, la), book(arena.members[1], b, lb)))
        won = [m for m in made if m is not None]
        # then overlapping intervals (service plus buffer) get one booking, disjoint ones get both
        ends = [5 * a + sum(LENGTHS[la]), 5 * b + sum(LENGTHS[lb])]
        overlap = 5 * a < ends[1] and 5 * b < ends[0]
        assert len(won) == (1 if overlap else 2), (a, la, b, lb)
        for view in won:
            loop.run_until_complete(
                lifecycle.staff_cancel(mongo=mongo, actor=owner, booking_id=view.booking.id, reason="下一轮")
            )

    try:
        pair()
    finally:
        loop.run_until_complete(mongo.close())
        loop.close()


async def test_overlapping_bookings_of_any_lengths_never_both_succeed(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one technician, services of six lengths and buffers, and starts every 5 minutes
    salon = await open_salon(mongo, pii, shop, staff=1)
    await policy.set_policy(mongo=mongo, actor=salon.owner, policy=policy.BookingPolicy(granularity_min=5))
    services = [await add_service(salon, mongo, d, b) for d, b in LENGTHS]
    members = [m.id for m in await make_members(mongo, salon.merchant_id, 2)]
    arena = Arena(settings, salon, services, members, salon.tomorrow())

    # when hypothesis races random pairs of (start, length) against each other, cancelling after each pair
    # then (checked per pair) overlaps yield exactly one booking and disjoint pairs two
    await asyncio.to_thread(_race_pairs, arena)
    assert await mongo.db[c.BOOKING_CELLS].count_documents({}) == 0
    assert await mongo.db[c.BOOKINGS].count_documents({"status": {"$ne": "CANCELLED"}}) == 0
