"""Booking deposits (定金) paid through payOrder: paying confirms the held slot; a payment that lands after the
hold ran out still gets a free slot and is flagged for a refund when someone else took it; and completing the
visit makes its order with the deposit counted (or uses the order the member paid ahead).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.pii import PiiCipher
from payments.sandbox import Provider
from schema.ids import from_global_id
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.booking.conftest import Salon, open_salon
from tests.checkout.conftest import (
    ADMIN_PAY_ORDER,
    MEMBER_CREATE_ORDER,
    PaymentsSandbox,
    all_handled,
    flags,
    key,
    member_pay,
    open_payment,
    order_doc,
    outbox,
    refund,
    sandbox_pays,
    shopper,
)
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer
from workers.events import DEFAULT_RETRY, HANDLERS, handle_event


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    """The worker's clients, with payments pointed at the sandbox."""
    async with open_clients(settings) as opened:
        yield opened


async def run_event(clients: Clients, entry_id: ObjectId) -> str:
    ctx = {"clients": clients, "handlers": HANDLERS, "retry_policy": DEFAULT_RETRY}
    return await handle_event(ctx, str(entry_id))


BOOK = """
mutation($input: BookInput!) {
  book(input: $input) { booking { id status holdExpiresAt orderId } userErrors { field code } }
}
"""
MY_BOOKINGS = "{ myBookings { edges { node { id status orderId } } } }"
CHECK_IN = "mutation($id: ID!) { checkInBooking(input: {bookingId: $id}) { booking { status } userErrors { code } } }"
COMPLETE = """
mutation($id: ID!) { completeBooking(input: {bookingId: $id}) { booking { status orderId } userErrors { code } } }
"""
MEMBER_CANCEL = """
mutation($id: ID!) { cancelBooking(input: {bookingId: $id}) { booking { status } userErrors { field code } } }
"""
ORDER_PRICE = "query($id: ID!) { order(id: $id) { order { id kind status price { listFen prepaidFen dueFen } } } }"


async def book(gql: Gql, salon: Salon, member: Customer, clock: str = "10:00") -> dict[str, Any]:
    start = salon.local(salon.tomorrow(), clock).isoformat()
    variables = {
        "input": {"storeId": salon.store_gid, "serviceId": salon.service_gid, "start": start, "idempotencyKey": key()}
    }
    body = await gql("member", BOOK, variables, token=member.token)
    payload: dict[str, Any] = body["data"]["book"]
    return payload


async def order_for(gql: Gql, member: Customer, booking_gid: str, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"bookingId": booking_gid, "idempotencyKey": key(), **extra}}
    body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)
    payload: dict[str, Any] = body["data"]["createOrder"]
    return payload


@dataclass(frozen=True)
class Hold:
    salon: Salon
    member: Customer
    booking: str
    deposit_order: str


async def hold_with_deposit(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, name: str = "顾客") -> Hold:
    """A 128 yuan cut with a 50 yuan deposit, held for a member who has made the deposit's order."""
    salon = await open_salon(mongo, pii, shop, staff=1, deposit=5_000)
    member = await shopper(mongo, shop, name)
    held = (await book(gql, salon, member))["booking"]
    return Hold(salon, member, held["id"], (await order_for(gql, member, held["id"]))["order"]["id"])


async def pay_by_wechat(gql: Gql, mongo: Mongo, sandbox: PaymentsSandbox, member: Customer, order_gid: str) -> None:
    """The member opens WeChat Pay for the order and pays; the sandbox notifies our webhook."""
    assert (await member_pay(gql, member, order_gid, "WECHAT_PAY"))["userErrors"] == []
    delivery = await sandbox_pays(
        sandbox, mongo, Provider.WECHATPAY, (await open_payment(mongo, order_gid))["out_trade_no"]
    )
    assert delivery is not None and delivery.status == 204


async def my_booking(gql: Gql, member: Customer, booking_gid: str) -> dict[str, Any]:
    body = await gql("member", MY_BOOKINGS, token=member.token)
    [node] = [e["node"] for e in body["data"]["myBookings"]["edges"] if e["node"]["id"] == booking_gid]
    return {"status": node["status"], "orderId": node["orderId"]}


async def booking_doc(mongo: Mongo, booking_gid: str) -> Doc:
    doc = await mongo.db[c.BOOKINGS].find_one({"_id": from_global_id("Booking", booking_gid)})
    assert doc is not None
    return doc


async def let_hold_lapse(mongo: Mongo, booking_gid: str) -> None:
    """The member took longer than the hold to pay: as the clock would have it ten minutes on."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    booking_id = from_global_id("Booking", booking_gid)
    await mongo.db[c.BOOKINGS].update_one({"_id": booking_id}, {"$set": {"hold_expires_at": past}})
    await mongo.db[c.BOOKING_CELLS].update_many({"booking_id": booking_id}, {"$set": {"hold_expires_at": past}})


async def test_paying_the_deposit_confirms_the_held_booking(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a 128 yuan cut with a 50 yuan deposit, held for a member who has just booked it
    salon = await open_salon(mongo, pii, shop, staff=1, deposit=5_000)
    member, other = await shopper(mongo, shop, "顾客"), await shopper(mongo, shop, "路人")
    held = (await book(gql, salon, member))["booking"]

    # when they make the deposit's order and pay it with WeChat Pay
    made = await order_for(gql, member, held["id"])
    order = made["order"]
    payment = (await member_pay(gql, member, order["id"], "WECHAT_PAY"))["payment"]
    opened = await open_payment(mongo, order["id"])
    delivery = await sandbox_pays(payments_sandbox, mongo, Provider.WECHATPAY, opened["out_trade_no"])

    # then the order is the deposit alone, payable only while the slot is held
    assert made["userErrors"] == [] and held["status"] == "HELD"
    assert (order["kind"], order["source"], order["lines"], order["price"]["dueFen"]) == (
        "DEPOSIT",
        "BOOKING",
        [{"name": "精剪 定金", "unitPriceFen": 5_000, "quantity": 1}],
        5_000,
    )
    hold_ends = datetime.fromisoformat(held["holdExpiresAt"])
    assert payment["amountFen"] == 5_000 and opened["expires_at"].replace(tzinfo=UTC) <= hold_ends
    # and once paid the booking is BOOKED for good, confirmed, with its reminder, and the slot is nobody else's
    assert delivery is not None and delivery.status == 204
    assert (await order_doc(mongo, order["id"]))["status"] == "PAID"
    booked = await booking_doc(mongo, held["id"])
    assert (booked["status"], booked["hold_expires_at"]) == ("BOOKED", None)
    assert [e["payload"]["booking_id"] for e in await outbox(mongo, "BOOKING_CONFIRMED")] == [booked["_id"]]
    assert len(await outbox(mongo, "BOOKING_REMINDER")) == 1
    assert await mongo.db[c.BOOKING_CELLS].count_documents({"hold_expires_at": {"$ne": None}}) == 0
    await let_hold_lapse(mongo, held["id"])
    assert (await book(gql, salon, other))["userErrors"] == [{"field": "start", "code": "SLOT_TAKEN"}]


async def test_a_deposit_takes_no_coupon_or_points_and_not_after_the_hold(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member holding a slot, who made the deposit's order
    hold = await hold_with_deposit(gql, mongo, pii, shop)

    # when they try to order the deposit again with points instead, and pay theirs after the hold ran out
    with_points = await order_for(gql, hold.member, hold.booking, usePoints=True)
    await mongo.db[c.ORDERS].update_one(
        {"_id": from_global_id("Order", hold.deposit_order)}, {"$set": {"expires_at": datetime.now(UTC)}}
    )
    late = await member_pay(gql, hold.member, hold.deposit_order, "WECHAT_PAY")

    # then points are refused for a deposit, and the late payment is refused with the hold's own error
    assert [(e["field"], e["code"]) for e in with_points["userErrors"]] == [("usePoints", "DEPOSIT_NOT_DISCOUNTED")]
    assert [e["code"] for e in late["userErrors"]] == ["HOLD_EXPIRED"]
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 0


async def test_a_deposit_paid_after_the_hold_lapsed_books_the_slot_if_it_is_still_free(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who opened WeChat Pay for the deposit in time, but whose hold ran out before paying
    hold = await hold_with_deposit(gql, mongo, pii, shop)
    assert (await member_pay(gql, hold.member, hold.deposit_order, "WECHAT_PAY"))["userErrors"] == []
    await let_hold_lapse(mongo, hold.booking)

    # when the payment lands, nobody having taken the slot meanwhile
    opened = await open_payment(mongo, hold.deposit_order)
    await sandbox_pays(payments_sandbox, mongo, Provider.WECHATPAY, opened["out_trade_no"])

    # then the booking is theirs, for good, and nothing asks staff to refund
    assert (await booking_doc(mongo, hold.booking))["status"] == "BOOKED"
    assert await mongo.db[c.BOOKING_CELLS].count_documents({"hold_expires_at": None}) > 0
    assert await flags(mongo, hold.deposit_order) == []


async def test_a_deposit_paid_after_someone_took_the_lapsed_slot_is_flagged_for_a_refund(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member whose hold ran out while paying, and another member who booked the freed slot
    hold = await hold_with_deposit(gql, mongo, pii, shop, "慢")
    slow, held, order = hold.member, {"id": hold.booking}, {"id": hold.deposit_order}
    assert (await member_pay(gql, slow, order["id"], "WECHAT_PAY"))["userErrors"] == []
    await let_hold_lapse(mongo, held["id"])
    taken = (await book(gql, hold.salon, await shopper(mongo, shop, "快")))["booking"]

    # when the slow member's payment lands
    await sandbox_pays(
        payments_sandbox, mongo, Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"]
    )

    # then the money is recorded, the order flagged and its refund due, and the quick member keeps the slot
    assert (await order_doc(mongo, order["id"]))["status"] == "PAID"
    assert await flags(mongo, order["id"]) == ["BOOKING_LOST"]
    [due] = await outbox(mongo, "DEPOSIT_REFUND_DUE")
    assert due["payload"] == {"booking_id": from_global_id("Booking", held["id"])}
    assert (await my_booking(gql, slow, held["id"]))["status"] == "EXPIRED"
    cells = await mongo.db[c.BOOKING_CELLS].find({}).to_list()
    assert cells and {d["booking_id"] for d in cells} == {from_global_id("Booking", taken["id"])}


async def test_completing_the_visit_makes_its_order_with_the_deposit_counted(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who paid the 50 yuan deposit of a 128 yuan cut, and came in
    hold = await hold_with_deposit(gql, mongo, pii, shop)
    member, held = hold.member, {"id": hold.booking}
    await pay_by_wechat(gql, mongo, payments_sandbox, member, hold.deposit_order)
    desk = hold.salon.owner_token
    await gql("admin", CHECK_IN, {"id": held["id"]}, token=desk)

    # when staff complete the visit, twice (a retried tap), and take the rest in cash
    first = (await gql("admin", COMPLETE, {"id": held["id"]}, token=desk))["data"]["completeBooking"]
    again = (await gql("admin", COMPLETE, {"id": held["id"]}, token=desk))["data"]["completeBooking"]
    visit_gid = first["booking"]["orderId"]
    visit = (await gql("member", ORDER_PRICE, {"id": visit_gid}, token=member.token))["data"]["order"]["order"]
    cash = {"input": {"orderId": visit_gid, "method": "CASH", "idempotencyKey": key()}}
    paid = (await gql("admin", ADMIN_PAY_ORDER, cash, token=desk))["data"]["payOrder"]

    # then one order, for 128 yuan with the 50 prepaid, leaves 78 to pay; the member sees it on the booking
    assert first["userErrors"] == [] and again["booking"] == first["booking"]
    assert visit == {
        "id": visit_gid,
        "kind": "CONSUMPTION",
        "status": "PENDING",
        "price": {"listFen": 12_800, "prepaidFen": 5_000, "dueFen": 7_800},
    }
    assert paid["order"]["status"] == "PAID" and paid["payment"]["amountFen"] == 7_800
    assert await my_booking(gql, member, held["id"]) == {"status": "COMPLETED", "orderId": visit_gid}
    assert await mongo.db[c.ORDERS].count_documents({}) == 2


async def test_a_visit_paid_ahead_is_not_charged_again_on_completion(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who booked a cut (no deposit) and paid for it ahead in the mini-program
    salon = await open_salon(mongo, pii, shop, staff=1)
    member = await shopper(mongo, shop)
    booked = (await book(gql, salon, member))["booking"]
    ahead = (await order_for(gql, member, booked["id"]))["order"]
    await pay_by_wechat(gql, mongo, payments_sandbox, member, ahead["id"])

    # when staff check them in and complete the visit
    await gql("admin", CHECK_IN, {"id": booked["id"]}, token=salon.owner_token)
    done = (await gql("admin", COMPLETE, {"id": booked["id"]}, token=salon.owner_token))["data"]["completeBooking"]

    # then the visit's order is the one they paid, and no second order exists
    assert done["booking"] == {"status": "COMPLETED", "orderId": ahead["id"]}
    assert await mongo.db[c.ORDERS].count_documents({}) == 1


async def test_a_booking_cancelled_in_time_gives_the_deposit_back_once(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox, clients: Clients
) -> None:
    # given a member who paid the 50 yuan deposit for tomorrow
    hold = await hold_with_deposit(gql, mongo, pii, shop)
    member, held, deposit = hold.member, {"id": hold.booking}, {"id": hold.deposit_order}
    await pay_by_wechat(gql, mongo, payments_sandbox, member, deposit["id"])

    # when they cancel (well before the cut-off) and the worker runs the refund event, twice (a redelivery)
    cancelled = (await gql("member", MEMBER_CANCEL, {"id": held["id"]}, token=member.token))["data"]
    [due] = await outbox(mongo, "DEPOSIT_REFUND_DUE")
    await run_event(clients, due["_id"])
    await run_event(clients, due["_id"])
    [refund] = await mongo.db[c.REFUNDS].find({}).to_list()
    answered = await payments_sandbox.sandbox.deliveries.wait_for(refund["out_refund_no"])
    await all_handled(mongo)

    # then one full refund of the deposit went to WeChat Pay, and its notification closed the order as REFUNDED
    assert cancelled["cancelBooking"] == {"booking": {"status": "CANCELLED"}, "userErrors": []}
    assert (refund["amount_fen"], refund["method"], refund["staff_id"]) == (5_000, "WECHAT_PAY", None)
    assert answered.status == 204
    settled = await order_doc(mongo, deposit["id"])
    assert (settled["status"], settled["refunded_fen"]) == ("REFUNDED", 5_000)


async def test_cancelling_an_unpaid_hold_refunds_nothing(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, clients: Clients
) -> None:
    # given a member holding a slot who made the deposit's order but never paid
    hold = await hold_with_deposit(gql, mongo, pii, shop)
    member, held = hold.member, {"id": hold.booking}

    # when they cancel and the worker runs the refund event
    await gql("member", MEMBER_CANCEL, {"id": held["id"]}, token=member.token)
    [due] = await outbox(mongo, "DEPOSIT_REFUND_DUE")
    outcome = await run_event(clients, due["_id"])

    # then the event is done and nothing was refunded
    assert outcome == "done"
    assert await mongo.db[c.REFUNDS].count_documents({}) == 0


async def test_a_deposit_partly_refunded_by_staff_gives_back_only_the_rest_on_cancelling(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox, clients: Clients
) -> None:
    # given a member who paid a 50 yuan deposit, 10 of which the owner has already refunded as a goodwill gesture
    hold = await hold_with_deposit(gql, mongo, pii, shop)
    await pay_by_wechat(gql, mongo, payments_sandbox, hold.member, hold.deposit_order)
    goodwill = await refund(gql, hold.salon.owner_token, hold.deposit_order, 1_000)

    # when the member cancels and the worker runs the refund event
    await gql("member", MEMBER_CANCEL, {"id": hold.booking}, token=hold.member.token)
    [due] = await outbox(mongo, "DEPOSIT_REFUND_DUE")
    await run_event(clients, due["_id"])

    # then only the 40 yuan left went back, so the deposit was refunded exactly once in all
    refunds = await mongo.db[c.REFUNDS].find({}).sort("_id", 1).to_list()
    assert goodwill["userErrors"] == []
    assert [r["amount_fen"] for r in refunds] == [1_000, 4_000]
