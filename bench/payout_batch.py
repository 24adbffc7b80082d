"""Payout batch: N AVAILABLE commissions (20 to a member by default) held into payouts and sent as transfer bills
to the payments sandbox (WeChat Pay merchant transfer, real signatures over real HTTP).

Starts its own SecantusDB and serves the sandbox in-process; seeds the commissions in bulk (not timed), then times
the owner's run (holding every member's payout) and the worker sending every bill, and prints commissions/s and
the process's peak RSS, the peak memory traced during the batch against what the commissions take as documents,
and the batch's commissions/s against flipping the same commissions back with one plain `update_many` per member
(the floor any design that marks each commission pays on this database), with their ratio.

    uv run python bench/payout_batch.py --commissions 10000 --per-member 20
"""

import argparse
import asyncio
import resource
import secrets
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from bson import ObjectId

from api import embedded
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.passwords import PasswordCost, Passwords
from domain.payouts.channel import PayoutChannel
from domain.payouts.model import TransferLimits
from domain.payouts.runs import run_payouts
from domain.payouts.sending import send_due
from domain.pii import PiiCipher
from payments.sandbox import Sandbox, SandboxKeys, create_sandbox_app
from payments.wechatpay.transfers import WeChatTransferClient
from tests.checkout.conftest import serving
from tests.conftest import Shop
from tests.payouts.conftest import seed_available


async def _shop(mongo: Mongo) -> Shop:
    created = await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher("bench-pii-key-" + "x" * 32),
        passwords=Passwords(PasswordCost()),
        name="压测商家",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone="13800000000",
        owner_password=secrets.token_urlsafe(12),
    )
    return Shop(created, "13800000000")


async def _bare_updates(mongo: Mongo, shop: Shop, members: list[ObjectId]) -> float:
    """Seconds to flip the same commissions back, one plain update_many per member: what marking them costs
    on this database, with the collection's indexes, and nothing else (no transaction, ledger or payout)."""
    merchant_id = shop.merchant.merchant.id
    started = time.perf_counter()
    for member in members:
        await mongo.db[c.COMMISSIONS].update_many(
            {"merchant_id": merchant_id, "status": "PAID", "beneficiary_id": member},
            {"$set": {"status": "AVAILABLE", "payout_id": None}},
        )
    return time.perf_counter() - started


async def run(args: argparse.Namespace, mongo_uri: str) -> None:
    mongo = open_mongo(mongo_uri, f"bench_{uuid.uuid4().hex[:8]}")
    keys = SandboxKeys.generate()
    try:
        await ensure_indexes(mongo)
        shop = await _shop(mongo)
        seeded = time.perf_counter()
        members = await seed_available(mongo, shop, args.commissions, args.per_member)
        print(
            f"seeded {args.commissions} commissions for {len(members)} members in {time.perf_counter() - seeded:.1f} s"
        )
        sandbox = Sandbox(keys)
        sandbox.transfers.limits.per_payee_daily_fen = 0
        async with (
            serving(create_sandbox_app(sandbox), embedded.free_port(), lifespan="off") as url,
            httpx.AsyncClient(timeout=30) as http,
        ):
            channel = PayoutChannel(
                transfers=WeChatTransferClient(keys.wechatpay_config(url), http=http),
                notify_url="http://127.0.0.1:9/webhooks/wechatpay/transfer",
                limits=TransferLimits(per_payee_daily_fen=0),
            )
            # The first request imports modules lazily (anyio, h11): that is not the batch's memory.
            await channel.transfers.query_transfer_bill("WARMUP0001")
            tracemalloc.start()
            started = time.perf_counter()
            await run_payouts(
                mongo=mongo,
                channel=channel,
                actor=shop.merchant.owner,
                idempotency_key="bench",
                budget=timedelta(hours=1),
            )
            held = time.perf_counter()
            hold_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.reset_peak()
            await send_due(mongo=mongo, channel=channel, now=datetime.now(UTC), budget=timedelta(hours=1))
            done = time.perf_counter()
            send_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        tracemalloc.start()
        documents = await mongo.db[c.COMMISSIONS].find().to_list()
        all_of_them = tracemalloc.get_traced_memory()[0]
        del documents
        tracemalloc.stop()
        bills = await mongo.db[c.PAYOUT_TRANSFERS].count_documents({"status": "WAIT_USER_CONFIRM"})
        bare = await _bare_updates(mongo, shop, members)
        batch_rate = args.commissions / (done - started)
        bare_rate = args.commissions / bare
        print(f"held {len(members)} payouts in {held - started:.1f} s, sent {bills} bills in {done - held:.1f} s")
        print(f"batch commissions/s: {batch_rate:8.1f}  ({args.commissions} in {done - started:.1f} s)")
        print(f"bare marking/s:      {bare_rate:8.1f}  ({args.commissions} commissions flipped back in {bare:.1f} s)")
        print(f"ratio batch/bare:    {batch_rate / bare_rate:.3f}")
        print(
            f"peak traced: holding {hold_peak / 1e6:.1f} MB, sending {send_peak / 1e6:.1f} MB "
            f"(the commissions as documents: {all_of_them / 1e6:.1f} MB)"
        )
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        await mongo.client.drop_database(mongo.db.name)
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commissions", type=int, default=10_000)
    parser.add_argument("--per-member", type=int, default=20)
    parser.add_argument("--mongodb-uri", help="an existing server instead of a fresh SecantusDB")
    args = parser.parse_args()
    if args.mongodb_uri:
        asyncio.run(run(args, args.mongodb_uri))
        return
    port = embedded.free_port()
    server = embedded.start_mongo(port, None)
    try:
        asyncio.run(run(args, f"mongodb://127.0.0.1:{port}/?directConnection=true"))
    finally:
        embedded.stop(server)


if __name__ == "__main__":
    main()
