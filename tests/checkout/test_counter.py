"""Paying at once: the member's stored value (in the mini-program or at the counter) and cash at the counter
(staff only, audited); and payOrder's idempotency key, replayed in sequence and raced.
"""

import asyncio

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.checkout.conftest import (
    ADMIN_CREATE_ORDER,
    balances_and_statuses,
    card,
    cashier,
    give,
    key,
    member_pay,
    order_doc,
    outbox,
    scan_order,
    shopper,
    staff_pay,
)
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Colleague, store_gid


async def counter_order(gql: Gql, staff: Colleague, shop: Shop, amount_fen: int, member_gid: str | None) -> str:
    variables = {"input": {"storeId": store_gid(shop), "amountFen": amount_fen, "idempotencyKey": key()}}
    if member_gid:
        variables["input"]["memberId"] = member_gid
    body = await gql("admin", ADMIN_CREATE_ORDER, variables, token=staff.token)
    payload = body["data"]["createOrder"]
    assert payload["userErrors"] == [], payload
    return str(payload["order"]["id"])


async def test_member_pays_with_stored_value_paid_part_first(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member holding 100 yuan paid and 20 yuan bonus of stored value
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(10_000, 2_000))
    order = await scan_order(gql, member, store_gid(shop), 11_000)

    # when they pay 110 yuan from stored value
    paid = await member_pay(gql, member, order["id"], "STORED_VALUE")

    # then it is paid at once: the paid part first, then 10 of the bonus; points earned on the 110 yuan
    assert (paid["userErrors"], paid["order"]["status"], paid["payment"]["status"]) == ([], "PAID", "SUCCEEDED")
    held = await card(mongo, member)
    assert (held["stored_paid"], held["stored_bonus"], held["points"]) == (0, 1_000, 110)
    # and what the member paid, the base of every commission, is the 100 yuan of paid stored value, not the bonus
    [event] = await outbox(mongo, "ORDER_PAID")
    assert (event["payload"]["consumption_paid_fen"], event["payload"]["stored_value_spent_fen"]) == (10_000, 10_000)


async def test_short_stored_value_leaves_the_order_unpaid_and_everything_as_it_was(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given a member with 50 yuan of stored value and a 60 yuan order
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(5_000, 0))
    order = await scan_order(gql, member, store_gid(shop), 6_000)
    before = await balances_and_statuses(mongo)

    # when they try to pay it from stored value
    paid = await member_pay(gql, member, order["id"], "STORED_VALUE")

    # then it is refused and nothing moved, no payment is left open
    assert [e["code"] for e in paid["userErrors"]] == ["INSUFFICIENT_BALANCE"]
    assert await balances_and_statuses(mongo) == before


async def test_cashier_takes_cash_and_it_is_audited(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a cashier with an order for a member at the counter
    member = await shopper(mongo, shop)
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 8_800, member.gid)

    # when the cashier takes 88 yuan in cash
    paid = await staff_pay(gql, staff, order_gid, "CASH")

    # then the order is paid at once, the member earns points, and the cash payment is in the audit log
    assert (paid["userErrors"], paid["order"]["status"], paid["order"]["paidMethod"]) == ([], "PAID", "CASH")
    assert (await card(mongo, member))["points"] == 88
    audit = await mongo.db[c.AUDIT_LOG].find_one({"action": "order.pay.cash"})
    assert audit is not None and audit["actor_id"] == staff.staff.id


async def test_members_cannot_pay_cash(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given an order of a member (staff may show a WeChat Pay code for it instead: test_counter_codes.py)
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), 1_000)

    # when the member says CASH
    by_member = await member_pay(gql, member, order["id"], "CASH")

    # then it is refused and the order waits
    assert [e["code"] for e in by_member["userErrors"]] == ["METHOD_NOT_ALLOWED"]
    assert (await order_doc(mongo, order["id"]))["status"] == "PENDING"


async def test_technicians_do_not_take_money(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a walk-in's order and a technician
    staff = await cashier(mongo, pii, shop)
    technician = await cashier(mongo, pii, shop, Role.TECHNICIAN, phone="13700000002")
    order_gid = await counter_order(gql, staff, shop, 1_000, None)

    # when the technician tries to take cash
    body = await gql(
        "admin",
        "mutation($input: PayOrderInput!) { payOrder(input: $input) { order { id } } }",
        {"input": {"orderId": order_gid, "method": "CASH", "idempotencyKey": key()}},
        token=technician.token,
    )

    # then it is an auth failure
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_a_replayed_pay_key_returns_the_first_result(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member who opened WeChat Pay for an order with one key
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), 2_500)
    idem = key()
    first = await member_pay(gql, member, order["id"], "WECHAT_PAY", idem)

    # when the mini-program retries with the same key, twice
    again = [await member_pay(gql, member, order["id"], "WECHAT_PAY", idem) for _ in range(2)]

    # then both retries return the very same parameters and payment, marked replayed, and one payment exists
    assert all(a["wechatPay"] == first["wechatPay"] and a["payment"] == first["payment"] for a in again)
    assert [a["replayed"] for a in again] == [True, True] and first["replayed"] is False
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 1


async def test_the_same_stored_value_payment_raced_pays_once(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member with 100 yuan and a 30 yuan order
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(10_000, 0))
    order = await scan_order(gql, member, store_gid(shop), 3_000)
    idem = key()

    # when the same payment (one key) and a second one (another key) race, five of each
    results = await asyncio.gather(
        *(member_pay(gql, member, order["id"], "STORED_VALUE", idem) for _ in range(5)),
        *(member_pay(gql, member, order["id"], "STORED_VALUE") for _ in range(5)),
    )

    # then the order was paid once: 30 yuan left the card, one payment succeeded, one ORDER_PAID
    assert (await card(mongo, member))["stored_paid"] == 7_000
    assert await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
    # and every request with the winning key saw the payment; the others were told it is paid
    same_key = results[:5]
    winner = next(r for r in results if r["userErrors"] == [] and r["replayed"] is False)
    if winner in same_key:
        assert all(r["payment"] == winner["payment"] for r in same_key)
    codes = {e["code"] for r in results for e in r["userErrors"]}
    assert codes <= {"ORDER_ALREADY_PAID", "PAYMENT_IN_PROGRESS"}
