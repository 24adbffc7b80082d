"""After booking: cancelling (members until the cut-off, staff always with a reason) cancels the reminder and
frees the time; rescheduling moves the cells and the reminder; check-in and completion (with a count-card use
taken once); no-shows; and deposit holds that block others only until they expire.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from db import collections as c
from db.mongo import Mongo
from domain.booking import bookings, lifecycle, policy, views
from domain.booking.errors import BookingCode, BookingError
from domain.cards.card import issue_card
from domain.cards.count_cards import grant_count_card, live_count_cards
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.booking.conftest import Person, Salon, book_tomorrow, key, make_members, oid, open_salon, outbox
from tests.conftest import Gql, Shop

BOOK = """
mutation($input: BookInput!) { book(input: $input) { booking { id status start } userErrors { code } } }
"""
MEMBER_CANCEL = """
mutation($id: ID!) { cancelBooking(input: {bookingId: $id}) { booking { id status } userErrors { field code } } }
"""
STAFF_CANCEL = """
mutation($id: ID!, $reason: String!) {
  cancelBooking(input: {bookingId: $id, reason: $reason}) { booking { id status cancelReason } userErrors { code } }
}
"""
MEMBER_RESCHEDULE = """
mutation($id: ID!, $start: DateTime!) {
  rescheduleBooking(input: {bookingId: $id, start: $start}) { booking { id status start } userErrors { code } }
}
"""
CHECK_IN = "mutation($id: ID!) { checkInBooking(input: {bookingId: $id}) { booking { status } userErrors { code } } }"
COMPLETE = """
mutation($id: ID!, $card: ID) {
  completeBooking(input: {bookingId: $id, countCardId: $card}) { booking { status countCardId } userErrors { code } }
}
"""
NO_SHOW = "mutation($id: ID!) { markNoShow(input: {bookingId: $id}) { booking { status } userErrors { code } } }"


async def book(gql: Gql, salon: Salon, guest: Person, clock: str) -> str:
    variables = {
        "input": {
            "storeId": salon.store_gid,
            "serviceId": salon.service_gid,
            "start": salon.local(salon.tomorrow(), clock).isoformat(),
            "idempotencyKey": key(),
        }
    }
    body = await gql("member", BOOK, variables, token=guest.token)
    assert body["data"]["book"]["userErrors"] == [], body
    return str(body["data"]["book"]["booking"]["id"])


async def test_member_cancels_before_the_cut_off_and_the_reminder_is_cancelled_with_it(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member's booking tomorrow, with its reminder waiting in the outbox
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    booking = await book(gql, salon, guest, "10:00")
    [reminder] = await outbox(mongo, "BOOKING_REMINDER")
    assert reminder["status"] == "PENDING"

    # when the member cancels it
    body = await gql("member", MEMBER_CANCEL, {"id": booking}, token=guest.token)

    # then it is CANCELLED, the reminder will never be sent, the store hears about it and the time is free
    assert body["data"]["cancelBooking"] == {"booking": {"id": booking, "status": "CANCELLED"}, "userErrors": []}
    [reminder] = await outbox(mongo, "BOOKING_REMINDER")
    assert reminder["status"] == "CANCELLED"
    [cancelled] = await outbox(mongo, "BOOKING_CANCELLED")
    assert cancelled["payload"]["booking_id"] == oid("Booking", booking)
    assert await mongo.db[c.BOOKING_CELLS].count_documents({}) == 0
    [other] = await make_members(mongo, salon.merchant_id, 1, prefix="后来者")
    await book(gql, salon, other, "10:00")


async def test_after_the_cut_off_members_cannot_cancel_but_staff_can_with_a_reason(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a merchant whose members must cancel 7 days ahead, and a member's booking for tomorrow
    salon = await open_salon(mongo, pii, shop)
    await policy.set_policy(mongo=mongo, actor=salon.owner, policy=policy.BookingPolicy(cancel_cutoff_min=7 * 24 * 60))
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    booking = await book(gql, salon, guest, "10:00")

    # when the member tries to cancel, and to reschedule
    cancel = await gql("member", MEMBER_CANCEL, {"id": booking}, token=guest.token)
    later = salon.local(salon.tomorrow(), "15:00").isoformat()
    move = await gql("member", MEMBER_RESCHEDULE, {"id": booking, "start": later}, token=guest.token)

    # then both are refused for the cut-off
    assert cancel["data"]["cancelBooking"]["userErrors"] == [{"field": "bookingId", "code": "CANCEL_CUTOFF_PASSED"}]
    assert move["data"]["rescheduleBooking"]["userErrors"] == [{"code": "CANCEL_CUTOFF_PASSED"}]

    # when a technician cancels without a reason, then with one
    desk = salon.staff[1].token
    bare = await gql("admin", STAFF_CANCEL, {"id": booking, "reason": " "}, token=desk)
    done = await gql("admin", STAFF_CANCEL, {"id": booking, "reason": "技师生病"}, token=desk)

    # then a reason is required, and with it the booking is cancelled whatever the cut-off
    assert bare["data"]["cancelBooking"]["userErrors"] == [{"code": "REASON_REQUIRED"}]
    assert done["data"]["cancelBooking"]["booking"] == {
        "id": booking,
        "status": "CANCELLED",
        "cancelReason": "技师生病",
    }
    [event] = await outbox(mongo, "BOOKING_CANCELLED")
    assert event["payload"]["reason"] == "技师生病"
    assert (await outbox(mongo, "BOOKING_REMINDER"))[0]["status"] == "CANCELLED"


async def test_rescheduling_moves_the_time_and_the_reminder(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a member's booking tomorrow at 10:00 with the only technician
    salon = await open_salon(mongo, pii, shop, staff=1)
    [guest, other] = await make_members(mongo, salon.merchant_id, 2)
    booking = await book(gql, salon, guest, "10:00")

    # when the member moves it 30 minutes later (overlapping its own old time)
    later = salon.local(salon.tomorrow(), "10:30")
    body = await gql("member", MEMBER_RESCHEDULE, {"id": booking, "start": later.isoformat()}, token=guest.token)

    # then it starts at 10:30, the old reminder is cancelled and a new one is due two hours before 10:30
    assert body["data"]["rescheduleBooking"]["booking"]["start"] == later.isoformat()
    old, new = await outbox(mongo, "BOOKING_REMINDER")
    assert (old["status"], new["status"], new["due_at"]) == ("CANCELLED", "PENDING", later - timedelta(hours=2))
    [moved] = await outbox(mongo, "BOOKING_RESCHEDULED")
    assert moved["payload"]["previous_start"] == later - timedelta(minutes=30)
    # and 09:00-10:15 is free again while 10:30 is taken
    cells = await mongo.db[c.BOOKING_CELLS].find({}).sort("at", 1).to_list()
    assert (cells[0]["at"], len(cells)) == (later, 15)
    await book(gql, salon, other, "09:00")


async def test_completing_with_a_count_card_takes_exactly_one_use(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a checked-in booking of a member holding a 5-use count card
    salon = await open_salon(mongo, pii, shop)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    await issue_card(mongo=mongo, merchant_id=salon.merchant_id, member_id=guest.id)
    granted = await grant_count_card(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=guest.id,
        name="精剪 5 次",
        uses=5,
        expires_at=datetime.now(UTC) + timedelta(days=90),
        reference="test",
        idempotency_key=key(),
        actor=SYSTEM,
    )
    card = str(granted.count_card.id)
    booking = await book(gql, salon, guest, "10:00")
    desk = salon.staff[0].token
    completing_early = await gql("admin", COMPLETE, {"id": booking}, token=desk)
    assert completing_early["data"]["completeBooking"]["userErrors"] == [{"code": "BOOKING_STATUS_INVALID"}]
    assert (await gql("admin", CHECK_IN, {"id": booking}, token=desk))["data"]["checkInBooking"]["booking"] == {
        "status": "CHECKED_IN"
    }

    # when two staff complete it with the count card at the same time
    card_gid = to_global_id("CountCard", granted.count_card.id)
    first, second = await asyncio.gather(
        *(gql("admin", COMPLETE, {"id": booking, "card": card_gid}, token=s.token) for s in salon.staff)
    )

    # then it is COMPLETED once and the card has 4 uses left
    assert first["data"]["completeBooking"]["booking"] == {"status": "COMPLETED", "countCardId": card_gid}
    assert second["data"]["completeBooking"]["booking"] == {"status": "COMPLETED", "countCardId": card_gid}
    [left] = await live_count_cards(mongo=mongo, merchant_id=salon.merchant_id, member_ids=[guest.id])
    assert (str(left.id), left.remaining) == (card, 4)


async def test_no_show_only_after_the_start_and_it_frees_the_time(mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a booking tomorrow at 10:00
    salon = await open_salon(mongo, pii, shop, staff=1)
    [guest] = await make_members(mongo, salon.merchant_id, 1)
    made = await book_tomorrow(mongo, salon, guest.id)
    start = made.start
    desk = salon.staff[0].staff

    # when staff mark it a no-show before it starts, and ten minutes after
    try:
        await lifecycle.mark_no_show(mongo=mongo, actor=desk, booking_id=made.id)
        raise AssertionError("marked a no-show before the start")
    except BookingError as e:
        early = e.code
    marked = await lifecycle.mark_no_show(
        mongo=mongo, actor=desk, booking_id=made.id, now=start + timedelta(minutes=10)
    )

    # then the first is refused, the second is NO_SHOW and its cells are gone
    assert early is BookingCode.NO_SHOW_TOO_EARLY
    assert marked.booking.stored_status.value == "NO_SHOW"
    assert await mongo.db[c.BOOKING_CELLS].count_documents({}) == 0


async def test_an_unpaid_deposit_hold_blocks_the_slot_only_until_it_expires(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a service with a 50 yuan deposit (a 10-minute hold) and two members
    salon = await open_salon(mongo, pii, shop, staff=1, deposit=5_000)
    first, second = await make_members(mongo, salon.merchant_id, 2)
    start = salon.local(salon.tomorrow(), "10:00")
    now = datetime.now(UTC)

    async def attempt(who: Person, at: datetime) -> views.BookingView | BookingCode:
        try:
            return await bookings.member_book(
                mongo=mongo,
                merchant_id=salon.merchant_id,
                member_id=who.id,
                store_id=salon.store.id,
                service_id=salon.service.id,
                staff_id=None,
                start=start,
                note="",
                idempotency_key=key(),
                now=at,
            )
        except BookingError as e:
            return BookingCode(e.code)

    # when the first member books (and does not pay), the second tries 5 minutes later and 11 minutes later
    held = await attempt(first, now)
    during = await attempt(second, now + timedelta(minutes=5))
    after = await attempt(second, now + timedelta(minutes=11))

    # then the first is HELD with no confirmation yet, the second is refused during the hold and gets the slot
    # after it, whose own hold replaced the lapsed one's cells
    assert not isinstance(held, BookingCode) and not isinstance(after, BookingCode)
    assert held.booking.status_at(now) is held.booking.stored_status
    assert held.booking.stored_status.value == "HELD" and held.booking.hold_expires_at == now + timedelta(minutes=10)
    assert during is BookingCode.SLOT_TAKEN
    assert await outbox(mongo, "BOOKING_CONFIRMED") == []
    assert {d["booking_id"] for d in await mongo.db[c.BOOKING_CELLS].find({}).to_list()} == {after.booking.id}
