"""Payout givens: the payments sandbox (WeChat Pay merchant transfers included) as a real HTTP server for the
session, the app served on a real port so the sandbox's transfer notifications reach its webhook, the payout
channel the worker uses, and shareholders whose commissions were earned and released through the commissions
capability itself.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from bson import ObjectId

from api.app import create_app
from api.embedded import free_port
from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.programs import Program, appoint_shareholder
from domain.commissions.release import release_due_commissions
from domain.events import OrderPaid
from domain.payouts.batch import Round, pay_out
from domain.payouts.channel import PayoutChannel
from domain.payouts.runs import run_payouts
from domain.payouts.sending import send_due
from payments.sandbox import Sandbox, SandboxKeys, create_sandbox_app
from payments.sandbox.keys import private_pem, public_pem
from payments.sandbox.transfers import Limits, TransferSandbox
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.checkout.conftest import serving
from tests.commissions.conftest import open_program, paid
from tests.conftest import ALIPAY_APP_ID, WECHAT_APPID, Shop
from tests.referrals.conftest import Person, make_members

_CST = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class PayoutsSandbox:
    sandbox: Sandbox
    keys: SandboxKeys
    url: str


@pytest.fixture(scope="session")
async def payouts_sandbox() -> AsyncIterator[PayoutsSandbox]:
    keys = SandboxKeys.generate(wechat_appid=WECHAT_APPID, alipay_app_id=ALIPAY_APP_ID)
    sandbox = Sandbox(keys)
    async with serving(create_sandbox_app(sandbox), free_port(), lifespan="off") as url:
        yield PayoutsSandbox(sandbox, keys, url)


@pytest.fixture
def transfers(payouts_sandbox: PayoutsSandbox, client: httpx.AsyncClient) -> TransferSandbox:
    """The sandbox's transfers as a new merchant account has them (default limits, answering at once), with this
    test's app listening for their notifications."""
    t = payouts_sandbox.sandbox.transfers
    t.limits, t.create_delay_s, t.answer_next_create_after_s, t.day_offset = Limits(), 0.0, None, 0
    return t


@pytest.fixture
def app_port() -> int:
    return free_port()


def sandbox_settings(keys: SandboxKeys, sandbox_url: str, app_port: int) -> dict[str, Any]:
    return {
        "wechatpay_api_base": sandbox_url,
        "wechatpay_mchid": keys.wechat_mchid,
        "wechatpay_merchant_serial_no": keys.wechat_merchant_serial_no,
        "wechatpay_merchant_private_key": private_pem(keys.wechat_merchant_key),
        "wechatpay_apiv3_key": keys.wechat_apiv3_key,
        "wechatpay_public_key_id": keys.wechat_public_key_id,
        "wechatpay_public_key": public_pem(keys.wechat_platform_key.public_key()),
        "payments_notify_base_url": f"http://127.0.0.1:{app_port}",
    }


@pytest.fixture
def settings(settings: Settings, payouts_sandbox: PayoutsSandbox, app_port: int) -> Settings:
    """WeChat Pay pointed at the sandbox, its notifications at this test's app."""
    extra = sandbox_settings(payouts_sandbox.keys, payouts_sandbox.url, app_port)
    return Settings(_env_file=None, **settings.model_dump() | extra)


@pytest.fixture
async def client(settings: Settings, mongo: Mongo, app_port: int) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(create_app(settings), app_port, lifespan="on") as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield http


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


@pytest.fixture
def channel(clients: Clients) -> PayoutChannel:
    """What the worker pays through (the clients bundle's), with the account's limits as the sandbox has them."""
    made = clients.payouts
    assert made is not None
    return made


def with_limits(channel: PayoutChannel, **limits: int) -> PayoutChannel:
    return replace(channel, limits=replace(channel.limits, **limits))


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def next_monday_at_10(after: datetime) -> datetime:
    """The default schedule's first slot after `after`, in Shanghai."""
    local = after.astimezone(_CST)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        opens = datetime(day.year, day.month, day.day, 10, tzinfo=_CST)
        if day.isoweekday() == 1 and opens > local:
            return opens
    raise AssertionError("a week always has a Monday")


async def shareholder_program(mongo: Mongo, shop: Shop, **overrides: Any) -> Program:
    """10% to level 1, 3% to the acquiring staff member, no freeze, no minimum unless said."""
    return await open_program(mongo, shop, freeze_days=0, **overrides)


async def shareholders(
    mongo: Mongo, shop: Shop, program: Program, n: int, prefix: str = "股东", **fields: Any
) -> list[Person]:
    people = await make_members(mongo, shop.merchant.merchant.id, n, prefix, **fields)
    for person in people:
        await appoint_shareholder(mongo=mongo, actor=shop.merchant.owner, member_id=person.id, program_id=program.id)
    return people


async def earn(mongo: Mongo, shop: Shop, beneficiary: ObjectId, *amounts: int, staff: bool = False) -> list[OrderPaid]:
    """Commissions of exactly `amounts` fen for the beneficiary, earned at 10% on a friend's orders (a staff
    member: on orders of members they brought in, with a program paying staff 10%) and released from the
    freeze: AVAILABLE, the ledger as the commissions capability leaves it."""
    link = {"acquired_by_staff_id": beneficiary} if staff else {"ancestors": [beneficiary]}
    [payer] = await make_members(mongo, shop.merchant.merchant.id, 1, "顾客", **link)
    orders = []
    for amount in amounts:
        order = paid(shop, payer.id, amount * 10)
        await on_order_paid(mongo=mongo, event=order)
        orders.append(order)
    await release_due_commissions(mongo=mongo, now=datetime.now(UTC))
    return orders


async def run_now(mongo: Mongo, shop: Shop, channel: PayoutChannel, key: str = "run-1") -> ObjectId:
    view = await run_payouts(mongo=mongo, channel=channel, actor=shop.merchant.owner, idempotency_key=key)
    return view.run.id


async def send(mongo: Mongo, channel: PayoutChannel, now: datetime | None = None) -> int:
    return await send_due(mongo=mongo, channel=channel, now=now or datetime.now(UTC), budget=timedelta(seconds=60))


async def round_until_idle(mongo: Mongo, channel: PayoutChannel, now: datetime | None = None) -> list[Round]:
    """The worker's payout rounds until one finds nothing to do."""
    rounds = []
    for _ in range(20):
        done = await pay_out(mongo=mongo, channel=channel, now=now or datetime.now(UTC))
        rounds.append(done)
        if done.work == 0:
            return rounds
    raise AssertionError(f"payout rounds never went idle: {rounds}")


async def payouts_of(mongo: Mongo, member_id: ObjectId) -> list[Doc]:
    return await mongo.db[c.PAYOUTS].find({"beneficiary_id": member_id}).sort("_id", 1).to_list()


async def bills_of(mongo: Mongo, payout_id: ObjectId) -> list[Doc]:
    return await mongo.db[c.PAYOUT_TRANSFERS].find({"payout_id": payout_id}).sort("seq", 1).to_list()


async def statuses(mongo: Mongo, beneficiary: ObjectId) -> list[str]:
    docs = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": beneficiary}).sort("_id", 1).to_list()
    return [d["status"] for d in docs]


BUCKETS = ("pending_fen", "available_fen", "review_fen", "paid_fen", "owed_fen")


async def balance(mongo: Mongo, beneficiary: ObjectId) -> dict[str, int]:
    doc = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"beneficiary_id": beneficiary}) or {}
    return {name: int(doc.get(name, 0)) for name in BUCKETS}


async def assert_ledger_adds_up(mongo: Mongo, beneficiary: ObjectId) -> None:
    """Sum of ledger entries == account, no bucket negative, and available == what AVAILABLE commissions and
    carried rests are worth."""
    entries = await mongo.db[c.COMMISSION_LEDGER].find({"beneficiary_id": beneficiary}).to_list()
    sums = {name: sum(int(e.get(name, 0)) for e in entries) for name in BUCKETS}
    account = await balance(mongo, beneficiary)
    assert sums == account
    assert min(account.values()) >= 0
    available = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": beneficiary, "status": "AVAILABLE"}).to_list()
    rests = (
        await mongo.db[c.PAYOUTS]
        .find({"beneficiary_id": beneficiary, "status": "PARTIALLY_PAID", "carried_into": None})
        .to_list()
    )
    worth = sum(d["amount_fen"] - d["reversed_fen"] for d in available) + sum(r["unpaid_fen"] for r in rests)
    assert account["available_fen"] == worth


async def wait_for(predicate: Any, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


async def seed_available(
    mongo: Mongo, shop: Shop, commissions: int, per_member: int, chunk: int = 2_000
) -> list[ObjectId]:
    """`commissions` AVAILABLE commissions of 1.00 yuan, `per_member` to a member, written in bulk as the
    commissions capability leaves them (commission documents, one account and one ledger entry per member):
    the scale the bulk test and bench/payout_batch.py need, where accruing each through the domain would take
    an hour on SecantusDB. Returns the members."""
    merchant_id, store_id, now = shop.merchant.merchant.id, shop.merchant.store.id, datetime.now(UTC)
    members = await make_members(mongo, merchant_id, -(-commissions // per_member), "批量")
    ids = [m.id for m in members]
    program_id = ObjectId()
    batch: list[Doc] = []
    for i in range(commissions):
        batch.append(
            {
                "merchant_id": merchant_id,
                "order_id": ObjectId(),
                "store_id": store_id,
                "payer_id": program_id,
                "beneficiary_id": ids[i // per_member],
                "beneficiary_kind": "MEMBER",
                "level": 1,
                "program_id": program_id,
                "rate_bp": 1000,
                "base_fen": 1_000,
                "amount_fen": 100,
                "reversed_fen": 0,
                "status": "AVAILABLE",
                "flags": [],
                "paid_at": now,
                "release_at": now,
                "created_at": now,
            }
        )
        if len(batch) == chunk:
            await mongo.db[c.COMMISSIONS].insert_many(batch, ordered=False)
            batch = []
    if batch:
        await mongo.db[c.COMMISSIONS].insert_many(batch, ordered=False)
    worth = {member: 100 * min(per_member, commissions - n * per_member) for n, member in enumerate(ids)}
    await mongo.db[c.COMMISSION_ACCOUNTS].insert_many(
        [{"merchant_id": merchant_id, "beneficiary_id": m, "available_fen": fen} for m, fen in worth.items()]
    )
    await mongo.db[c.COMMISSION_LEDGER].insert_many(
        [
            {
                "merchant_id": merchant_id,
                "beneficiary_id": m,
                "commission_id": None,
                "kind": "RELEASE",
                "available_fen": fen,
                "idempotency_key": f"seed:{m}",
                "detail": {},
                "at": now,
            }
            for m, fen in worth.items()
        ]
    )
    return ids
