"""Saturday afternoon: members opening the home screen, claiming and forwarding coupons, booking, cashiers ringing
up counter bills, and WeChat Pay notifications arriving, all at once, against one `jike serve` and then against
two (round-robin, as a load balancer), over one SecantusDB and one redis-server (api.embedded.throwaway_servers)
and the payments sandbox. Prints p50/p95/p99 latency, errors and throughput per operation and in all for each, and
the scale-out ratio (two processes' throughput over one's), measured in the same run on the same machine.

    uv run python bench/load_mix.py --seconds 20 --clients 16
"""

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from bson import ObjectId

from api import embedded
from api.sandbox import sandbox_env
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import catalog as items
from domain import tenancy
from domain.booking import catalog, schedules
from domain.booking.schedules import ClockRange
from domain.cards.card import issue_card
from domain.checkout import pay
from domain.coupons import templates
from domain.keyring import Keyring
from domain.orders import create
from domain.orders.draft import Discounts
from domain.orders.model import PayMethod
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from domain.pricing import CouponKind
from domain.sessions import Audience, Principal, TokenSigner
from payments.sandbox import Sandbox, SandboxKeys, create_sandbox_app
from schema.ids import to_global_id
from startup.clients import payment_providers
from startup.settings import Env, Settings

HOME = "query { me { id nickname card { points } } myCoupons(first: 10) { edges { node { id status } } } }"
CLAIM = "mutation($i: ClaimCouponInput!) { claimCoupon(input: $i) { coupon { id } userErrors { code } } }"
FORWARD = "mutation($i: ForwardCouponInput!) { forwardCoupon(input: $i) { coupon { id } userErrors { code } } }"
BOOK = "mutation($i: BookInput!) { book(input: $i) { booking { id } userErrors { code } } }"
CREATE_ORDER = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id } userErrors { code } } }"
PAY_ORDER = "mutation($i: PayOrderInput!) { payOrder(input: $i) { order { status } userErrors { code } } }"
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class World:
    store_gid: str
    template_gid: str
    service_gid: str
    members: list[str]
    cashier: str
    # Signed WeChat Pay notifications of payments opened at the sandbox, one per delivery the mix makes.
    notes: list[tuple[dict[str, str], bytes]]


def _settings(mongo_uri: str, redis_url: str, keys: SandboxKeys, sandbox_url: str, db: str) -> Settings:
    env = {
        "JIKE_ENV": Env.TEST.value,
        "JIKE_MONGODB_URI": mongo_uri,
        "JIKE_MONGODB_DB": db,
        "JIKE_REDIS_URL": redis_url,
        "JIKE_SECRET_KEY": secrets.token_urlsafe(48),
        "JIKE_PII_KEY": secrets.token_urlsafe(48),
        "JIKE_LOG_LEVEL": "ERROR",
        "JIKE_WECHAT_APPID": keys.wechat_appid,
        **sandbox_env(keys, sandbox_url),
    }
    return Settings.model_validate({k.removeprefix("JIKE_").lower(): v for k, v in env.items()})


async def _world(mongo: Mongo, settings: Settings, sandbox: Sandbox, members: int, webhooks: int) -> World:
    """A merchant with members, a coupon with plenty of stock, a salon with three technicians, a cashier, and
    `webhooks` WeChat Pay payments opened and paid at the sandbox, their notifications not yet delivered."""
    secret = settings.secret_key.get_secret_value()
    signer = TokenSigner(Keyring(secret), access_ttl=timedelta(hours=2), refresh_ttl=timedelta(days=1))
    pii = PiiCipher(settings.pii_key.get_secret_value())
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=pii,
        passwords=Passwords(PasswordCost()),
        name="周末商家",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone="13800000000",
        owner_password=secrets.token_urlsafe(12),
    )
    owner, store, now = shop.owner, shop.store, datetime.now(UTC)
    ids = [ObjectId() for _ in range(members)]
    docs = [
        {"_id": ids[i], "merchant_id": store.merchant_id, "channel": "WECHAT", "openid": f"mix-{uuid.uuid4().hex}"}
        | {"unionid": None, "nickname": f"顾客{i}", "created_at": now, "first_touch": ""}
        for i in range(members)
    ]
    await mongo.db[c.MEMBERS].insert_many(docs)
    for member_id in ids:
        await issue_card(mongo=mongo, merchant_id=store.merchant_id, member_id=member_id)
    tokens = [signer.sign(Principal(Audience.MEMBER, member_id, store.merchant_id), now)[0] for member_id in ids]
    cashier = signer.sign(Principal(Audience.ADMIN, owner.id, store.merchant_id), now)[0]

    draft = templates.TemplateDraft(
        title="满100减20",
        benefit=templates.Benefit(CouponKind.AMOUNT_OFF, value_fen=2000, minimum_spend_fen=10000),
        validity=templates.Validity(days=30),
        per_member_limit=templates.MAX_LIMIT,
    )
    template = await templates.create_template(mongo=mongo, actor=owner, draft=draft)
    await templates.set_template_status(
        mongo=mongo, actor=owner, template_id=template.id, status=templates.TemplateStatus.ACTIVE
    )

    await schedules.set_store_hours(
        mongo=mongo, actor=owner, store_id=store.id, hours=[ClockRange(d, "09:00", "21:00") for d in range(7)]
    )
    staff = []
    for i in range(3):
        made = await tenancy.add_staff(
            mongo=mongo,
            pii=pii,
            passwords=Passwords(PasswordCost()),
            actor=owner,
            name=f"技师{i}",
            phone=f"1370000000{i}",
            password=secrets.token_urlsafe(12),
            role=tenancy.Role.CASHIER,
            all_stores=True,
            store_ids=[],
        )
        await schedules.set_staff_schedule(
            mongo=mongo,
            actor=owner,
            store_id=store.id,
            staff_id=made.id,
            weekly=[ClockRange(d, "09:00", "21:00") for d in range(7)],
        )
        staff.append(made.id)
    item = await items.create_item(
        mongo=mongo, actor=owner, spec=items.ItemSpec(items.ItemKind.SERVICE, "精剪", 12_800, True, ())
    )
    service = await catalog.create_service(
        mongo=mongo,
        actor=owner,
        store_id=store.id,
        spec=catalog.ServiceSpec(item.id, 30, 0, 0, tuple(staff), None),
    )

    notes = []
    async with httpx.AsyncClient(timeout=10) as http:
        providers = payment_providers(settings, http)
        for i in range(webhooks):
            member_id = ids[i % members]
            order = await create.create_member_order(
                mongo=mongo,
                merchant_id=store.merchant_id,
                member_id=member_id,
                request=create.MemberRequest(store_id=store.id, amount_fen=1_000 + i),
                discounts=Discounts(),
                idempotency_key=uuid.uuid4().hex,
            )
            opened = await pay.pay_order(
                mongo=mongo,
                providers=providers,
                payer=pay.Payer(store.merchant_id, member_id=member_id),
                order_id=order.order.id,
                method=PayMethod.WECHAT_PAY,
                idempotency_key=uuid.uuid4().hex,
            )
            trade = opened.payment.out_trade_no
            sandbox.wechatpay.mark_paid(trade, datetime.now(UTC))
            signed = sandbox.wechatpay.payment_notification(trade, datetime.now(UTC))
            notes.append(({**signed.headers, "Content-Type": "application/json"}, signed.body))
    return World(
        to_global_id("Store", store.id),
        to_global_id("CouponTemplate", template.id),
        to_global_id("Service", service.id),
        tokens,
        cashier,
        notes,
    )


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Mix:
    http: httpx.AsyncClient
    urls: list[str]
    world: World
    tally: Tally
    turn: int = 0
    slot: int = 0

    def _url(self) -> str:
        self.turn += 1
        return self.urls[self.turn % len(self.urls)]

    async def _gql(self, name: str, door: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            answer = await self.http.post(
                f"{self._url()}/graphql/{door}",
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
            body: dict[str, Any] = answer.json() if answer.status_code == 200 else {"errors": [answer.status_code]}
        except httpx.HTTPError as e:
            body = {"errors": [repr(e)]}
        self.tally.latencies[name].append(time.perf_counter() - started)
        if body.get("errors"):
            self.tally.errors[name] += 1
            return {}
        data: dict[str, Any] = body["data"]
        return data

    def _member(self) -> str:
        return random.choice(self.world.members)

    async def home(self) -> None:
        await self._gql("home", "member", HOME, {}, self._member())

    async def claim(self) -> None:
        variables = {"i": {"templateId": self.world.template_gid, "idempotencyKey": uuid.uuid4().hex}}
        await self._gql("claim", "member", CLAIM, variables, self._member())

    async def forward(self) -> None:
        who = self._member()
        variables = {"i": {"templateId": self.world.template_gid, "idempotencyKey": uuid.uuid4().hex}}
        claimed = await self._gql("claim", "member", CLAIM, variables, who)
        coupon = ((claimed.get("claimCoupon") or {}).get("coupon") or {}).get("id")
        if coupon:
            await self._gql("forward", "member", FORWARD, {"i": {"couponId": coupon}}, who)

    async def book(self) -> None:
        # Quarter-hour slots across the coming weeks, so bookings mostly succeed and sometimes meet a full slot.
        self.slot += 1
        day = date.today() + timedelta(days=1 + (self.slot // 40) % 20)
        start = datetime(day.year, day.month, day.day, 9, tzinfo=ZONE) + timedelta(minutes=15 * (self.slot % 40))
        variables = {
            "i": {
                "storeId": self.world.store_gid,
                "serviceId": self.world.service_gid,
                "start": start.isoformat(),
                "idempotencyKey": uuid.uuid4().hex,
            }
        }
        await self._gql("book", "member", BOOK, variables, self._member())

    async def counter_bill(self) -> None:
        made = await self._gql(
            "counter bill",
            "admin",
            CREATE_ORDER,
            {"i": {"storeId": self.world.store_gid, "amountFen": 8_800, "idempotencyKey": uuid.uuid4().hex}},
            self.world.cashier,
        )
        order = ((made.get("createOrder") or {}).get("order") or {}).get("id")
        if order:
            paying = {"i": {"orderId": order, "method": "CASH", "idempotencyKey": uuid.uuid4().hex}}
            await self._gql("counter bill", "admin", PAY_ORDER, paying, self.world.cashier)

    async def webhook(self) -> None:
        if not self.world.notes:
            return await self.home()
        headers, body = self.world.notes.pop()
        started = time.perf_counter()
        try:
            answer = await self.http.post(f"{self._url()}/webhooks/wechatpay", content=body, headers=headers)
            failed = answer.status_code >= 300
        except httpx.HTTPError:
            failed = True
        self.tally.latencies["webhook"].append(time.perf_counter() - started)
        self.tally.errors["webhook"] += failed
        return None


# A Saturday afternoon's shares: mostly members looking, then claims, bookings and the counter.
WEIGHTS: dict[str, int] = {"home": 50, "claim": 15, "forward": 5, "book": 10, "counter_bill": 12, "webhook": 8}


async def _run(urls: list[str], world: World, seconds: float, clients: int) -> tuple[Tally, float]:
    tally = Tally()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=clients * 2)) as http:
        mix = Mix(http, urls, world, tally)
        actions: dict[str, Callable[[], Awaitable[None]]] = {name: getattr(mix, name) for name in WEIGHTS}
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                await actions[random.choices(names, weights)[0]]()

        await asyncio.gather(*(client() for _ in range(clients)))
        return tally, time.perf_counter() - started


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def _report(label: str, tally: Tally, took: float) -> float:
    total = sum(len(v) for v in tally.latencies.values())
    every = [x for v in tally.latencies.values() for x in v]
    errors = sum(tally.errors.values())
    print(f"\n{label}: {total} requests in {took:.1f} s = {total / took:.1f} req/s, {errors} errors")
    print(f"  {'operation':<14}{'n':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, values in sorted(tally.latencies.items()):
        print(
            f"  {name:<14}{len(values):>6}{tally.errors[name]:>5}"
            f"{_pct(values, 50):>9.0f}{_pct(values, 95):>9.0f}{_pct(values, 99):>9.0f}"
        )
    print(f"  {'all':<14}{total:>6}{errors:>5}{_pct(every, 50):>9.0f}{_pct(every, 95):>9.0f}{_pct(every, 99):>9.0f}")
    return total / took


@contextmanager
def _api_processes(settings: Settings, apps: int) -> Iterator[list[str]]:
    ports = [embedded.free_port() for _ in range(apps)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            env = os.environ | settings.as_env() | {"JIKE_HTTP_PORT": str(port)}
            processes.append(embedded.spawn([sys.executable, "-m", "api.cli", "serve"], supervised=False, env=env))
        for port, process in zip(ports, processes, strict=True):
            embedded.wait_for_port(port, process)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            embedded.stop(process, timeout_s=30)


async def main(seconds: float, clients: int, members: int) -> None:
    keys = SandboxKeys.generate(wechat_appid="wx" + secrets.token_hex(8), alipay_app_id="2021000000000001")
    sandbox = Sandbox(keys)
    port = embedded.free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_sandbox_app(sandbox), host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        with embedded.throwaway_servers() as servers:
            rates = []
            for apps in (1, 2):
                # A world of its own per run, so the second run meets no stock or slots the first used up.
                settings = _settings(
                    servers.mongodb_uri, servers.redis_url, keys, f"http://127.0.0.1:{port}", f"mix{apps}"
                )
                mongo = open_mongo(servers.mongodb_uri, settings.mongodb_db)
                await ensure_indexes(mongo)
                world = await _world(mongo, settings, sandbox, members, webhooks=int(seconds * 10))
                with _api_processes(settings, apps) as urls:
                    tally, took = await _run(urls, world, seconds, clients)
                rates.append(_report(f"{apps} API process{'es' if apps > 1 else ''}", tally, took))
                await mongo.close()
            print(f"\nscale-out: two processes {rates[1]:.1f} req/s / one {rates[0]:.1f} = {rates[1] / rates[0]:.2f}x")
            print(f"(machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, shared with the databases)")
    finally:
        server.should_exit = True
        await serving


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--members", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.clients, args.members))
