"""Webhook storm: N orders paid with WeChat Pay, each payment's notification delivered 5 times at once through
the real webhook (signature check, decryption, dedupe, the payment's transaction), all orders together.

Starts its own SecantusDB and redis-server and the payments sandbox (the WeChat Pay the orders are opened at),
runs --apps API processes (`jike serve`, each on its own port, sharing one database) and delivers copy i of every
notification to process i % apps over loopback, at most --in-flight deliveries at a time, each on a connection of
its own as WeChat Pay makes them; a notification none of whose copies was acknowledged is delivered again, as
WeChat Pay would, up to --max-retries times. Prints how many deliveries were answered 2xx within the 4.5 s WeChat
Pay allows and the p50/p99 answer time; acknowledged notifications/s against a bare single insert per delivery (the
floor any durable dedupe pays) measured on the same database in the same run, and their ratio; the CPU each side
used meanwhile and the machine's load (figures taken on a busy shared machine are slower, and say so); how long
until every order was paid; one more payment notified alone afterwards (answer, and order paid); and the
exactly-once counts (orders paid, payments, points entries, ORDER_PAID events, notifications kept and applied).

    uv run python bench/webhook_storm.py --orders 200 --copies 5 --apps 2
"""

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from bson import ObjectId

from api import embedded
from api.sandbox import sandbox_env
from api.webhooks import ANSWER_WITHIN_S
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.cards.card import issue_card
from domain.checkout import pay
from domain.orders import create
from domain.orders.draft import Discounts
from domain.orders.model import PayMethod
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from payments.sandbox import Sandbox, SandboxKeys, SignedNotification, create_sandbox_app
from startup.clients import payment_providers
from startup.settings import Env, Settings

# How long the bench waits for every order to be paid once every notification is acknowledged.
PAID_WITHIN_S = 120.0


def _settings(mongo_uri: str, redis_url: str, keys: SandboxKeys, sandbox_url: str) -> Settings:
    env = {
        "JIKE_ENV": Env.TEST.value,
        "JIKE_MONGODB_URI": mongo_uri,
        "JIKE_MONGODB_DB": "bench",
        "JIKE_REDIS_URL": redis_url,
        "JIKE_SECRET_KEY": secrets.token_urlsafe(48),
        "JIKE_PII_KEY": secrets.token_urlsafe(48),
        # The API processes' own warnings (one per late answer) would drown the figures.
        "JIKE_LOG_LEVEL": "ERROR",
        "JIKE_WECHAT_APPID": keys.wechat_appid,
        **sandbox_env(keys, sandbox_url),
    }
    return Settings.model_validate({k.removeprefix("JIKE_").lower(): v for k, v in env.items()})


@dataclass(frozen=True)
class Paid:
    order_id: ObjectId
    note: SignedNotification


async def _open_payments(mongo: Mongo, settings: Settings, sandbox: Sandbox, n: int) -> list[Paid]:
    """N members each with an order and its WeChat Pay payment open at the sandbox, then paid there: the order and
    the notification WeChat Pay would send for each."""
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher(settings.pii_key.get_secret_value()),
        passwords=Passwords(PasswordCost()),
        name="压测商家",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone="13800000000",
        owner_password=secrets.token_urlsafe(12),
    )
    merchant_id = shop.merchant.id
    notes = []
    async with httpx.AsyncClient(timeout=10) as http:
        providers = payment_providers(settings, http)
        for i in range(n):
            member_id = (
                await mongo.db[c.MEMBERS].insert_one(
                    {"merchant_id": merchant_id, "channel": "WECHAT", "openid": f"bench-{uuid.uuid4().hex}"}
                    | {"unionid": None, "nickname": f"顾客{i}", "created_at": datetime.now(UTC), "first_touch": ""}
                )
            ).inserted_id
            await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
            order = await create.create_member_order(
                mongo=mongo,
                merchant_id=merchant_id,
                member_id=member_id,
                request=create.MemberRequest(store_id=shop.store.id, amount_fen=1_000 + i),
                discounts=Discounts(),
                idempotency_key=uuid.uuid4().hex,
            )
            opened = await pay.pay_order(
                mongo=mongo,
                providers=providers,
                payer=pay.Payer(merchant_id, member_id=member_id),
                order_id=order.order.id,
                method=PayMethod.WECHAT_PAY,
                idempotency_key=uuid.uuid4().hex,
            )
            out_trade_no = opened.payment.out_trade_no
            sandbox.wechatpay.mark_paid(out_trade_no, datetime.now(UTC))
            notes.append(Paid(order.order.id, sandbox.wechatpay.payment_notification(out_trade_no, datetime.now(UTC))))
    return notes


@dataclass(frozen=True)
class Api:
    urls: list[str]
    pids: list[int]


def _cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) the processes have used so far, from /proc (Linux)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def _api_processes(settings: Settings, apps: int) -> Iterator[Api]:
    """`jike serve` --apps times, each on its own port; stopped (SIGTERM, so each drains) on the way out."""
    ports = [embedded.free_port() for _ in range(apps)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            env = os.environ | settings.as_env() | {"JIKE_HTTP_PORT": str(port)}
            processes.append(embedded.spawn([sys.executable, "-m", "api.cli", "serve"], supervised=False, env=env))
        for port, process in zip(ports, processes, strict=True):
            embedded.wait_for_port(port, process)
        yield Api([f"http://127.0.0.1:{port}" for port in ports], [p.pid for p in processes])
    finally:
        for process in processes:
            embedded.stop(process, timeout_s=60)


@dataclass(frozen=True)
class Answer:
    status: int
    seconds: float

    @property
    def in_time(self) -> bool:
        return 200 <= self.status < 300 and self.seconds <= ANSWER_WITHIN_S


@dataclass(frozen=True)
class Storm:
    # The first --copies deliveries of every notification.
    answers: list[Answer]
    # Redeliveries of notifications none of whose copies was acknowledged, as WeChat Pay would send.
    retries: int
    # Notifications never acknowledged, even after --max-retries redeliveries.
    given_up: int
    seconds: float


def _request(url: str, note: SignedNotification) -> tuple[str, int, bytes]:
    """The bytes of one delivery of `note` to our webhook at `url`: host, port, request."""
    address = httpx.URL(url)
    assert address.host and address.port
    lines = [
        "POST /webhooks/wechatpay HTTP/1.1",
        f"Host: {address.host}:{address.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(note.body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in note.headers.items()),
    ]
    return address.host, address.port, ("\r\n".join(lines) + "\r\n\r\n").encode() + note.body


async def _post(host: str, port: int, request: bytes) -> int:
    """One delivery on a connection of its own, as a provider makes it; the answer's status, 0 if none came.
    Raw asyncio streams rather than an HTTP client library: the provider's side should cost the bench's shared CPU
    as little as possible, so the figures are about our side."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return 0
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
        return int(status_line.split(b" ", 2)[1]) if status_line else 0
    except (OSError, ValueError, IndexError):
        return 0
    finally:
        writer.close()


async def _storm(urls: list[str], notes: list[SignedNotification], args: argparse.Namespace) -> Storm:
    """The clock stops when every notification has been acknowledged (or given up on)."""
    in_flight = asyncio.Semaphore(args.in_flight)

    async def deliver(note: SignedNotification, copy: int) -> Answer:
        host, port, request = _request(urls[copy % len(urls)], note)
        async with in_flight:
            sent = time.perf_counter()
            status = await _post(host, port, request)
            return Answer(status, time.perf_counter() - sent)

    async def acknowledged(note: SignedNotification) -> tuple[list[Answer], int, bool]:
        first = list(await asyncio.gather(*(deliver(note, i) for i in range(args.copies))))
        retries, done = 0, any(200 <= a.status < 300 for a in first)
        while not done and retries < args.max_retries:
            retries += 1
            done = 200 <= (await deliver(note, retries)).status < 300
        return first, retries, done

    started = time.perf_counter()
    results = await asyncio.gather(*(acknowledged(note) for note in notes))
    seconds = time.perf_counter() - started
    answers = [a for first, _, _ in results for a in first]
    return Storm(answers, sum(r for _, r, _ in results), sum(not done for _, _, done in results), seconds)


async def _all_paid(mongo: Mongo, orders: int) -> float | None:
    """Seconds until every order is paid (application may go on behind the answers), None past PAID_WITHIN_S."""
    started = time.perf_counter()
    while time.perf_counter() - started < PAID_WITHIN_S:
        if await mongo.db[c.ORDERS].count_documents({"status": "PAID"}) >= orders:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    return None


async def _exactly_once_counts(mongo: Mongo) -> dict[str, int]:
    stored = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}, {"deliveries": 1, "status": 1}).to_list()
    return {
        "orders paid": await mongo.db[c.ORDERS].count_documents({"status": "PAID"}),
        "payments succeeded": await mongo.db[c.PAYMENTS].count_documents({"status": "SUCCEEDED"}),
        "points entries": await mongo.db[c.LEDGER].count_documents({"kind": "EARN"}),
        "ORDER_PAID events": await mongo.db[c.OUTBOX].count_documents({"kind": "ORDER_PAID"}),
        "notifications kept": len(stored),
        "notifications applied": sum(s["status"] == "APPLIED" for s in stored),
        # Deliveries of one event meeting in one process share its keeping, and are recorded once.
        "deliveries recorded": sum(s["deliveries"] for s in stored),
    }


async def _quiet_payment(mongo: Mongo, url: str, paid: Paid) -> tuple[float, float | None]:
    """One payment notified once with nothing else going on: seconds until the answer, and until the order is paid
    (what the member's order page sees), None past PAID_WITHIN_S."""
    sent = time.perf_counter()
    status = await _post(*_request(url, paid.note))
    answered = time.perf_counter() - sent
    assert 200 <= status < 300, status
    while time.perf_counter() - sent < PAID_WITHIN_S:
        if await mongo.db[c.ORDERS].count_documents({"_id": paid.order_id, "status": "PAID"}):
            return answered, time.perf_counter() - sent
        await asyncio.sleep(0.005)
    return answered, None


async def _bare_inserts(mongo: Mongo, n: int) -> float:
    bare = mongo.db["bench_bare_notifications"]
    started = time.perf_counter()
    await asyncio.gather(*(bare.insert_one({"event_id": uuid.uuid4().hex, "at": datetime.now(UTC)}) for _ in range(n)))
    return time.perf_counter() - started


def _percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def run(args: argparse.Namespace, mongo_uri: str, mongo_pid: int, redis_url: str) -> None:
    keys = SandboxKeys.generate()
    sandbox = Sandbox(keys)
    port = embedded.free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_sandbox_app(sandbox), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    settings = _settings(mongo_uri, redis_url, keys, f"http://127.0.0.1:{port}")
    mongo = open_mongo(mongo_uri, "bench")
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.01)
        await ensure_indexes(mongo)
        # One more than the storm's: paid alone afterwards, when nothing else is going on.
        *paid, quiet = await _open_payments(mongo, settings, sandbox, args.orders + 1)
        deliveries = args.orders * args.copies
        print(
            f"{args.orders} orders paid with WeChat Pay; each notification delivered {args.copies} times at once, "
            f"spread over {args.apps} API processes, at most {args.in_flight} deliveries in flight"
        )

        with _api_processes(settings, args.apps) as api:
            cpu_before = _cpu_seconds(api.pids), _cpu_seconds([mongo_pid]), time.process_time()
            storm = await _storm(api.urls, [p.note for p in paid], args)
            cpu = _cpu_seconds(api.pids), _cpu_seconds([mongo_pid]), time.process_time()
            paid_s = await _all_paid(mongo, args.orders)
            counts = await _exactly_once_counts(mongo)
            alone = await _quiet_payment(mongo, api.urls[0], quiet)
        bare_s = await _bare_inserts(mongo, deliveries)
        storm_rate, bare_rate = deliveries / storm.seconds, deliveries / bare_s
        in_time = sum(a.in_time for a in storm.answers)
        times = [a.seconds for a in storm.answers]

        print(
            f"answered 2xx within {ANSWER_WITHIN_S} s: {in_time} / {deliveries} ({100 * in_time / deliveries:.1f} %); "
            f"{storm.retries} redeliveries until all acknowledged, {storm.given_up} notifications given up on"
        )
        print(f"answer time p50 / p99:   {_percentile(times, 50):.3f} s / {_percentile(times, 99):.3f} s")
        print(
            f"webhook notifications/s: {storm_rate:8.1f}  "
            f"({deliveries} deliveries acknowledged in {storm.seconds:.1f} s)"
        )
        print(f"bare inserts/s:          {bare_rate:8.1f}  ({deliveries} single inserts in {bare_s:.1f} s)")
        print(f"ratio webhook/bare: {storm_rate / bare_rate:.3f}")
        api_cpu, db_cpu, bench_cpu = (after - before for after, before in zip(cpu, cpu_before, strict=True))
        print(
            f"CPU during the storm:    API processes {api_cpu:.1f} s, database {db_cpu:.1f} s, bench {bench_cpu:.1f} s "
            f"in {storm.seconds:.1f} s on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}"
        )
        paid_line = f"{paid_s:.1f} s after the last acknowledgement" if paid_s is not None else "NOT within the limit"
        print(f"every order paid:        {paid_line}")
        quiet_line = f"order paid after {alone[1]:.3f} s" if alone[1] is not None else "order NOT paid within the limit"
        print(f"one payment, quiet:      answered in {alone[0]:.3f} s, {quiet_line}")
        for name, count in counts.items():
            print(f"{name + ':':24} {count}")
    finally:
        await mongo.close()
        server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="orders paid (N)")
    parser.add_argument("--copies", type=int, default=5, help="deliveries of each notification, at once")
    parser.add_argument("--apps", type=int, default=2, help="API processes sharing the deliveries")
    parser.add_argument("--in-flight", type=int, default=500, help="deliveries in flight at most, all processes")
    parser.add_argument("--max-retries", type=int, default=20, help="redeliveries of one notification at most")
    args = parser.parse_args()
    with embedded.throwaway_servers() as servers:
        asyncio.run(run(args, servers.mongodb_uri, servers.mongo.pid, servers.redis_url))


if __name__ == "__main__":
    main()
