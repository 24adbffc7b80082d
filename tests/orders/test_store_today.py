"""The staff app's Home (工作台): a store's takings today net of today's refunds, the orders paid, who joined,
the bookings still to come and the to-do counters, for any role in the store's scope (dead letters for the owner
alone, a technician's own bookings), at a fixed number of indexed commands however many orders there are.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import store_today, tenancy
from domain.booking import bookings, lifecycle
from domain.booking.wallclock import day_span
from domain.jobs import dead_letters
from domain.outbox import entry_from_doc
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal
from schema.ids import to_global_id
from tests.booking.conftest import Salon, open_salon
from tests.checkout.conftest import cashier, counter_sale, give, key, refund, shopper, staff_pay
from tests.checkout.test_counter import counter_order
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import SIGNER, make_member, make_staff, store_gid
from tests.workers.conftest import event

HOME = """
query($store: ID!) {
  storeToday(storeId: $store) {
    store { name } date takingsFen paidOrders newMembers upcomingBookings
    toDo { arrivalsDue refundsInProgress deadLetters }
  }
  unreadAlertCount
}
"""


def _owner_token(shop: Shop) -> str:
    """The owner's token, minted (no argon2 sign-in per refund)."""
    owner = shop.merchant.owner
    return SIGNER.sign(Principal(Audience.ADMIN, owner.id, owner.merchant_id), datetime.now(UTC))[0]


async def _home(gql: Gql, token: str, store: str) -> dict[str, Any] | None:
    body = await gql("admin", HOME, {"store": store}, token=token)
    assert "errors" not in body, body
    home: dict[str, Any] | None = body["data"]["storeToday"]
    return home


async def test_the_home_shows_money_taken_today_net_of_todays_refunds(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given at the store today: a 100 yuan cash sale of which 30 yuan was refunded, a 50 yuan sale paid from
    # stored value of which 10 yuan went back to the card, and an order nobody paid
    staff = await cashier(mongo, pii, shop)
    walk_in = await counter_order(gql, staff, shop, 10_000, None)
    await staff_pay(gql, staff, walk_in, "CASH")
    await refund(gql, _owner_token(shop), walk_in, 3_000)
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(5_000, 0))
    from_card = await counter_order(gql, staff, shop, 5_000, member.gid)
    await staff_pay(gql, staff, from_card, "STORED_VALUE")
    await refund(gql, _owner_token(shop), from_card, 1_000)
    await counter_order(gql, staff, shop, 8_000, None)
    # and a cash sale at the merchant's other store, and a member who joined yesterday
    other = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    await counter_sale(mongo, shop, other.id, 20_000)
    yesterday = ObjectId.from_datetime(datetime.now(UTC) - timedelta(days=2))
    await mongo.db[c.MEMBERS].insert_one({"_id": yesterday, "merchant_id": shop.merchant.merchant.id})

    # when the cashier opens the Home of their store
    home = await _home(gql, staff.token, store_gid(shop))

    # then the money in is the cash less its refund (stored value was money when topped up), two orders were
    # paid, and one member joined today; a cashier is not shown the dead letters
    assert home == {
        "store": {"name": "甲店一号店"},
        "date": datetime.now(ZoneInfo(shop.merchant.store.timezone)).date().isoformat(),
        "takingsFen": 7_000,
        "paidOrders": 2,
        "newMembers": 1,
        "upcomingBookings": 0,
        "toDo": {"arrivalsDue": 0, "refundsInProgress": 0, "deadLetters": None},
    }


@pytest.mark.dead_letters
async def test_the_owner_alone_sees_the_dead_letters_waiting(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given an event whose handling failed for good, and a manager of the store
    entry = await mongo.db[c.OUTBOX].find_one({"_id": await event(mongo, shop, "TEST_BUGGY")})
    assert entry is not None
    await dead_letters.bury(mongo=mongo, entry=entry_from_doc(entry), error="KeyError: 'x'", now=datetime.now(UTC))
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000031")

    # when each opens the Home
    seen = [await _home(gql, token, store_gid(shop)) for token in (owner_token, manager.token)]

    # then the owner's counts it and the manager's has none to show
    assert [home["toDo"]["deadLetters"] if home else "no home" for home in seen] == [1, None]


async def test_a_store_outside_your_scope_has_no_home(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a cashier of a second store only
    other = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    staff = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000032", store_ids=[other.id])

    # when they ask for the first store's Home, their own, and a store id nobody has
    theirs = await _home(gql, staff.token, to_global_id("Store", other.id))
    first = await _home(gql, staff.token, store_gid(shop))
    nobodys = await _home(gql, staff.token, to_global_id("Store", ObjectId()))

    # then only their own store has one
    assert theirs is not None and theirs["store"] == {"name": "二号店"}
    assert (first, nobodys) == (None, None)


async def _salon_day(mongo: Mongo, pii: PiiCipher, shop: Shop) -> tuple[Salon, Any]:
    """A salon with two technicians booked tomorrow: the first at 09:00 and 14:00, the second at 10:00 and, the
    day after, 10:00 again; each booked at 08:00 that day."""
    salon = await open_salon(mongo, pii, shop)
    day = salon.tomorrow()
    member = await make_member(mongo, shop, "guest")
    for staff, when, clock in (
        (0, day, "09:00"),
        (0, day, "14:00"),
        (1, day, "10:00"),
        (1, day + timedelta(1), "10:00"),
    ):
        await bookings.member_book(
            mongo=mongo,
            merchant_id=salon.merchant_id,
            member_id=member.id,
            store_id=salon.store.id,
            service_id=salon.service.id,
            staff_id=salon.staff[staff].staff.id,
            start=salon.local(when, clock),
            note="",
            idempotency_key=key(),
            now=salon.local(day, "08:00"),
        )
    return salon, day


async def test_bookings_to_come_and_arrivals_due_read_the_store_clock_and_a_technician_sees_their_own(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given the salon's day, looked at 09:30: the 09:00 guest is late, the 10:00 one due within the hour
    salon, day = await _salon_day(mongo, pii, shop)
    now = salon.local(day, "09:30")

    # when the owner and the first technician look at the store's day
    owners = await store_today.store_today(mongo=mongo, actor=salon.owner, store_id=salon.store.id, now=now)
    technicians = await store_today.store_today(
        mongo=mongo, actor=salon.staff[0].staff, store_id=salon.store.id, now=now
    )

    # then the owner sees 10:00 and 14:00 to come, and 09:00 (late) and 10:00 due; the technician only their own
    assert (owners.day, owners.upcoming_bookings, owners.to_do.arrivals_due) == (day, 2, 2)
    assert (technicians.upcoming_bookings, technicians.to_do.arrivals_due) == (1, 1)
    # and once the late guest is checked in, they are no longer awaited
    [late] = await mongo.db[c.BOOKINGS].find({"start": salon.local(day, "09:00")}).to_list()
    await lifecycle.check_in(mongo=mongo, actor=salon.owner, booking_id=late["_id"], now=now)
    after = await store_today.store_today(mongo=mongo, actor=salon.owner, store_id=salon.store.id, now=now)
    assert (after.upcoming_bookings, after.to_do.arrivals_due) == (2, 1)


async def test_the_home_costs_the_same_for_one_order_or_many(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one cash sale today with a refund
    staff = await cashier(mongo, pii, shop)

    async def sales(n: int) -> None:
        for _ in range(n):
            order = await counter_order(gql, staff, shop, 1_000, None)
            await staff_pay(gql, staff, order, "CASH")
            await refund(gql, _owner_token(shop), order, 100)

    await sales(1)
    with count_commands(mongo) as one:
        await _home(gql, owner_token, store_gid(shop))
    # and then eight more
    await sales(8)

    # when the owner opens the Home again
    with count_commands(mongo) as many:
        home = await _home(gql, owner_token, store_gid(shop))

    # then the same commands: who asks, the store, then one each for the money in, the money refunded, refunds
    # in progress, bookings, new members and dead letters; and for the bell, who asks and the unread alerts' count
    # (the two fields resolve side by side, so their commands interleave)
    assert home is not None and (home["takingsFen"], home["paidOrders"]) == (9 * 900, 9)
    assert sorted(many) == sorted(one) == sorted(["find", "find"] + ["aggregate"] * 6 + ["find", "aggregate"])


def _stages(plan: Any) -> list[str]:
    """Every `stage` named anywhere in an explain document."""
    if isinstance(plan, dict):
        found = [plan["stage"]] if isinstance(plan.get("stage"), str) else []
        return found + [s for v in plan.values() for s in _stages(v)]
    if isinstance(plan, list):
        return [s for v in plan for s in _stages(v)]
    return []


async def _plan(mongo: Mongo, collection: str, pipeline: list[Doc]) -> Any:
    command = {"aggregate": collection, "pipeline": pipeline, "cursor": {}}
    return await mongo.db.command("explain", command, verbosity="queryPlanner")


async def test_every_figure_of_the_home_is_read_through_an_index(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a store's day
    salon, day = await _salon_day(mongo, pii, shop)
    merchant_id, span = salon.merchant_id, day_span(day, salon.zone)
    now = salon.local(day, "09:30")

    # when each of the Home's commands is explained
    plans = {
        "paid": await _plan(mongo, c.ORDERS, store_today.paid_pipeline(merchant_id, salon.store.id, span)),
        "refunded": await _plan(mongo, c.REFUNDS, store_today.refunded_pipeline(merchant_id, salon.store.id, span)),
        "refunding": await _plan(
            mongo, c.ORDERS, [{"$match": store_today.refunding_filter(merchant_id, salon.store.id)}]
        ),
        "bookings": await _plan(
            mongo, c.BOOKINGS, store_today.bookings_pipeline(merchant_id, salon.store.id, None, span, now)
        ),
        "joined": await _plan(mongo, c.MEMBERS, [{"$match": store_today.joined_filter(merchant_id, span)}]),
        "dead": await _plan(mongo, c.DEAD_LETTERS, [{"$match": store_today.dead_filter(merchant_id)}]),
    }

    # then each reads an index, never the whole collection
    assert {name: "COLLSCAN" not in _stages(p) and "IXSCAN" in _stages(p) for name, p in plans.items()} == {
        name: True for name in plans
    }, plans
