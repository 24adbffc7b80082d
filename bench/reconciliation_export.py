"""Reconciliation export: the CSV of a store with 20k paid orders and of one with 100k (each with its payment, one
in fifty partly refunded), downloaded over HTTP from the API served in-process, in one run.

Starts its own SecantusDB and redis-server; seeds the orders in bulk (not timed), signs a link for each store's
range as exportReconciliation would, streams the file and prints rows/s and the peak memory traced (tracemalloc)
above what was held before each download. Memory is bounded when the 100k/20k peak ratio is close to 1 while the
row ratio is 5.

    uv run python bench/reconciliation_export.py --small 20000 --large 100000
"""

import argparse
import asyncio
import secrets
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from bson import ObjectId

from api import embedded
from api.app import create_app
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Doc, Mongo, open_mongo
from domain import reconciliation, tenancy
from domain.keyring import Keyring
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from startup.settings import Env, Settings
from tests.checkout.conftest import serving

SECRET = "bench-secret-key-" + "y" * 32
PII = "bench-pii-key-" + "x" * 32
FIRST = date(2024, 5, 1)
DAYS = 30
CHUNK = 5_000


def _docs(merchant_id: ObjectId, store_id: ObjectId, staff_id: ObjectId, i: int, n: int) -> tuple[Doc, Doc, Doc | None]:
    """Order i of n, paid within the month, in the shape checkout writes: the order, its payment, and one refund
    in fifty."""
    zone = ZoneInfo("Asia/Shanghai")
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=zone).astimezone(UTC)
    paid_at = start + timedelta(seconds=DAYS * 86_400 * i / n)
    order_id, payment_id = ObjectId(), ObjectId()
    fen = 1_000 + i % 9_000
    wechat = i % 2 == 0
    method = "WECHAT_PAY" if wechat else "CASH"
    order = {
        "_id": order_id,
        "merchant_id": merchant_id,
        "store_id": store_id,
        "member_id": None,
        "kind": "CONSUMPTION",
        "source": "COUNTER",
        "lines": [{"item_id": "", "kind": "AMOUNT", "name": "收款", "unit_price_fen": fen, "quantity": 1}],
        "price": {
            "list_fen": fen,
            "level_discount_fen": 0,
            "coupon_discount_fen": 0,
            "payable_fen": fen,
            "points_used": 0,
            "points_fen": 0,
            "due_fen": fen,
            "prepaid_fen": 0,
        },
        "status": "PAID",
        "note": "",
        "created_by_staff_id": staff_id,
        "created_at": paid_at,
        "expires_at": paid_at,
        "paid_at": paid_at,
        "paid": {"method": method, "payment_id": payment_id},
        "refunded_fen": 0,
        "refund_reserved_fen": 0,
        "create_key": f"bench:{order_id}",
    }
    payment = {
        "_id": payment_id,
        "merchant_id": merchant_id,
        "order_id": order_id,
        "method": method,
        "amount_fen": fen,
        "status": "SUCCEEDED",
        "out_trade_no": str(payment_id),
        "provider_trade_no": f"42000{i:023d}" if wechat else None,
        "opened_at": paid_at,
        "expires_at": paid_at,
        "paid_at": paid_at,
        "settled_by": "NOTIFICATION" if wechat else "COUNTER",
        "duplicate": False,
        "staff_id": staff_id,
    }
    refund = None
    if i % 50 == 0:
        refund_id = ObjectId()
        refund = {
            "_id": refund_id,
            "merchant_id": merchant_id,
            "order_id": order_id,
            "payment_id": payment_id,
            "method": method,
            "amount_fen": fen // 2,
            "reason": "顾客不满意",
            "status": "SUCCEEDED",
            "out_refund_no": str(refund_id),
            "provider_refund_id": f"50300{i:024d}" if wechat else None,
            "idem_key": f"bench:{refund_id}",
            "staff_id": staff_id,
            "created_at": paid_at,
            "settled_at": paid_at + timedelta(hours=1),
        }
    return order, payment, refund


async def _seed(mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, staff_id: ObjectId, n: int) -> None:
    for base in range(0, n, CHUNK):
        made = [_docs(merchant_id, store_id, staff_id, i, n) for i in range(base, min(base + CHUNK, n))]
        await mongo.db[c.ORDERS].insert_many([o for o, _, _ in made], ordered=False)
        await mongo.db[c.PAYMENTS].insert_many([p for _, p, _ in made], ordered=False)
        refunds = [r for _, _, r in made if r is not None]
        if refunds:
            await mongo.db[c.REFUNDS].insert_many(refunds, ordered=False)


async def _download(http: httpx.AsyncClient, url: str) -> tuple[int, int, float, int]:
    """(rows, bytes, seconds, peak bytes traced above the start) of one download, the body read and dropped."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    rows = size = 0
    async with http.stream("GET", url) as response:
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            rows += chunk.count(b"\r\n")
            size += len(chunk)
    seconds = time.perf_counter() - started
    return rows - 1, size, seconds, tracemalloc.get_traced_memory()[1] - before


async def main(small: int, large: int) -> None:
    with embedded.throwaway_servers() as servers:
        mongo = open_mongo(servers.mongodb_uri, "bench")
        await ensure_indexes(mongo)
        made = await tenancy.create_merchant(
            mongo=mongo,
            pii=PiiCipher(PII),
            passwords=Passwords(PasswordCost()),
            name="压测商家",
            store_name="小店",
            timezone="Asia/Shanghai",
            owner_name="店主",
            owner_phone="13800000000",
            owner_password=secrets.token_urlsafe(12),
        )
        owner = made.owner
        big = await tenancy.create_store(mongo=mongo, actor=owner, name="大店", timezone="Asia/Shanghai")
        seeding = time.perf_counter()
        await _seed(mongo, owner.merchant_id, made.store.id, owner.id, small)
        await _seed(mongo, owner.merchant_id, big.id, owner.id, large)
        print(f"seeded {small + large} orders with their payments in {time.perf_counter() - seeding:.0f} s")

        settings = Settings(
            _env_file=None,
            env=Env.TEST,
            mongodb_uri=servers.mongodb_uri,
            mongodb_db="bench",
            redis_url=servers.redis_url,
            secret_key=SECRET,
            pii_key=PII,
        )
        port = embedded.free_port()
        signer = reconciliation.signer_for(Keyring(SECRET))
        last = FIRST + timedelta(days=DAYS - 1)
        tracemalloc.start()
        async with serving(create_app(settings), port, lifespan="on") as base, httpx.AsyncClient(timeout=600) as http:

            async def link(store_id: ObjectId, until: date) -> str:
                signed = await reconciliation.sign_export(
                    mongo=mongo,
                    signer=signer,
                    actor=owner,
                    store_id=store_id,
                    first=FIRST,
                    last=until,
                    now=datetime.now(UTC),
                )
                return f"{base}/exports/reconciliation?{urlencode(signed.params)}"

            # A first day's download, not counted: what the app allocates once (imports, pools) is not the export's.
            await _download(http, await link(made.store.id, FIRST))
            results = []
            for name, store_id in ((f"{small // 1000}k", made.store.id), (f"{large // 1000}k", big.id)):
                rows, size, seconds, peak = await _download(http, await link(store_id, last))
                results.append((rows, peak))
                print(
                    f"{name}: {rows} rows, {size / 1e6:.1f} MB in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
                    f"peak traced memory above start {peak / 1e6:.2f} MB"
                )
        tracemalloc.stop()
        await mongo.close()
        (small_rows, small_peak), (large_rows, large_peak) = results
        print(
            f"rows ratio {large_rows / small_rows:.2f}; peak memory ratio {large_peak / small_peak:.2f} (bounded: ~1)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.small, args.large))
