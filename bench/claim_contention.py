"""Claim contention: N members claim one template with stock S < N at once, through the GraphQL API.

Starts its own SecantusDB and redis-server, runs the app in-process, and prints claimed, oversold and
duplicate coupons, how long the winners and the members told "sold out" waited for their answer, then the
API's claims/s against bare single-document atomic claims/s (one conditional `$inc`, the floor any correct
design pays) measured on the same database in the same run, and their ratio.
`--compare-transaction` also times the same claim done as one multi-document transaction, the design the
coupons capability did not choose: under contention on one template every transaction but one conflicts.

    uv run python bench/claim_contention.py --members 1000 --stock 300
"""

import argparse
import asyncio
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager
from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from api import embedded
from api.app import create_app
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo, transaction
from domain import tenancy
from domain.coupons import templates
from domain.keyring import Keyring
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from domain.pricing import CouponKind
from domain.sessions import Audience, Principal, TokenSigner
from schema.ids import to_global_id
from startup.settings import Env, Settings

CLAIM = """
mutation($input: ClaimCouponInput!) {
  claimCoupon(input: $input) { coupon { id } userErrors { code } }
}
"""


async def _timed(n: int, attempt: Callable[[int], Awaitable[bool]]) -> tuple[int, float]:
    started = time.perf_counter()
    won = await asyncio.gather(*(attempt(i) for i in range(n)))
    return sum(won), time.perf_counter() - started


async def _shop(mongo: Mongo, settings: Settings, stock: int) -> tuple[tenancy.NewMerchant, templates.Template]:
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
    draft = templates.TemplateDraft(
        title="开业满100减20",
        benefit=templates.Benefit(CouponKind.AMOUNT_OFF, value_fen=2000, minimum_spend_fen=10000),
        validity=templates.Validity(days=30),
        stock=stock,
    )
    template = await templates.create_template(mongo=mongo, actor=shop.owner, draft=draft)
    await templates.set_template_status(
        mongo=mongo, actor=shop.owner, template_id=template.id, status=templates.TemplateStatus.ACTIVE
    )
    return shop, template


async def _members(mongo: Mongo, merchant_id: ObjectId, n: int, signer: TokenSigner) -> list[str]:
    now = datetime.now(UTC)
    ids = [ObjectId() for _ in range(n)]
    docs = [
        {"_id": i, "merchant_id": merchant_id, "channel": "WECHAT", "openid": f"bench-{i}", "unionid": None}
        | {"nickname": None, "created_at": now, "first_touch": ""}
        for i in ids
    ]
    for start in range(0, n, 1000):
        await mongo.db[c.MEMBERS].insert_many(docs[start : start + 1000])
    return [signer.sign(Principal(Audience.MEMBER, i, merchant_id), now)[0] for i in ids]


async def _api_claims(
    settings: Settings, template_gid: str, tokens: list[str]
) -> tuple[int, float, dict[str, list[float]]]:
    """Claims won, the storm's seconds, and each answer's wait (seconds from the start) by outcome."""
    app = create_app(settings)
    waits: dict[str, list[float]] = {}
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=None) as http:
            started = time.perf_counter()

            async def attempt(i: int) -> bool:
                variables = {"input": {"templateId": template_gid, "idempotencyKey": f"tap-{i}"}}
                response = await http.post(
                    "/graphql/member",
                    json={"query": CLAIM, "variables": variables},
                    headers={"authorization": f"Bearer {tokens[i]}"},
                )
                payload = response.json()["data"]["claimCoupon"]
                outcome = "won" if payload["coupon"] else payload["userErrors"][0]["code"]
                waits.setdefault(outcome, []).append(time.perf_counter() - started)
                return payload["coupon"] is not None

            won, seconds = await _timed(len(tokens), attempt)
            return won, seconds, waits


def _wait_line(outcome: str, waits: list[float]) -> str:
    return (
        f"  {outcome:<20} {len(waits):5d} answers, median {statistics.median(waits):5.1f} s, "
        f"last {max(waits):5.1f} s after the storm began"
    )


async def _bare_claims(mongo: Mongo, n: int, stock: int) -> tuple[int, float]:
    bare = mongo.db["bench_bare_stock"]
    await bare.insert_one({"_id": "t", "status": "ACTIVE", "stock": stock, "issued": 0})

    async def attempt(i: int) -> bool:
        result = await bare.update_one(
            {"_id": "t", "status": "ACTIVE", "$expr": {"$lt": ["$issued", "$stock"]}}, {"$inc": {"issued": 1}}
        )
        return result.modified_count == 1

    return await _timed(n, attempt)


async def _transactional_claims(mongo: Mongo, n: int, stock: int) -> tuple[int, float]:
    """Stock, coupon and events in one transaction: correct, but every concurrent claim conflicts on the
    template and `with_transaction` retries it until the others commit.
    """
    tid = ObjectId()
    await mongo.db["bench_txn_stock"].insert_one({"_id": tid, "status": "ACTIVE", "stock": stock, "issued": 0})

    async def attempt(i: int) -> bool:
        async def claim(session: AsyncClientSession) -> bool:
            took = await mongo.db["bench_txn_stock"].update_one(
                {"_id": tid, "status": "ACTIVE", "$expr": {"$lt": ["$issued", "$stock"]}},
                {"$inc": {"issued": 1}},
                session=session,
            )
            if took.modified_count != 1:
                return False
            await mongo.db["bench_txn_coupons"].insert_one({"template_id": tid, "member": i}, session=session)
            await mongo.db["bench_txn_events"].insert_many(
                [{"template_id": tid, "step": s} for s in ("ISSUED", "CLAIMED")], session=session
            )
            return True

        return await transaction(mongo, claim)

    return await _timed(n, attempt)


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


async def run(args: argparse.Namespace, mongo_uri: str, redis_url: str) -> None:
    settings = Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=mongo_uri,
        mongodb_db="bench",
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(48),
        pii_key=secrets.token_urlsafe(48),
        log_level="WARNING",
    )
    mongo = open_mongo(mongo_uri, "bench")
    try:
        await ensure_indexes(mongo)
        shop, template = await _shop(mongo, settings, args.stock)
        signer = TokenSigner(Keyring(settings.secret_key.get_secret_value()), timedelta(hours=1), timedelta(days=1))
        tokens = await _members(mongo, shop.merchant.id, args.members, signer)
        print(f"{args.members} members claim a template with stock {args.stock}, all at once")

        claimed, api_s, waits = await _api_claims(settings, to_global_id("CouponTemplate", template.id), tokens)
        coupons = await mongo.db[c.COUPONS].count_documents({"template_id": template.id})
        holders = len(await mongo.db[c.COUPONS].distinct("claimed_by", {"template_id": template.id}))
        bare_won, bare_s = await _bare_claims(mongo, args.members, args.stock)
        api_rate, bare_rate = _rate(args.members, api_s), _rate(args.members, bare_s)

        print(f"claimed:    {claimed} (coupons stored: {coupons})")
        print(f"oversold:   {max(0, coupons - args.stock)}")
        print(f"duplicates: {coupons - holders}")
        print("time to answer:")
        for outcome in sorted(waits, key=lambda o: o != "won"):
            print(_wait_line(outcome, waits[outcome]))
        print(f"API claims/s:  {api_rate:8.1f}  ({args.members} claims in {api_s:.1f} s)")
        print(f"bare claims/s: {bare_rate:8.1f}  ({args.members} conditional $inc in {bare_s:.1f} s, {bare_won} won)")
        print(f"ratio API/bare: {api_rate / bare_rate:.3f}")
        if args.compare_transaction:
            n, s = args.transaction_members, max(1, args.transaction_members // 4)
            won, txn_s = await _transactional_claims(mongo, n, s)
            print(
                f"one-transaction claims/s: {_rate(n, txn_s):8.1f}  ({n} claims, stock {s}, {won} won, {txn_s:.1f} s)"
            )
    finally:
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000, help="concurrent claimers (N)")
    parser.add_argument("--stock", type=int, default=300, help="the template's stock (S < N)")
    parser.add_argument("--compare-transaction", action="store_true", help="also time the one-transaction design")
    parser.add_argument("--transaction-members", type=int, default=200, help="claimers for --compare-transaction")
    args = parser.parse_args()
    if not 0 < args.stock < args.members:
        parser.error("the point is contention: give 0 < stock < members")
    with embedded.throwaway_servers() as servers:
        asyncio.run(run(args, servers.mongodb_uri, servers.redis_url))


if __name__ == "__main__":
    main()
