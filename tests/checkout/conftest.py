"""Checkout givens: the payments sandbox as a real HTTP server for the session (keys generated here), the app
itself served on a real port so the sandbox can post signed notifications to our webhooks (or as a `jike serve`
process of its own, to be killed), members with cards and WeChat/Alipay openids, helpers that read balances and
statuses straight from the database, and waits for what webhooks apply behind their answer.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
import uvicorn
from bson import ObjectId
from starlette.applications import Starlette

from api import embedded
from api.app import create_app
from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.card import issue_card
from domain.cards.ledger import SYSTEM, Account, EntryKind, Posting, post_alone
from domain.cards.stored_value import top_up
from domain.checkout import pay
from domain.checkout.providers import Providers
from domain.members import record_joined
from domain.orders import create, draft
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from domain.tenancy import Role
from payments.sandbox import Delivery, Provider, Sandbox, SandboxKeys, create_sandbox_app
from payments.sandbox.keys import private_pem, public_pem
from schema.ids import from_global_id
from startup.settings import Settings
from tests.conftest import ALIPAY_APP_ID, WECHAT_APPID, Gql, Shop
from tests.coupons.conftest import Colleague, Customer, make_members, make_staff


@contextmanager
def api_process(settings: Settings, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The API as production runs it, `jike serve` in a process of its own, with the test's settings."""
    env = os.environ | settings.as_env() | {"JIKE_HTTP_PORT": str(port)}
    process = embedded.spawn([sys.executable, "-m", "api.cli", "serve"], supervised=False, env=env)
    try:
        embedded.wait_for_port(port, process)
        yield process
    finally:
        embedded.stop(process)


@asynccontextmanager
async def serving(app: Starlette, port: int, *, lifespan: Literal["on", "off"]) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def wire_headers(headers: dict[str, str]) -> dict[bytes, bytes]:
    """Headers as HTTP carries them, Latin-1 bytes, so a forged one may hold any such byte (httpx sends ASCII)."""
    return {name.encode("latin-1"): value.encode("latin-1") for name, value in headers.items()}


@dataclass(frozen=True)
class PaymentsSandbox:
    sandbox: Sandbox
    keys: SandboxKeys
    url: str


@pytest.fixture(scope="session")
def sandbox_keys() -> SandboxKeys:
    return SandboxKeys.generate(wechat_appid=WECHAT_APPID, alipay_app_id=ALIPAY_APP_ID)


@pytest.fixture(scope="session")
async def payments_sandbox(sandbox_keys: SandboxKeys) -> AsyncIterator[PaymentsSandbox]:
    sandbox = Sandbox(sandbox_keys)
    async with serving(create_sandbox_app(sandbox), embedded.free_port(), lifespan="off") as url:
        yield PaymentsSandbox(sandbox, sandbox_keys, url)


@pytest.fixture
def app_port() -> int:
    return embedded.free_port()


@pytest.fixture
def settings(settings: Settings, payments_sandbox: PaymentsSandbox, app_port: int) -> Settings:
    """The test settings with WeChat Pay and Alipay payments pointed at the sandbox, notifying this test's app."""
    keys = payments_sandbox.keys
    return Settings(
        _env_file=None,
        **settings.model_dump()
        | {
            "wechatpay_api_base": payments_sandbox.url,
            "wechatpay_mchid": keys.wechat_mchid,
            "wechatpay_merchant_serial_no": keys.wechat_merchant_serial_no,
            "wechatpay_merchant_private_key": private_pem(keys.wechat_merchant_key),
            "wechatpay_apiv3_key": keys.wechat_apiv3_key,
            "wechatpay_public_key_id": keys.wechat_public_key_id,
            "wechatpay_public_key": public_pem(keys.wechat_platform_key.public_key()),
            "alipay_pay_api_base": f"{payments_sandbox.url}/gateway.do",
            "alipay_seller_id": keys.alipay_seller_id,
            "alipay_app_private_key": private_pem(keys.alipay_app_key),
            "alipay_public_key": public_pem(keys.alipay_platform_key.public_key()),
            "payments_notify_base_url": f"http://127.0.0.1:{app_port}",
        },
    )


@pytest.fixture
async def client(settings: Settings, mongo: Mongo, app_port: int) -> AsyncIterator[httpx.AsyncClient]:
    """The app served for real, so the sandbox's notifications reach its webhooks over HTTP."""
    async with (
        serving(create_app(settings), app_port, lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


async def shopper(mongo: Mongo, shop: Shop, name: str = "顾客", channel: str = "WECHAT") -> Customer:
    """A member of the shop with a card, signed in through `channel` (their openid is what they pay with), their
    MEMBER_JOINED in the outbox as first login writes it."""
    [member] = await make_members(mongo, shop, 1, name)
    await record_joined(mongo=mongo, session=None, merchant_id=shop.merchant.merchant.id, member_id=member.id)
    if channel != "WECHAT":
        await mongo.db[c.MEMBERS].update_one({"_id": member.id}, {"$set": {"channel": channel}})
    await issue_card(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=member.id)
    return member


async def cashier(
    mongo: Mongo, pii: PiiCipher, shop: Shop, role: Role = Role.CASHIER, phone: str = "13700000001"
) -> Colleague:
    return await make_staff(mongo, pii, shop, role, phone)


async def card(mongo: Mongo, member: Customer) -> Doc:
    doc = await mongo.db[c.CARDS].find_one({"member_id": member.id})
    assert doc is not None
    return doc


async def give(
    mongo: Mongo, shop: Shop, member: Customer, *, points: int = 0, stored: tuple[int, int] = (0, 0)
) -> None:
    """Points and stored value (paid part, bonus part) the member holds already, through the ledger."""
    merchant_id = shop.merchant.merchant.id
    if points:
        posting = Posting(merchant_id, member.id, Account.POINTS, EntryKind.ADJUSTMENT, points, "given", SYSTEM, key())
        await post_alone(mongo=mongo, posting=posting)
    if any(stored):
        await top_up(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=member.id,
            paid_fen=stored[0],
            bonus_fen=stored[1],
            reference="given",
            idempotency_key=key(),
            actor=SYSTEM,
        )


async def order_doc(mongo: Mongo, order_gid: str) -> Doc:
    oid = from_global_id("Order", order_gid)
    doc = await mongo.db[c.ORDERS].find_one({"_id": oid})
    assert doc is not None
    return doc


async def once(mongo: Mongo, collection: str, query: Doc, done: Callable[[Doc], bool], within_s: float = 10.0) -> Doc:
    """The document `query` names, once `done` holds for it: waited for through a change stream (webhooks apply
    notifications behind their answer), failing after `within_s`."""
    match = {f"fullDocument.{field}": value for field, value in query.items()}
    async with (
        asyncio.timeout(within_s),
        await mongo.db[collection].watch([{"$match": match}], full_document="updateLookup") as changes,
    ):
        doc = await mongo.db[collection].find_one(query)
        while doc is None or not done(doc):
            doc = (await changes.next()).get("fullDocument")
    return doc


async def order_turns(mongo: Mongo, order_gid: str, status: str) -> Doc:
    return await once(mongo, c.ORDERS, {"_id": from_global_id("Order", order_gid)}, lambda d: d["status"] == status)


async def handled(mongo: Mongo, event_id: str) -> Doc:
    """The kept notification once it is no longer waiting to be applied (applied, parked or rejected)."""
    return await once(mongo, c.PAYMENT_NOTIFICATIONS, {"event_id": event_id}, lambda d: d["status"] != "RECEIVED")


async def all_handled(mongo: Mongo, within_s: float = 10.0) -> None:
    """Returns once no kept payment notification waits to be applied (webhooks apply them behind their answer),
    watched through a change stream; fails after `within_s`."""
    notes = mongo.db[c.PAYMENT_NOTIFICATIONS]
    async with asyncio.timeout(within_s), await notes.watch() as changes:
        while await notes.count_documents({"status": "RECEIVED"}):
            await changes.next()


async def sandbox_pays(world: PaymentsSandbox, mongo: Mongo, provider: Provider, out_trade_no: str) -> Delivery | None:
    """The member pays in the sandbox, which notifies our webhook; returns once the notification is applied."""
    delivery = await world.sandbox.pay(provider, out_trade_no)
    await all_handled(mongo)
    return delivery


@asynccontextmanager
async def held(mongo: Mongo, order_gid: str) -> AsyncIterator[None]:
    """The order written by a transaction that stays open until the block ends (then aborted, changing nothing):
    whatever else writes the order waits, as behind a slow transaction on a busy day."""
    async with mongo.client.start_session() as session:
        await session.start_transaction()
        oid = from_global_id("Order", order_gid)
        await mongo.db[c.ORDERS].update_one({"_id": oid}, {"$set": {"held": True}}, session=session)
        try:
            yield
        finally:
            await session.abort_transaction()


async def outbox(mongo: Mongo, kind: str) -> list[Doc]:
    return await mongo.db[c.OUTBOX].find({"kind": kind}).sort("_id", 1).to_list()


async def open_payment(mongo: Mongo, order_gid: str) -> Doc:
    doc = await mongo.db[c.PAYMENTS].find_one({"order_id": from_global_id("Order", order_gid)}, sort=[("_id", -1)])
    assert doc is not None
    return doc


MEMBER_CREATE_ORDER = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { id status kind source storeName lines { name unitPriceFen quantity }
            price { listFen levelDiscountFen couponDiscountFen payableFen pointsUsed pointsFen dueFen } }
    userErrors { field code message }
  }
}
"""

MEMBER_PAY_ORDER = """
mutation($input: PayOrderInput!) {
  payOrder(input: $input) {
    order { id status }
    payment { id method status amountFen }
    wechatPay { appId timeStamp nonceStr package signType paySign }
    alipayTradeNo
    replayed
    userErrors { field code message }
  }
}
"""

ADMIN_CREATE_ORDER = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    order { id status storeName memberNickname lines { itemId name unitPriceFen quantity }
            price { listFen levelDiscountFen couponDiscountFen payableFen pointsUsed pointsFen dueFen } }
    userErrors { field code message }
  }
}
"""

ADMIN_PAY_ORDER = """
mutation($input: PayOrderInput!) {
  payOrder(input: $input) {
    order { id status paidMethod }
    payment { id method status amountFen expiresAt }
    paymentCode { url provider expiresAt }
    replayed
    userErrors { field code message }
  }
}
"""

REFUND_ORDER = """
mutation($input: RefundOrderInput!) {
  refundOrder(input: $input) {
    order { id status refundedFen }
    refund { id amountFen status pointsTakenBack pointsReturned storedValueReturnedFen }
    replayed
    userErrors { field code message }
  }
}
"""


def key() -> str:
    return ObjectId().binary.hex()


async def scan_order(gql: Gql, member: Customer, store_gid: str, amount_fen: int, **extra: Any) -> dict[str, Any]:
    variables = {"input": {"storeId": store_gid, "amountFen": amount_fen, "idempotencyKey": key(), **extra}}
    body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)
    payload: dict[str, Any] = body["data"]["createOrder"]
    assert payload["userErrors"] == [], payload
    order: dict[str, Any] = payload["order"]
    return order


async def member_pay(
    gql: Gql, member: Customer, order_gid: str, method: str, idem: str | None = None
) -> dict[str, Any]:
    variables = {"input": {"orderId": order_gid, "method": method, "idempotencyKey": idem or key()}}
    body = await gql("member", MEMBER_PAY_ORDER, variables, token=member.token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["payOrder"]
    return payload


async def staff_pay(gql: Gql, staff: Colleague, order_gid: str, method: str, idem: str | None = None) -> dict[str, Any]:
    variables = {"input": {"orderId": order_gid, "method": method, "idempotencyKey": idem or key()}}
    body = await gql("admin", ADMIN_PAY_ORDER, variables, token=staff.token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["payOrder"]
    return payload


async def refund(gql: Gql, token: str, order_gid: str, amount_fen: int, idem: str | None = None) -> dict[str, Any]:
    variables = {
        "input": {
            "orderId": order_gid,
            "amountFen": amount_fen,
            "reason": "顾客不满意",
            "idempotencyKey": idem or key(),
        }
    }
    body = await gql("admin", REFUND_ORDER, variables, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["refundOrder"]
    return payload


async def balances_and_statuses(mongo: Mongo) -> dict[str, Any]:
    """Everything a payment could change, except the flags that ask staff to look: cards, ledger, orders' and
    payments' statuses, coupons, and the outbox."""
    orders = await mongo.db[c.ORDERS].find({}, {"flags": 0}).sort("_id", 1).to_list()
    return {
        "cards": await mongo.db[c.CARDS].find({}).sort("_id", 1).to_list(),
        "ledger": await mongo.db[c.LEDGER].count_documents({}),
        "orders": orders,
        "payments": [(p["_id"], p["status"]) for p in await mongo.db[c.PAYMENTS].find({}).sort("_id", 1).to_list()],
        "coupons": await mongo.db[c.COUPONS].find({}).sort("_id", 1).to_list(),
        "outbox": await mongo.db[c.OUTBOX].count_documents({}),
    }


async def flags(mongo: Mongo, order_gid: str) -> list[str]:
    return [f["code"] for f in (await order_doc(mongo, order_gid)).get("flags", [])]


async def counter_sale(
    mongo: Mongo,
    shop: Shop,
    store_id: ObjectId,
    amount_fen: int,
    method: PayMethod = PayMethod.CASH,
    member_id: ObjectId | None = None,
) -> ObjectId:
    """An amount rung up at the counter by the owner and paid at once (cash or stored value): the order's id."""
    owner = shop.merchant.owner
    made = await create.create_counter_order(
        mongo=mongo,
        actor=owner,
        store_id=store_id,
        member_id=member_id,
        items=[],
        amount_fen=amount_fen,
        discounts=draft.Discounts(),
        note="",
        idempotency_key=uuid.uuid4().hex,
    )
    await pay.pay_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        payer=pay.Payer(owner.merchant_id, staff=owner),
        order_id=made.order.id,
        method=method,
        idempotency_key=uuid.uuid4().hex,
    )
    return made.order.id
