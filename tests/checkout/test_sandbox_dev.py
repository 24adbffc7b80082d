"""The sandbox in the dev stack: `jike sandbox-pay` (through the dev-only endpoint) pays an order the way a member
would, so the whole pay flow works offline; none of it exists in production.
"""

import asyncio

import httpx
import pytest

from api.app import create_app
from api.sandbox import SANDBOX_PAY_PATH, request_sandbox_pay, run_sandbox
from db.mongo import Mongo
from startup.settings import Env, Settings
from tests.checkout.conftest import PaymentsSandbox, member_pay, order_doc, scan_order, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import store_gid


@pytest.fixture
def settings(settings: Settings, payments_sandbox: PaymentsSandbox) -> Settings:
    return Settings(_env_file=None, **settings.model_dump() | {"payments_sandbox_url": payments_sandbox.url})


async def test_sandbox_pay_pays_an_order_through_our_own_webhook(
    gql: Gql, mongo: Mongo, shop: Shop, settings: Settings, client: httpx.AsyncClient
) -> None:
    # given a member who chose WeChat Pay for an order, and another who chose Alipay
    wechat_member = await shopper(mongo, shop)
    wechat_order = await scan_order(gql, wechat_member, store_gid(shop), 1_500)
    await member_pay(gql, wechat_member, wechat_order["id"], "WECHAT_PAY")
    alipay_member = await shopper(mongo, shop, "支付宝用户", channel="ALIPAY")
    alipay_order = await scan_order(gql, alipay_member, store_gid(shop), 2_500)
    await member_pay(gql, alipay_member, alipay_order["id"], "ALIPAY")

    # when a developer runs `jike sandbox-pay --order …` for each, against the running dev API
    said = [
        await asyncio.to_thread(request_sandbox_pay, settings, order["id"], str(client.base_url))
        for order in (wechat_order, alipay_order)
    ]

    # then the sandbox delivered each signed notification to our webhook, which accepted it, and both are paid
    assert said[0].startswith("HTTP 200") and '"status":204' in said[0], said[0]
    assert said[1].startswith("HTTP 200") and '"answer":"success"' in said[1], said[1]
    assert [(await order_doc(mongo, o["id"]))["status"] for o in (wechat_order, alipay_order)] == ["PAID", "PAID"]


async def test_sandbox_pay_names_an_order_with_nothing_to_pay(
    gql: Gql, mongo: Mongo, shop: Shop, client: httpx.AsyncClient
) -> None:
    # given an order nobody has started paying
    member = await shopper(mongo, shop)
    order = await scan_order(gql, member, store_gid(shop), 1_000)

    # when the sandbox is asked to pay it
    answer = await client.post(SANDBOX_PAY_PATH, json={"orderId": order["id"]})

    # then it says what is missing
    assert answer.status_code == 404 and "payOrder" in answer.json()["error"]


def test_nothing_of_the_sandbox_exists_in_production(settings: Settings) -> None:
    # given production settings that still name a sandbox (refused when read, see
    # tests/api/test_production_settings.py; made here unchecked, to test the line of defence behind that)
    production = settings.model_copy(update={"env": Env.PRODUCTION})

    # when the app is made and `jike sandbox` is started
    paths = {getattr(route, "path", "") for route in create_app(production).routes}

    # then there is no sandbox pay endpoint, and the sandbox refuses to start
    assert SANDBOX_PAY_PATH not in paths and "/webhooks/wechatpay" in paths
    with pytest.raises(SystemExit):
        run_sandbox(production, 0)
