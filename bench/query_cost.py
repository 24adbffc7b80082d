"""One costly query against everyone else: a staff member's 30 aliases of `members(first: 100)`, each member with
`ledger(first: 100)`, sent while a member keeps asking `{ me }`, to an app without a cost limit and to one with
the default limit.

Starts its own SecantusDB and redis-server, makes a merchant with --members members of --entries ledger entries
each (one entry posted through the ledger, the rest copies of it), then for each app: the heavy query's time and
size, and the member's slowest `{ me }` while it runs against their `{ me }` alone. The ratios are the point.

    uv run python bench/query_cost.py --members 100 --entries 100
"""

import argparse
import asyncio
import secrets
import time
from datetime import UTC, datetime, timedelta

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
from domain.cards.ledger import SYSTEM, Account, EntryKind, Posting, post_alone
from domain.keyring import Keyring
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal, TokenSigner
from startup.settings import Env, Settings

SECRET = secrets.token_urlsafe(32)
PII = secrets.token_urlsafe(32)
ALIASES, PAGE = 30, 100
ME = "query { me { id } }"


def heavy_query() -> str:
    ledger = f"ledger(first: {PAGE}) {{ edges {{ node {{ kind amount reason }} }} }}"
    one = f"members(first: {PAGE}) {{ edges {{ node {{ id nickname {ledger} }} }} }}"
    return "query { " + " ".join(f"m{i}: {one}" for i in range(ALIASES)) + " }"


async def seed(mongo: Mongo, members: int, entries: int) -> tuple[str, str]:
    """A merchant with `members` members of `entries` ledger entries each: (owner's token, a member's token)."""
    await ensure_indexes(mongo)
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher(PII),
        passwords=Passwords(PasswordCost()),
        name="压测店",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone="13900000001",
        owner_password=secrets.token_urlsafe(12),
    )
    merchant_id, now = shop.merchant.id, datetime.now(UTC)
    ids = [ObjectId() for _ in range(members)]
    await mongo.db[c.MEMBERS].insert_many(
        {"_id": i, "merchant_id": merchant_id, "channel": "WECHAT", "openid": f"bench-{i}", "unionid": None}
        | {"nickname": f"顾客{n}", "created_at": now, "first_touch": ""}
        for n, i in enumerate(ids)
    )
    await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=ids[0])
    posting = Posting(merchant_id, ids[0], Account.POINTS, EntryKind.ADJUSTMENT, 10, "bench", SYSTEM, "bench-0")
    await post_alone(mongo=mongo, posting=posting)
    template = await mongo.db[c.LEDGER].find_one({"idempotency_key": "bench-0"})
    assert template is not None
    copies = [
        template | {"_id": ObjectId(), "member_id": member, "idempotency_key": f"bench-{n}-{k}"}
        for n, member in enumerate(ids)
        for k in range(entries)
        if (n, k) != (0, 0)
    ]
    for start in range(0, len(copies), 5_000):
        await mongo.db[c.LEDGER].insert_many(copies[start : start + 5_000])
    signer = TokenSigner(Keyring(SECRET), access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1))
    staff = signer.sign(Principal(Audience.ADMIN, shop.owner.id, merchant_id), now)[0]
    member = signer.sign(Principal(Audience.MEMBER, ids[-1], merchant_id), now)[0]
    return staff, member


async def me_seconds(http: httpx.AsyncClient, token: str) -> float:
    started = time.perf_counter()
    response = await http.post("/graphql/member", json={"query": ME}, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    return time.perf_counter() - started


async def measure(settings: Settings, staff: str, member: str) -> tuple[float, int, float, float]:
    """Heavy query seconds and bytes, the member's `{ me }` alone and its slowest while the heavy query runs."""
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as http:
            alone = min([await me_seconds(http, member) for _ in range(20)])
            done = asyncio.Event()

            async def heavy() -> tuple[float, int]:
                started = time.perf_counter()
                response = await http.post(
                    "/graphql/admin", json={"query": heavy_query()}, headers={"authorization": f"Bearer {staff}"}
                )
                elapsed = time.perf_counter() - started
                done.set()
                return elapsed, len(response.content)

            async def members_meanwhile() -> list[float]:
                waits = [await me_seconds(http, member)]
                while not done.is_set():
                    waits.append(await me_seconds(http, member))
                return waits

            (heavy_s, size), waits = await asyncio.gather(heavy(), members_meanwhile())
    return heavy_s, size, alone, max(waits)


async def run(args: argparse.Namespace, mongo_uri: str, redis_url: str) -> None:
    settings = Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=mongo_uri,
        mongodb_db=f"bench_cost_{secrets.token_hex(4)}",
        redis_url=redis_url,
        secret_key=SECRET,
        pii_key=PII,
    )
    mongo = open_mongo(mongo_uri, settings.mongodb_db)
    try:
        print(f"setting up: {args.members} members, {args.entries} ledger entries each")
        staff, member = await seed(mongo, args.members, args.entries)
        print(f"heavy query: {ALIASES} aliases of members(first: {PAGE}) with ledger(first: {PAGE})")
        results = {}
        for label, max_cost in (("no cost limit", 10**12), (f"limit {settings.graphql_max_cost}", None)):
            limited = settings if max_cost is None else settings.model_copy(update={"graphql_max_cost": max_cost})
            heavy_s, size, alone, worst = await measure(limited, staff, member)
            results[label] = (heavy_s, worst)
            print(
                f"{label:>16}: heavy query {heavy_s:6.2f} s, {size / 1000:7.1f} kB; "
                f"member's {{ me }} alone {alone * 1000:6.1f} ms, slowest meanwhile {worst * 1000:7.1f} ms "
                f"({worst / alone:.0f}x)"
            )
        (open_s, open_worst), (capped_s, capped_worst) = results.values()
        print(f"without/with the limit: heavy query {open_s / capped_s:.0f}x as long, ", end="")
        print(f"slowest {{ me }} {open_worst / capped_worst:.0f}x as long")
    finally:
        await mongo.client.drop_database(settings.mongodb_db)
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100, help="members of the merchant")
    parser.add_argument("--entries", type=int, default=100, help="ledger entries of each member")
    args = parser.parse_args()
    with embedded.throwaway_servers() as servers:
        asyncio.run(run(args, servers.mongodb_uri, servers.redis_url))


if __name__ == "__main__":
    main()
