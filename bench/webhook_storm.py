"""Webhook storm: N orders paid with WeChat Pay, each payment's notification delivered 5 times at once through
the real webhook (signature check, decryption, dedupe, the payment's transaction), all orders together.

Starts its own SecantusDB and redis-server and the payments sandbox (the WeChat Pay the orders are opened at),
runs the app in-process as --apps instances sharing one database, and prints the exactly-once counts (orders
paid, payments, points entries, ORDER_PAID events, notifications kept, deliveries answered) and notifications/s
against a bare single insert per notification (the floor any durable dedupe pays) measured on the same database
in the same run, and the ratio.

    uv run python bench/webhook_storm.py --orders 200 --copies 5 --apps 2
"""

import argparse
import asyncio
import secrets
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import uvicorn
from asgi_lifespan import LifespanManager

from api import embedded
from api.app import create_app
from api.webhooks import ANSWER_WITHIN_S
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.cards.card import issue_card
from domain.checkout import pay
from domain.orders import create
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from payments.sandbox import Sandbox, SandboxKeys, SignedNotification, create_sandbox_app
from payments.sandbox.keys import private_pem, public_pem
from startup.clients import payment_providers
from startup.settings import Env, Settings


def _settings(mongo_uri: str, redis_url: str, keys: SandboxKeys, sandbox_url: str) -> Settings:
    return Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=mongo_uri,
        mongodb_db="bench",
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(48),
        pii_key=secrets.token_urlsafe(48),
        log_level="WARNING",
        wechat_appid=keys.wechat_appid,
        wechatpay_api_base=sandbox_url,
        wechatpay_mchid=keys.wechat_mchid,
        wechatpay_merchant_serial_no=keys.wechat_merchant_serial_no,
        wechatpay_merchant_private_key=private_pem(keys.wechat_merchant_key),
        wechatpay_apiv3_key=keys.wechat_apiv3_key,
        wechatpay_public_key_id=keys.wechat_public_key_id,
        wechatpay_public_key=public_pem(keys.wechat_platform_key.public_key()),
    )


async def _open_payments(mongo: Mongo, settings: Settings, sandbox: Sandbox, n: int) -> list[SignedNotification]:
    """N members each with an order and its WeChat Pay payment open at the sandbox, then paid there: the
    notification WeChat Pay would send for each."""
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher(settings.pii_key.get_secret_value()),
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
                discounts=create.Discounts(),
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
            notes.append(sandbox.wechatpay.payment_notification(out_trade_no, datetime.now(UTC)))
    return notes


@dataclass(frozen=True)
class Storm:
    answers: list[int]
    # Redeliveries of notifications none of whose copies was acknowledged in time, as WeChat Pay would send.
    retries: int
    seconds: float


async def _storm(settings: Settings, notes: list[SignedNotification], copies: int, apps: int) -> Storm:
    """Copy i of every notification goes to app instance i % apps: instances share nothing but the database,
    as API processes behind a load balancer do, so duplicates meet both in-process and at the unique index.
    The clock stops when every notification has been acknowledged."""
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(apps):
            manager = await stack.enter_async_context(LifespanManager(create_app(settings)))
            transport = httpx.ASGITransport(app=manager.app)
            http = httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=None)
            clients.append(await stack.enter_async_context(http))

        async def deliver(note: SignedNotification, copy: int) -> int:
            headers = {**note.headers, "Content-Type": "application/json"}
            answer = await clients[copy % apps].post("/webhooks/wechatpay", content=note.body, headers=headers)
            return answer.status_code

        async def acknowledged(note: SignedNotification) -> tuple[list[int], int]:
            first = list(await asyncio.gather(*(deliver(note, i) for i in range(copies))))
            retries, status = 0, 204 if 204 in first else 0
            while status != 204:
                retries += 1
                status = await deliver(note, retries)
            return first, retries

        started = time.perf_counter()
        results = await asyncio.gather(*(acknowledged(note) for note in notes))
        seconds = time.perf_counter() - started
    return Storm([a for first, _ in results for a in first], sum(r for _, r in results), seconds)


async def _bare_inserts(mongo: Mongo, n: int) -> float:
    bare = mongo.db["bench_bare_notifications"]
    started = time.perf_counter()
    await asyncio.gather(*(bare.insert_one({"event_id": uuid.uuid4().hex, "at": datetime.now(UTC)}) for _ in range(n)))
    return time.perf_counter() - started


async def run(args: argparse.Namespace, mongo_uri: str, redis_url: str) -> None:
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
        notes = await _open_payments(mongo, settings, sandbox, args.orders)
        deliveries = args.orders * args.copies
        print(
            f"{args.orders} orders paid with WeChat Pay; each notification delivered {args.copies} times at once, "
            f"spread over {args.apps} app instances"
        )

        storm = await _storm(settings, notes, args.copies, args.apps)
        bare_s = await _bare_inserts(mongo, deliveries)
        stored = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}, {"deliveries": 1, "status": 1}).to_list()
        storm_rate, bare_rate = deliveries / storm.seconds, deliveries / bare_s

        print(f"orders paid:           {await mongo.db[c.ORDERS].count_documents({'status': 'PAID'})} / {args.orders}")
        print(f"payments succeeded:    {await mongo.db[c.PAYMENTS].count_documents({'status': 'SUCCEEDED'})}")
        print(f"points entries:        {await mongo.db[c.LEDGER].count_documents({'kind': 'EARN'})}")
        print(f"ORDER_PAID events:     {await mongo.db[c.OUTBOX].count_documents({'kind': 'ORDER_PAID'})}")
        print(f"notifications kept:    {len(stored)} ({sum(s['status'] == 'APPLIED' for s in stored)} applied)")
        print(
            f"answered 204 at once:  {storm.answers.count(204)} / {deliveries} "
            f"(the rest answered FAIL past {ANSWER_WITHIN_S} s; {storm.retries} redeliveries until all acknowledged)"
        )
        print(f"webhook notifications/s: {storm_rate:8.1f}  ({deliveries} deliveries in {storm.seconds:.1f} s)")
        print(f"bare inserts/s:          {bare_rate:8.1f}  ({deliveries} single inserts in {bare_s:.1f} s)")
        print(f"ratio webhook/bare: {storm_rate / bare_rate:.3f}")
    finally:
        await mongo.close()
        server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=200, help="orders paid (N)")
    parser.add_argument("--copies", type=int, default=5, help="deliveries of each notification, at once")
    parser.add_argument("--apps", type=int, default=2, help="app instances (API processes) sharing the deliveries")
    args = parser.parse_args()
    mongo_port, redis_port = embedded.free_port(), embedded.free_port()
    mongo = embedded.start_mongo(mongo_port, None)
    try:
        redis = embedded.start_redis(redis_port, None)
        try:
            asyncio.run(
                run(
                    args,
                    f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
                    f"redis://127.0.0.1:{redis_port}/0",
                )
            )
        finally:
            embedded.stop(redis)
    finally:
        embedded.stop(mongo)


if __name__ == "__main__":
    main()
