"""The dashboard (report over a year, by day, and balanceReport, as the staff app asks them) for a merchant with
1k paid orders against one with 100k, in one run: their median latencies and ratio (target <= 1.5: the rollups
keep the cost off the number of orders), and the rebuild's orders per second.

Starts its own SecantusDB and redis-server, bulk-inserts each merchant's paid orders over the last year (what
the rollups read of an order, not the whole checkout) and builds the rollups with the rebuild.

    uv run python bench/dashboard.py --small 1000 --large 100000
"""

import argparse
import asyncio
import secrets
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from bson import ObjectId

from api import embedded
from api.app import create_app
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.cards.card import issue_card
from domain.keyring import Keyring
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from domain.reports import rebuild
from domain.sessions import Audience, Principal, TokenSigner
from startup.settings import Env, Settings

SECRET = secrets.token_urlsafe(32)
PII = secrets.token_urlsafe(32)
MEMBERS = 200
RUNS = 15
BATCH = 5_000
DASHBOARD = """
query($from: Date!, $to: Date!) {
  report(from: $from, to: $to, period: DAY) {
    report {
      takings { grossFen refundsFen netFen orders averageTicketFen }
      trend { start netFen }
      byPaymentMethod { method netFen }
      byStore { store { id name } takings { netFen } }
      topItems(first: 10) { itemId name quantity netFen }
      members { newMembers payingMembers repeatMembers bySource { source members } }
      memberGrowth { start newMembers }
    }
    userErrors { code }
  }
  balanceReport { balances { storedValuePaidFen storedValueBonusFen points } userErrors { code } }
}
"""
METHODS = ("CASH", "WECHAT_PAY", "ALIPAY")


async def seed(mongo: Mongo, phone: str, orders: int) -> tuple[ObjectId, str]:
    """A merchant with MEMBERS members and `orders` paid orders over the last year: (merchant id, owner's token)."""
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher(PII),
        passwords=Passwords(PasswordCost()),
        name=f"压测店{phone[-2:]}",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone=phone,
        owner_password=secrets.token_urlsafe(12),
    )
    merchant_id, store_id, now = shop.merchant.id, shop.store.id, datetime.now(UTC)
    members = [ObjectId() for _ in range(MEMBERS)]
    await mongo.db[c.MEMBERS].insert_many(
        [{"_id": m, "merchant_id": merchant_id, "channel": "WECHAT", "openid": str(m)} for m in members]
    )
    for member in members:
        await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=member)
    step = timedelta(days=365) / orders
    for first in range(0, orders, BATCH):
        docs: list[dict[str, Any]] = []
        for i in range(first, min(first + BATCH, orders)):
            oid, fen = ObjectId(), 1_000 + i % 997
            docs.append(
                {
                    "_id": oid,
                    "create_key": str(oid),
                    "merchant_id": merchant_id,
                    "store_id": store_id,
                    "member_id": members[i % MEMBERS] if i % 3 else None,
                    "kind": "CONSUMPTION",
                    "source": "COUNTER",
                    "lines": [
                        {"item_id": "amount", "kind": "AMOUNT", "name": "金额", "unit_price_fen": fen, "quantity": 1}
                    ],
                    "price": {"due_fen": fen},
                    "status": "PAID",
                    "created_by_staff_id": shop.owner.id,
                    "paid_at": now - timedelta(days=365) + step * i,
                    "paid": {"method": METHODS[i % len(METHODS)]},
                }
            )
        await mongo.db[c.ORDERS].insert_many(docs)
    signer = TokenSigner(Keyring(SECRET), access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1))
    return merchant_id, signer.sign(Principal(Audience.ADMIN, shop.owner.id, merchant_id), now)[0]


async def latency(http: httpx.AsyncClient, token: str) -> float:
    today = datetime.now(UTC).date()
    variables = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await http.post(
            "/graphql/admin",
            json={"query": DASHBOARD, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        times.append(time.perf_counter() - started)
        assert "errors" not in response.json(), response.text
    return statistics.median(times)


async def run(args: argparse.Namespace, mongo_uri: str, redis_url: str) -> None:
    settings = Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=mongo_uri,
        mongodb_db=f"bench_dashboard_{secrets.token_hex(4)}",
        redis_url=redis_url,
        secret_key=SECRET,
        pii_key=PII,
    )
    mongo = open_mongo(mongo_uri, settings.mongodb_db)
    try:
        await ensure_indexes(mongo)
        built: dict[int, tuple[str, float]] = {}
        for phone, orders in (("13900000001", args.small), ("13900000002", args.large)):
            print(f"seeding a merchant with {orders} paid orders")
            merchant_id, token = await seed(mongo, phone, orders)
            started = time.perf_counter()
            await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id)
            built[orders] = (token, orders / (time.perf_counter() - started))
        app = create_app(settings)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
                small = await latency(http, built[args.small][0])
                large = await latency(http, built[args.large][0])
    finally:
        await mongo.close()
    print(f"dashboard, {args.small} orders: {small * 1000:.1f} ms (median of {RUNS})")
    print(f"dashboard, {args.large} orders: {large * 1000:.1f} ms (median of {RUNS})")
    print(f"ratio large/small: {large / small:.2f} (target <= 1.5)")
    print(f"rebuild: {built[args.large][1]:.0f} orders/s ({args.large} orders)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    with embedded.throwaway_servers() as servers:
        asyncio.run(run(args, servers.mongodb_uri, servers.redis_url))


if __name__ == "__main__":
    main()
