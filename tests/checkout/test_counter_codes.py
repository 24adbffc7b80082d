"""Codes shown at the counter: a cashier taps WeChat Pay or Alipay on the bill, whoever pays scans the code the staff
app shows, and the sandbox's signed notification pays the order through our webhook. A replayed or doubled tap
shows the one code; a cashier who moves on to another method has the code closed at its provider first.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from payments.sandbox import CannotPay
from payments.sandbox import alipay as alipay_sandbox
from payments.sandbox import wechatpay as wechatpay_sandbox
from payments.sandbox.keys import new_rsa_key
from payments.wechatpay import TradeState
from schema.ids import from_global_id
from tests.checkout.conftest import (
    PaymentsSandbox,
    balances_and_statuses,
    card,
    cashier,
    key,
    member_pay,
    open_payment,
    order_doc,
    order_turns,
    outbox,
    scan_order,
    shopper,
    staff_pay,
    wire_headers,
)
from tests.checkout.test_counter import counter_order
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Colleague, store_gid

CLOSE_ORDER = """
mutation($input: CloseOrderInput!) {
  closeOrder(input: $input) { order { id status } userErrors { field code } }
}
"""

PROVIDERS = pytest.mark.parametrize("method", ["WECHAT_PAY", "ALIPAY"])


async def show_code(gql: Gql, staff: Colleague, order_gid: str, method: str, idem: str | None = None) -> dict[str, Any]:
    shown = await staff_pay(gql, staff, order_gid, method, idem)
    assert shown["userErrors"] == [] and shown["paymentCode"], shown
    return shown


async def test_cashier_shows_a_wechat_code_the_member_scans_and_the_order_is_theirs(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a cashier with an 88 yuan bill for a member
    member = await shopper(mongo, shop)
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 8_800, member.gid)

    # when the cashier taps WeChat Pay, and the member scans the code shown and pays
    shown = await staff_pay(gql, staff, order_gid, "WECHAT_PAY")
    code = shown["paymentCode"]
    delivery = await payments_sandbox.sandbox.scan_and_pay(code["url"])

    # then the bill showed a WeChat code, payable until the payment expires, the order waiting for it
    assert (shown["userErrors"], shown["order"]["status"], code["provider"]) == ([], "PENDING", "WECHAT_PAY")
    assert code["expiresAt"] == shown["payment"]["expiresAt"]
    # and our webhook took WeChat Pay's notification: paid by WeChat Pay, the points are the member's
    assert delivery is not None and delivery.status == 204
    paid = await order_turns(mongo, order_gid, "PAID")
    assert paid["paid"]["method"] == "WECHAT_PAY"
    assert (await card(mongo, member))["points"] == 88


async def test_a_walk_in_pays_the_alipay_code_the_cashier_shows(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a walk-in's 35 yuan bill, no member named
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 3_500, None)

    # when the cashier shows an Alipay code and whoever stands there scans it and pays
    shown = await show_code(gql, staff, order_gid, "ALIPAY")
    delivery = await payments_sandbox.sandbox.scan_and_pay(shown["paymentCode"]["url"])

    # then Alipay's notification was taken and the order is paid by Alipay, a sale that credits no member
    assert shown["paymentCode"]["provider"] == "ALIPAY"
    assert delivery is not None and delivery.answer == "success"
    paid = await order_turns(mongo, order_gid, "PAID")
    assert paid["paid"]["method"] == "ALIPAY"
    [event] = await outbox(mongo, "ORDER_PAID")
    assert (event["payload"]["member_id"], event["payload"]["consumption_paid_fen"]) == (None, 3_500)


@PROVIDERS
async def test_a_replayed_tap_shows_the_same_code(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, method: str
) -> None:
    # given a cashier who showed a code for a bill
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 1_200, None)
    idem = key()
    first = await show_code(gql, staff, order_gid, method, idem)

    # when the staff app retries the tap with the same key, twice
    again = [await staff_pay(gql, staff, order_gid, method, idem) for _ in range(2)]

    # then both answer the very same code and payment, marked replayed, and one payment exists
    assert all(a["paymentCode"] == first["paymentCode"] and a["payment"] == first["payment"] for a in again)
    assert [a["replayed"] for a in again] == [True, True] and first["replayed"] is False
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 1


@PROVIDERS
async def test_taps_at_once_open_one_payment_and_show_one_code(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox, method: str
) -> None:
    # given a bill, and a cashier whose staff app sends the tap three times and whose colleague taps too
    staff = await cashier(mongo, pii, shop)
    colleague = await cashier(mongo, pii, shop, phone="13700000003")
    order_gid = await counter_order(gql, staff, shop, 2_000, None)
    idem = key()

    # when all of them reach us at once
    taps = await asyncio.gather(
        *(staff_pay(gql, staff, order_gid, method, idem) for _ in range(3)),
        *(staff_pay(gql, colleague, order_gid, method) for _ in range(3)),
    )

    # then every tap shows the one code of the one payment opened
    assert [t["userErrors"] for t in taps] == [[]] * 6
    assert len({t["paymentCode"]["url"] for t in taps}) == 1
    assert len({t["payment"]["id"] for t in taps}) == 1
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 1
    # and that code pays the order once
    await payments_sandbox.sandbox.scan_and_pay(taps[0]["paymentCode"]["url"])
    await order_turns(mongo, order_gid, "PAID")
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_forged_notifications_for_counter_codes_change_nothing(
    gql: Gql,
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    payments_sandbox: PaymentsSandbox,
    client: httpx.AsyncClient,
) -> None:
    # given a WeChat code shown for one bill and an Alipay code for another
    staff = await cashier(mongo, pii, shop)
    wechat_gid = await counter_order(gql, staff, shop, 6_000, None)
    alipay_gid = await counter_order(gql, staff, shop, 7_000, None)
    await show_code(gql, staff, wechat_gid, "WECHAT_PAY")
    await show_code(gql, staff, alipay_gid, "ALIPAY")
    wechat_no = (await open_payment(mongo, wechat_gid))["out_trade_no"]
    alipay_no = (await open_payment(mongo, alipay_gid))["out_trade_no"]
    before = await balances_and_statuses(mongo)

    # when notifications saying both were paid arrive, signed by someone who is neither WeChat Pay nor Alipay
    world, now = payments_sandbox.sandbox, datetime.now(UTC)
    impostor = replace(payments_sandbox.keys, wechat_platform_key=new_rsa_key(), alipay_platform_key=new_rsa_key())
    world.wechatpay.mark_paid(wechat_no, now)
    signed = wechatpay_sandbox.notification(
        impostor,
        event_id=world.wechatpay.orders[wechat_no].event_id,
        event_type="TRANSACTION.SUCCESS",
        resource=world.wechatpay.transaction_resource(world.wechatpay.orders[wechat_no]),
        now=now,
    )
    wechat_answer = await client.post(
        "/webhooks/wechatpay",
        content=signed.body,
        headers=wire_headers({**signed.headers, "Content-Type": "application/json"}),
    )
    world.alipay.mark_paid(alipay_no, now)
    genuine = world.alipay.payment_notification(alipay_no, now)
    forged = alipay_sandbox.notification(
        impostor, {k: v for k, v in genuine.items() if k not in ("sign", "sign_type")}, now
    )
    alipay_answer = await client.post("/webhooks/alipay", data=forged)

    # then both are refused, and every balance and status is as it was
    assert (wechat_answer.status_code, alipay_answer.text) == (401, "fail")
    assert await balances_and_statuses(mongo) == before


@PROVIDERS
async def test_cashier_switching_to_cash_closes_the_code_first(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox, method: str
) -> None:
    # given a code shown for a member's 50 yuan bill, nobody has scanned it
    member = await shopper(mongo, shop)
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 5_000, member.gid)
    shown = await show_code(gql, staff, order_gid, method)

    # when the member hands over cash instead and the cashier taps CASH
    paid = await staff_pay(gql, staff, order_gid, "CASH")

    # then the order is paid in cash at once, the code's payment closed
    assert (paid["userErrors"], paid["order"]["status"], paid["order"]["paidMethod"]) == ([], "PAID", "CASH")
    code_payment = await mongo.db[c.PAYMENTS].find_one({"_id": from_global_id("Payment", shown["payment"]["id"])})
    assert code_payment is not None and code_payment["status"] == "CLOSED"
    assert (await card(mongo, member))["points"] == 50
    # and the provider closed the code: scanned after all, it cannot be paid
    with pytest.raises(CannotPay):
        await payments_sandbox.sandbox.scan_and_pay(shown["paymentCode"]["url"])
    if method == "WECHAT_PAY":
        assert payments_sandbox.sandbox.wechatpay.orders[code_payment["out_trade_no"]].trade_state is TradeState.CLOSED


@PROVIDERS
async def test_cashier_switching_after_the_code_was_paid_is_told_it_is_paid(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox, method: str
) -> None:
    # given a code the member has just paid, the provider's notification not here yet
    member = await shopper(mongo, shop)
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 4_000, member.gid)
    await show_code(gql, staff, order_gid, method)
    out_trade_no = (await open_payment(mongo, order_gid))["out_trade_no"]
    sandbox = payments_sandbox.sandbox
    (sandbox.wechatpay if method == "WECHAT_PAY" else sandbox.alipay).mark_paid(out_trade_no, datetime.now(UTC))

    # when the cashier, not seeing it yet, taps CASH
    answer = await staff_pay(gql, staff, order_gid, "CASH")

    # then no cash is taken: the cashier is told the order is paid, as it now is, by the code
    assert [e["code"] for e in answer["userErrors"]] == ["ORDER_ALREADY_PAID"]
    order = await order_doc(mongo, order_gid)
    assert (order["status"], order["paid"]["method"]) == ("PAID", method)
    assert await mongo.db[c.PAYMENTS].count_documents({"method": "CASH"}) == 0
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


async def test_cashier_switching_from_a_wechat_code_to_an_alipay_code(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a WeChat code shown for a bill
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 2_500, None)
    wechat = await show_code(gql, staff, order_gid, "WECHAT_PAY")

    # when the payer says they use Alipay, the cashier taps Alipay, and the payer pays the new code
    alipay = await show_code(gql, staff, order_gid, "ALIPAY")
    await payments_sandbox.sandbox.scan_and_pay(alipay["paymentCode"]["url"])

    # then the WeChat code was closed, and the order is paid by Alipay
    with pytest.raises(CannotPay):
        await payments_sandbox.sandbox.scan_and_pay(wechat["paymentCode"]["url"])
    paid = await order_turns(mongo, order_gid, "PAID")
    assert paid["paid"]["method"] == "ALIPAY"
    statuses = [p["status"] for p in await mongo.db[c.PAYMENTS].find({}).sort("_id", 1).to_list()]
    assert statuses == ["CLOSED", "SUCCEEDED"]


async def test_a_member_cannot_pay_an_order_whose_code_is_shown_in_the_mini_program(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member's 扫码买单 order, for which the cashier shows a WeChat code
    member = await shopper(mongo, shop)
    staff = await cashier(mongo, pii, shop)
    order = await scan_order(gql, member, store_gid(shop), 1_500)
    await show_code(gql, staff, order["id"], "WECHAT_PAY")

    # when the member taps WeChat Pay in the mini-program too
    paying = await member_pay(gql, member, order["id"], "WECHAT_PAY")

    # then it is refused: the code is the payment in progress
    assert [e["code"] for e in paying["userErrors"]] == ["PAYMENT_IN_PROGRESS"]
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 1


async def test_closing_an_order_closes_its_code(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a WeChat code shown for a bill the customer walks away from
    staff = await cashier(mongo, pii, shop)
    order_gid = await counter_order(gql, staff, shop, 900, None)
    shown = await show_code(gql, staff, order_gid, "WECHAT_PAY")

    # when the cashier closes the order
    body = await gql("admin", CLOSE_ORDER, {"input": {"orderId": order_gid}}, token=staff.token)

    # then the order is closed and its code can no longer be paid
    assert body["data"]["closeOrder"] == {"order": {"id": order_gid, "status": "CLOSED"}, "userErrors": []}
    with pytest.raises(CannotPay):
        await payments_sandbox.sandbox.scan_and_pay(shown["paymentCode"]["url"])


async def test_technicians_do_not_show_codes(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a walk-in's bill and a technician
    staff = await cashier(mongo, pii, shop)
    technician = await cashier(mongo, pii, shop, Role.TECHNICIAN, phone="13700000002")
    order_gid = await counter_order(gql, staff, shop, 1_000, None)

    # when the technician taps WeChat Pay
    body = await gql(
        "admin",
        "mutation($input: PayOrderInput!) { payOrder(input: $input) { paymentCode { url } } }",
        {"input": {"orderId": order_gid, "method": "WECHAT_PAY", "idempotencyKey": key()}},
        token=technician.token,
    )

    # then it is an auth failure, and no payment was opened
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await mongo.db[c.PAYMENTS].count_documents({}) == 0
