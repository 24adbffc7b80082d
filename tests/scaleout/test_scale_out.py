"""Two of everything behaves like one: two `jike serve` and two `jike worker` processes over one MongoDB and one
Redis take a mixed load (coupon claims against little stock, bookings of one slot, WeChat payments whose every
signed notification reaches both APIs, a refund, a payout run) while one API and one worker are SIGKILLed and
started again; afterwards everything happened exactly once.
"""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.constants import in_progress_key_prefix as IN_PROGRESS
from bson import ObjectId
from redis.asyncio import Redis

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain.cards.card import issue_card
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal
from payments.sandbox.wechatpay import WeChatPaySandbox
from schema.ids import from_global_id
from startup.settings import Settings
from tests.booking.conftest import open_salon
from tests.checkout.conftest import (
    MEMBER_CREATE_ORDER,
    MEMBER_PAY_ORDER,
    REFUND_ORDER,
    PaymentsSandbox,
    key,
    open_payment,
)
from tests.conftest import Shop
from tests.coupons.conftest import CLAIM, CREATE_TEMPLATE, SET_STATUS, SIGNER, amount_off, store_gid
from tests.payouts.conftest import earn, shareholder_program, shareholders
from tests.referrals.conftest import make_members

# Limits, not timings: a process starts in a few seconds here, and the payout cron fires at second 40 of a minute.
START_WITHIN_S = 60
SETTLED_WITHIN_S = 75

BOOK = """
mutation($input: BookInput!) { book(input: $input) { booking { id status start } userErrors { code } } }
"""
RUN_PAYOUTS = """
mutation($input: RunPayoutsInput!) { runPayouts(input: $input) { run { id } userErrors { code } } }
"""


@dataclass
class Fleet:
    """The four processes, each restartable on its own port / ready file, with their output kept for a failure."""

    env: dict[str, str]
    logs: Path
    api_ports: list[int]
    apis: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.api_ports]

    def _spawn(self, verb: str, name: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            return embedded.spawn(
                [sys.executable, "-m", "api.cli", verb],
                supervised=False,
                env=self.env | extra,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def start_api(self, i: int) -> subprocess.Popen[bytes]:
        process = self._spawn("serve", f"api{i}", {"JIKE_HTTP_PORT": str(self.api_ports[i])})
        await asyncio.to_thread(embedded.wait_for_port, self.api_ports[i], process, START_WITHIN_S)
        return process

    async def start_worker(self, i: int) -> subprocess.Popen[bytes]:
        ready = self.logs / f"worker{i}.ready"
        ready.unlink(missing_ok=True)
        process = self._spawn("worker", f"worker{i}", {"JIKE_WORKER_READY_FILE": str(ready)})
        deadline = time.monotonic() + START_WITHIN_S
        while not ready.exists():
            assert process.poll() is None, self.said()
            assert time.monotonic() < deadline, self.said()
            await asyncio.sleep(0.1)
        return process

    def said(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in self.logs.glob("*.log"))


@pytest.fixture
async def fleet(settings: Settings, mongo: Mongo, app_port: int, tmp_path: Path) -> AsyncIterator[Fleet]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JIKE_")}
    env = inherited | settings.as_env() | {"JIKE_DATA_DIR": str(tmp_path / "data"), "JIKE_LOG_LEVEL": "WARNING"}
    made = Fleet(env, tmp_path, [app_port, embedded.free_port()])
    try:
        made.apis = list(await asyncio.gather(made.start_api(0), made.start_api(1)))
        made.workers = list(await asyncio.gather(made.start_worker(0), made.start_worker(1)))
        yield made
    finally:
        for process in made.apis + made.workers:
            embedded.stop(process, timeout_s=5)


@dataclass
class Balancer:
    """What a load balancer and a client that retries with the same idempotency key do together: a request that
    meets a dead API goes to the next one."""

    http: httpx.AsyncClient
    urls: list[str]
    turn: int = 0

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(200):
            self.turn += 1
            url = self.urls[self.turn % len(self.urls)]
            try:
                response = await self.http.post(url + path, **kwargs)
            except httpx.TransportError:
                await asyncio.sleep(0.05)
                continue
            if response.status_code < 500:
                return response
            await asyncio.sleep(0.05)
        raise AssertionError(f"no API answered {path}")

    async def gql(self, door: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        answer = await self.post(
            f"/graphql/{door}",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        body: dict[str, Any] = answer.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


async def deliver_to_both(http: httpx.AsyncClient, urls: list[str], wechat: WeChatPaySandbox, trade: str) -> None:
    """The member pays; WeChat Pay's one signed notification reaches each API (a redelivery racing the first)."""
    wechat.mark_paid(trade, datetime.now(UTC))
    signed = wechat.payment_notification(trade, datetime.now(UTC))
    headers = {**signed.headers, "Content-Type": "application/json"}

    async def post(url: str) -> None:
        try:
            await http.post(f"{url}/webhooks/wechatpay", content=signed.body, headers=headers)
        except httpx.TransportError:
            pass  # that API is down: the other one has it, as WeChat Pay's retries would

    await asyncio.gather(*(post(url) for url in urls))


async def lapse_held_events(settings: Settings) -> None:
    """What the passing of arq's in-progress timeout (the longest job timeout + 10 s, 310 s here) does for the
    events a killed worker held: they become free to run on another worker. The live worker's events are freed
    too, so those may run twice at once, which the outbox's per-handler record has to make harmless."""
    redis = Redis.from_url(settings.redis_url.get_secret_value())
    try:
        async for held in redis.scan_iter(f"{IN_PROGRESS}*"):
            if ObjectId.is_valid(held.decode().removeprefix(IN_PROGRESS)):
                await redis.pexpire(held, 1)
    finally:
        await redis.aclose()


async def until(what: str, done: Callable[[], Awaitable[bool]], state: Callable[[], str]) -> None:
    deadline = time.monotonic() + SETTLED_WITHIN_S
    while not await done():
        assert time.monotonic() < deadline, f"not {what} after {SETTLED_WITHIN_S} s: {state()}"
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_two_apis_and_two_workers_with_one_of_each_killed_do_everything_exactly_once(
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    fleet: Fleet,
    settings: Settings,
    payments_sandbox: PaymentsSandbox,
) -> None:
    # given a shareholder with 10 yuan of commission to be paid out, six customers they brought in (each order
    # they pay earns the shareholder 10%), four more members, and a salon whose two technicians share each slot
    merchant_id = shop.merchant.merchant.id
    [boss] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, boss.id, 1_000)
    buyers = await make_members(mongo, merchant_id, 6, "顾客", ancestors=[boss.id])
    for buyer in buyers:
        await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=buyer.id)
    everyone = buyers + await make_members(mongo, merchant_id, 4, "路人")
    salon = await open_salon(mongo, pii, shop, staff=2)
    owner = SIGNER.sign(Principal(Audience.ADMIN, shop.merchant.owner.id, merchant_id), datetime.now(UTC))[0]
    wechat = payments_sandbox.sandbox.wechatpay
    async with httpx.AsyncClient(timeout=30) as http:
        lb = Balancer(http, fleet.urls())
        # and a coupon with 4 in stock
        made = await lb.gql("admin", CREATE_TEMPLATE, {"input": amount_off(stock=4)}, owner)
        template = made["createCouponTemplate"]["template"]["id"]
        await lb.gql("admin", SET_STATUS, {"input": {"templateId": template, "status": "ACTIVE"}}, owner)

        async def claim(who: Any) -> bool:
            variables = {"input": {"templateId": template, "idempotencyKey": key()}}
            return (await lb.gql("member", CLAIM, variables, who.token))["claimCoupon"]["coupon"] is not None

        async def book(who: Any) -> bool:
            start = salon.local(salon.tomorrow(), "10:00").isoformat()
            variables = {"input": {"storeId": salon.store_gid, "serviceId": salon.service_gid, "start": start}}
            variables["input"]["idempotencyKey"] = key()
            return (await lb.gql("member", BOOK, variables, who.token))["book"]["booking"] is not None

        async def buy(who: Any) -> str:
            variables = {"input": {"storeId": store_gid(shop), "amountFen": 10_000, "idempotencyKey": key()}}
            order = (await lb.gql("member", MEMBER_CREATE_ORDER, variables, who.token))["createOrder"]["order"]
            paying = {"input": {"orderId": order["id"], "method": "WECHAT_PAY", "idempotencyKey": key()}}
            assert (await lb.gql("member", MEMBER_PAY_ORDER, paying, who.token))["payOrder"]["userErrors"] == []
            trade = (await open_payment(mongo, order["id"]))["out_trade_no"]
            await deliver_to_both(http, fleet.urls(), wechat, trade)
            return str(order["id"])

        # when ten members claim, five book the same slot and three customers pay, all at once across both APIs
        claims = asyncio.gather(*(claim(m) for m in everyone))
        books = asyncio.gather(*(book(m) for m in everyone[:5]))
        orders = await asyncio.gather(*(buy(m) for m in buyers[:3]))
        # and, midway, the second API and the first worker are killed outright and started again
        os.kill(fleet.apis[1].pid, signal.SIGKILL)
        os.kill(fleet.workers[0].pid, signal.SIGKILL)
        fleet.apis[1].wait()
        fleet.workers[0].wait()
        await lapse_held_events(settings)
        orders += await asyncio.gather(*(buy(m) for m in buyers[3:]))
        fleet.apis[1], fleet.workers[0] = await asyncio.gather(fleet.start_api(1), fleet.start_worker(0))
        claimed, booked = await claims, await books
        # and the owner refunds one order once it is paid (a webhook applies its notification behind the answer, and
        # one killed meanwhile leaves it kept for the worker's next sweep) and starts a payout run
        first = {"_id": from_global_id("Order", orders[0]), "status": "PAID"}

        async def first_paid() -> bool:
            return await mongo.db[c.ORDERS].count_documents(first) == 1

        await until("paid", first_paid, fleet.said)
        refunding = {"orderId": orders[0], "amountFen": 10_000, "reason": "顾客不满意", "idempotencyKey": key()}
        assert (await lb.gql("admin", REFUND_ORDER, {"input": refunding}, owner))["refundOrder"]["userErrors"] == []
        run = await lb.gql("admin", RUN_PAYOUTS, {"input": {"idempotencyKey": key()}}, owner)
        assert run["runPayouts"]["userErrors"] == []

        # and the workers settle it all: every event handled, the payout bill sent by the payouts cron
        boss_openid = (await mongo.db[c.MEMBERS].find_one({"_id": boss.id}) or {})["openid"]

        async def settled() -> bool:
            # Booking reminders are due tomorrow, and wait for it. Not `relay_at`: a relayed entry's is its next
            # check, ten minutes on, while its job may still be queued or retrying.
            due = {"$or": [{"due_at": {"$exists": False}}, {"due_at": {"$lte": datetime.now(UTC)}}]}
            unfinished = {"status": {"$nin": ["DONE", "CANCELLED"]}, **due}
            kept = await mongo.db[c.PAYMENT_NOTIFICATIONS].count_documents({"status": "RECEIVED"})
            bills = len(payments_sandbox.sandbox.transfers.bills_of(boss_openid))
            stuck = await mongo.db[c.OUTBOX].find(unfinished, {"payload": 0}).to_list()
            progress.append(f"events due and not done {stuck}, notifications kept {kept}, payout bills {bills}")
            return stuck == [] and kept == 0 and bills > 0

        progress: list[str] = []

        await until("settled", settled, lambda: f"{progress[-1]}\n{fleet.said()}")

    # then the coupon went to exactly four members, and the slot to exactly two
    assert sum(claimed) == 4
    assert (await mongo.db[c.COUPON_TEMPLATES].find_one({"merchant_id": merchant_id}) or {})["issued"] == 4
    assert await mongo.db[c.COUPONS].count_documents({"merchant_id": merchant_id}) == 4
    assert sum(booked) == 2
    assert await mongo.db[c.BOOKINGS].count_documents({"merchant_id": merchant_id, "status": "BOOKED"}) == 2
    # and each order was paid once, by one payment, its notifications (two each) applied once
    order_ids = [from_global_id("Order", gid) for gid in orders]
    statuses = {d["_id"]: d["status"] for d in await mongo.db[c.ORDERS].find({"_id": {"$in": order_ids}}).to_list()}
    assert sorted(statuses.values()) == ["PAID"] * 5 + ["REFUNDED"]
    paid = Counter(p["order_id"] for p in await mongo.db[c.PAYMENTS].find({"status": "SUCCEEDED"}).to_list())
    assert paid == dict.fromkeys(order_ids, 1)
    # and points: every card's balance is its ledger's sum, one earning per paid order
    for card in await mongo.db[c.CARDS].find({"merchant_id": merchant_id}).to_list():
        entries = await mongo.db[c.LEDGER].find({"member_id": card["member_id"], "account": "POINTS"}).to_list()
        assert card["points"] == sum(e["amount"] for e in entries), card
    # and the shareholder earned once per order (the refunded one reversed), and was paid by one bill created once
    earned = Counter(d["order_id"] for d in await mongo.db[c.COMMISSIONS].find({"beneficiary_id": boss.id}).to_list())
    assert all(n == 1 for n in earned.values()) and set(order_ids) <= set(earned)
    [bill] = payments_sandbox.sandbox.transfers.bills_of(boss_openid)
    assert payments_sandbox.sandbox.transfers.create_calls[bill.out_bill_no] == 1
    assert await mongo.db[c.PAYOUT_TRANSFERS].count_documents({}) == 1
    # and every outbox event was handled once by each of its handlers, its notification sent once
    events = await mongo.db[c.OUTBOX].find({"merchant_id": merchant_id}).to_list()
    assert all(len(e["handled"]) == len(set(e["handled"])) for e in events)
    told = Counter(n["dedupe_key"].rsplit(":", 1)[0] for n in await mongo.db[c.NOTIFICATIONS].find({}).to_list())
    assert all(n == 1 for n in told.values()), told
    # and each cron period ran once, however many workers' crons fired for it
    periods = await mongo.db[c.CRON_PERIODS].find({}).to_list()
    assert periods and all(p["attempts"] == 1 for p in periods), periods
    runs = sum(r.get("runs", 0) for r in await mongo.db[c.CRON_RUNS].find({}).to_list())
    assert runs == len(periods)
