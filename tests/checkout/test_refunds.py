"""Refunds: partial and full, through WeChat Pay (completed by its notification) or in our own ledger (stored
value, cash), with points clawed back and given back in proportion, a top-up's bonus taken back, and never more
refunded than was paid however many refunds race.
"""

import asyncio
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.cards.stored_value import create_plan
from domain.pii import PiiCipher
from domain.tenancy import Role
from payments.sandbox import Provider
from schema.ids import from_global_id, to_global_id
from tests.checkout.conftest import (
    MEMBER_CREATE_ORDER,
    REFUND_ORDER,
    PaymentsSandbox,
    all_handled,
    balances_and_statuses,
    card,
    cashier,
    give,
    key,
    member_pay,
    open_payment,
    order_doc,
    outbox,
    refund,
    sandbox_pays,
    scan_order,
    shopper,
    staff_pay,
)
from tests.checkout.test_counter import counter_order
from tests.conftest import Gql, Shop, staff_token
from tests.coupons.conftest import Customer, store_gid


async def refund_notified(world: PaymentsSandbox, mongo: Mongo, refund_gid: str) -> int:
    """Waits for WeChat Pay's notification of a refund to be applied and returns what our webhook answered."""
    out_refund_no = str(from_global_id("Refund", refund_gid))
    answered = (await world.sandbox.deliveries.wait_for(out_refund_no)).status
    await all_handled(mongo)
    return answered


async def test_wechat_pay_refunds_partial_then_full_take_points_back_in_proportion(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member with 1000 points who pays a 100 yuan order: 10 yuan with points, 90 with WeChat Pay
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=1_000)
    order = await scan_order(gql, member, store_gid(shop), 10_000, usePoints=True)
    assert (order["price"]["pointsUsed"], order["price"]["dueFen"]) == (1_000, 9_000)
    await member_pay(gql, member, order["id"], "WECHAT_PAY")
    await sandbox_pays(
        payments_sandbox, mongo, Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"]
    )
    assert (await card(mongo, member))["points"] == 90
    owner = await staff_token(gql, shop.owner_phone)

    # when the owner refunds 30 yuan, then the remaining 60, each completed by WeChat Pay's notification
    partial = await refund(gql, owner, order["id"], 3_000)
    partial_answer = await refund_notified(payments_sandbox, mongo, partial["refund"]["id"])
    after_partial = await card(mongo, member)
    full = await refund(gql, owner, order["id"], 6_000)
    await refund_notified(payments_sandbox, mongo, full["refund"]["id"])

    # then each refund is PROCESSING until notified; a third of the earned points went back at the first refund
    # and a third of the redeemed ones came back; after the full refund the member holds what they had before
    assert (partial["refund"]["status"], partial_answer) == ("PROCESSING", 204)
    assert after_partial["points"] == 90 - 30 + 333
    assert (await card(mongo, member))["points"] == 1_000
    final = await order_doc(mongo, order["id"])
    assert (final["status"], final["refunded_fen"], final["refund_reserved_fen"]) == ("REFUNDED", 9_000, 0)
    events = await outbox(mongo, "ORDER_REFUNDED")
    assert [(e["payload"]["refunded_fen"], e["payload"]["order_paid_fen"]) for e in events] == [
        (3_000, 9_000),
        (6_000, 9_000),
    ]


async def test_a_stored_value_refund_goes_back_to_the_card_in_its_parts(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member who paid 110 yuan from 100 yuan paid + 20 yuan bonus of stored value
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(10_000, 2_000))
    order = await scan_order(gql, member, store_gid(shop), 11_000)
    await member_pay(gql, member, order["id"], "STORED_VALUE")
    owner = await staff_token(gql, shop.owner_phone)

    # when the owner refunds all of it
    refunded = await refund(gql, owner, order["id"], 11_000)

    # then it completes at once: 100 yuan paid and 10 yuan bonus back on the card, the earned points taken back
    assert (refunded["refund"]["status"], refunded["order"]["status"]) == ("SUCCEEDED", "REFUNDED")
    held = await card(mongo, member)
    assert (held["stored_paid"], held["stored_bonus"], held["points"]) == (10_000, 2_000, 0)
    assert refunded["refund"]["storedValueReturnedFen"] == 11_000


async def test_a_cash_refund_is_recorded_at_once(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a walk-in who paid 50 yuan in cash
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 5_000, None)
    await staff_pay(gql, staff, order_gid, "CASH")
    manager = await cashier(mongo, pii, shop, Role.MANAGER, phone="13700000003")

    # when a manager refunds 20 yuan
    refunded = await refund(gql, manager.token, order_gid, 2_000)

    # then the refund is done (the cash goes back over the counter) and the order partly refunded
    assert (refunded["refund"]["status"], refunded["order"]["status"], refunded["order"]["refundedFen"]) == (
        "SUCCEEDED",
        "PARTIALLY_REFUNDED",
        2_000,
    )


async def test_cashiers_cannot_refund(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a cash order
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 5_000, None)
    await staff_pay(gql, staff, order_gid, "CASH")

    # when the cashier tries to refund it
    body = await gql(
        "admin",
        "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { refund { id } } }",
        {"input": {"orderId": order_gid, "amountFen": 100, "reason": "试试", "idempotencyKey": key()}},
        token=staff.token,
    )

    # then it is an auth failure
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_racing_refunds_never_add_up_to_more_than_was_paid(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a 100 yuan cash order
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 10_000, None)
    await staff_pay(gql, staff, order_gid, "CASH")
    owner = await staff_token(gql, shop.owner_phone)

    # when five refunds of 30 yuan race
    results = await asyncio.gather(*(refund(gql, owner, order_gid, 3_000) for _ in range(5)))

    # then three went through and two were refused: 90 yuan refunded, never 150
    ok = [r for r in results if not r["userErrors"]]
    refused = [e["code"] for r in results for e in r["userErrors"]]
    assert (len(ok), refused) == (3, ["REFUND_AMOUNT_INVALID"] * 2)
    assert (await order_doc(mongo, order_gid))["refunded_fen"] == 9_000


async def test_a_replayed_refund_key_returns_the_first_refund(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a paid cash order and a refund made with one key
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 10_000, None)
    await staff_pay(gql, staff, order_gid, "CASH")
    owner = await staff_token(gql, shop.owner_phone)
    idem = key()
    first = await refund(gql, owner, order_gid, 1_000, idem)

    # when the same request is sent again
    again = await refund(gql, owner, order_gid, 1_000, idem)

    # then it is the same refund, replayed, and only 10 yuan were refunded
    assert (again["refund"]["id"], again["replayed"]) == (first["refund"]["id"], True)
    assert (await order_doc(mongo, order_gid))["refunded_fen"] == 1_000


async def _top_up(gql: Gql, mongo: Mongo, shop: Shop, world: PaymentsSandbox) -> tuple[str, Customer]:
    """A member who bought 充 500 送 50 with WeChat Pay: (order id, member)."""
    member = await shopper(mongo, shop)
    plan = await create_plan(mongo=mongo, actor=shop.merchant.owner, name="充500送50", pay_fen=50_000, bonus_fen=5_000)
    variables = {"input": {"topUpPlanId": to_global_id("TopUpPlan", plan.id), "idempotencyKey": key()}}
    body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)
    order = body["data"]["createOrder"]["order"]
    assert (order["kind"], order["price"]["dueFen"]) == ("TOP_UP", 50_000)
    await member_pay(gql, member, order["id"], "WECHAT_PAY")
    await sandbox_pays(world, mongo, Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"])
    return order["id"], member


async def test_a_top_up_refund_takes_back_the_paid_amount_and_exactly_its_bonus(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who topped up 500 yuan and got 50 yuan bonus (no points for a top-up)
    order_gid, member = await _top_up(gql, mongo, shop, payments_sandbox)
    held = await card(mongo, member)
    assert (held["stored_paid"], held["stored_bonus"], held["points"]) == (50_000, 5_000, 0)
    [paid_event] = await outbox(mongo, "ORDER_PAID")
    assert (paid_event["payload"]["top_up_paid_fen"], paid_event["payload"]["consumption_paid_fen"]) == (50_000, 0)
    owner = await staff_token(gql, shop.owner_phone)

    # when the owner tries a partial refund, then refunds it in full
    partial = await refund(gql, owner, order_gid, 10_000)
    full = await refund(gql, owner, order_gid, 50_000)
    await refund_notified(payments_sandbox, mongo, full["refund"]["id"])

    # then the partial one is refused, and the full one took back the 500 and exactly the 50 bonus
    assert [e["code"] for e in partial["userErrors"]] == ["TOP_UP_REFUND_NOT_FULL"]
    held = await card(mongo, member)
    assert (held["stored_paid"], held["stored_bonus"]) == (0, 0)
    assert (await order_doc(mongo, order_gid))["status"] == "REFUNDED"


async def test_a_top_up_already_spent_cannot_be_refunded(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a member who topped up and then spent 100 yuan of it
    order_gid, member = await _top_up(gql, mongo, shop, payments_sandbox)
    spend = await scan_order(gql, member, store_gid(shop), 10_000)
    await member_pay(gql, member, spend["id"], "STORED_VALUE")
    before = await balances_and_statuses(mongo)
    owner = await staff_token(gql, shop.owner_phone)

    # when the owner tries to refund the top-up
    refused = await refund(gql, owner, order_gid, 50_000)

    # then it is refused before any money leaves, and nothing changed
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_BALANCE"]
    assert await balances_and_statuses(mongo) == before
    assert (
        await mongo.db[c.REFUNDS].count_documents({"order_id": ObjectId(str(from_global_id("Order", order_gid)))}) == 0
    )


async def test_bad_refunds_each_have_their_code_and_change_nothing(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a walk-in who paid 50 yuan in cash, an order still unpaid, and a manager
    staff = await cashier(mongo, pii, shop)
    paid = await counter_order(gql, staff, shop, 5_000, None)
    await staff_pay(gql, staff, paid, "CASH")
    unpaid = await counter_order(gql, staff, shop, 3_000, None)
    manager = await cashier(mongo, pii, shop, Role.MANAGER, phone="13700000003")

    def asking(order_gid: str, amount_fen: int, reason: str) -> dict[str, Any]:
        return {"input": {"orderId": order_gid, "amountFen": amount_fen, "reason": reason, "idempotencyKey": key()}}

    cases = [
        (asking(paid, 1_000, ""), ("reason", "REFUND_REASON_REQUIRED")),
        (asking(paid, 1_000, "   "), ("reason", "REFUND_REASON_REQUIRED")),
        (asking(paid, 1_000, "退" * 81), ("reason", "REFUND_REASON_REQUIRED")),
        (asking(paid, 0, "顾客不满意"), ("amountFen", "REFUND_AMOUNT_INVALID")),
        (asking(paid, 5_001, "顾客不满意"), ("amountFen", "REFUND_AMOUNT_INVALID")),
        (asking(unpaid, 1_000, "顾客不满意"), ("orderId", "ORDER_NOT_REFUNDABLE")),
    ]

    # when the manager sends each
    refused = []
    for variables, _ in cases:
        body = await gql("admin", REFUND_ORDER, variables, token=manager.token)
        refused.append(tuple(body["data"]["refundOrder"]["userErrors"][0][k] for k in ("field", "code")))

    # then each is refused with the field and code it concerns, and nothing was refunded
    assert refused == [expected for _, expected in cases]
    assert await mongo.db[c.REFUNDS].count_documents({}) == 0
    assert (await order_doc(mongo, paid))["refunded_fen"] == 0
