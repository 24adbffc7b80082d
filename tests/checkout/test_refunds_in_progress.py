"""Refunds in progress (退款中): a refund WeChat Pay has not confirmed keeps its order PAID, so the order list
finds such orders by the refund, and the Home counts them, until the refund completes.
"""

from typing import Any

import httpx
import pytest

from api import embedded
from db.mongo import Mongo
from domain.checkout import refunds
from domain.checkout.errors import CheckoutCode, CheckoutError
from payments.sandbox import Provider
from schema.ids import from_global_id
from startup.clients import payment_providers
from startup.settings import Settings
from tests.checkout.conftest import PaymentsSandbox, member_pay, open_payment, refund, sandbox_pays, scan_order, shopper
from tests.checkout.test_refunds import refund_notified
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer, store_gid

REFUNDING = """
query($store: ID!) {
  orders(storeId: $store, refundInProgress: true, first: 20) { edges { node { id status refundedFen } } }
  storeToday(storeId: $store) { takingsFen paidOrders toDo { refundsInProgress } }
}
"""


async def _paid_with_wechat(gql: Gql, mongo: Mongo, world: PaymentsSandbox, member: Customer, shop: Shop) -> str:
    order = await scan_order(gql, member, store_gid(shop), 10_000)
    await member_pay(gql, member, order["id"], "WECHAT_PAY")
    await sandbox_pays(world, mongo, Provider.WECHATPAY, (await open_payment(mongo, order["id"]))["out_trade_no"])
    return str(order["id"])


async def _refunding(gql: Gql, token: str, shop: Shop) -> dict[str, Any]:
    body = await gql("admin", REFUNDING, {"store": store_gid(shop)}, token=token)
    assert "errors" not in body, body
    return {
        "listed": [e["node"] for e in body["data"]["orders"]["edges"]],
        "home": body["data"]["storeToday"],
    }


async def test_a_refund_wechat_pay_has_not_confirmed_is_listed_and_counted_until_it_completes(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, settings: Settings, payments_sandbox: PaymentsSandbox
) -> None:
    # given two orders of 100 yuan paid with WeChat Pay today
    member = await shopper(mongo, shop)
    order = await _paid_with_wechat(gql, mongo, payments_sandbox, member, shop)
    await _paid_with_wechat(gql, mongo, payments_sandbox, member, shop)

    # when the owner refunds 30 yuan of the first while WeChat Pay cannot be reached
    down = Settings(
        _env_file=None, **settings.model_dump() | {"wechatpay_api_base": f"http://127.0.0.1:{embedded.free_port()}"}
    )
    order_id = from_global_id("Order", order)
    assert order_id is not None
    async with httpx.AsyncClient() as http:
        with pytest.raises(CheckoutError) as refused:
            await refunds.refund_order(
                mongo=mongo,
                providers=payment_providers(down, http),
                actor=shop.merchant.owner,
                order_id=order_id,
                amount_fen=3_000,
                reason="顾客不满意",
                idempotency_key="refund-1",
            )
    waiting = await _refunding(gql, owner_token, shop)

    # then the refund waits: the order, still PAID, is the one listed as 退款中 and counted on the Home
    assert refused.value.code is CheckoutCode.PROVIDER_UNAVAILABLE
    assert waiting == {
        "listed": [{"id": order, "status": "PAID", "refundedFen": 0}],
        "home": {"takingsFen": 20_000, "paidOrders": 2, "toDo": {"refundsInProgress": 1}},
    }

    # and when the owner asks again with the same key once WeChat Pay answers, and it confirms the refund
    again = await refund(gql, owner_token, order, 3_000, idem="refund-1")
    await refund_notified(payments_sandbox, mongo, again["refund"]["id"])
    done = await _refunding(gql, owner_token, shop)

    # then nothing is in progress any more, and the money refunded is off today's takings
    assert again["replayed"] is True
    assert done == {"listed": [], "home": {"takingsFen": 17_000, "paidOrders": 2, "toDo": {"refundsInProgress": 0}}}
