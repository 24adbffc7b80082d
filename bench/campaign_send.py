"""Campaign send: a campaign (a coupon and an inbox message, 10% control group) to N members of a saved segment,
sent by the worker's job in pages, against bare inserts of the same coupons on the same database.

Starts its own SecantusDB; seeds the members and their segment facts in bulk (not timed), then times the send
(every page decided in a transaction: the send records, the weekly-cap slots, the coupons and their funnel events,
the progress; then each member's inbox message and the touches) and prints members/s, the same coupons inserted
bare (insert_many in pages of the same size, no transaction, no message) per second, their ratio, and the process's
peak RSS (target: under 300 MB).

    uv run python bench/campaign_send.py --members 20000
"""

import argparse
import asyncio
import resource
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from bson import ObjectId
from redis.asyncio import Redis

from api import embedded
from channels.wechat import WeChatClient
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.campaigns.sending import PAGE, send_due
from domain.notifications.delivery import Outlets
from domain.notifications.sms import LoggingSms
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from tests.campaigns.conftest import Plan, regulars, regulars_segment, scheduled, stocked_template
from tests.conftest import Shop


async def _shop(mongo: Mongo, pii: PiiCipher) -> Shop:
    created = await tenancy.create_merchant(
        mongo=mongo,
        pii=pii,
        passwords=Passwords(PasswordCost()),
        name="压测商家",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone="13800000000",
        owner_password=secrets.token_urlsafe(12),
    )
    return Shop(created, "13800000000")


async def _bare_inserts(mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId) -> tuple[int, float]:
    """The campaign's coupons inserted again as copies (new ids and origin), a page at a time: what writing them
    costs on this database with the collection's indexes, and nothing else."""
    made = await mongo.db[c.COUPONS].find({"merchant_id": merchant_id, "template_id": template_id}).to_list()
    copies = [{**doc, "_id": ObjectId(), "origin": "bench-bare", "claim_key": "bench-bare"} for doc in made]
    started = time.perf_counter()
    for start in range(0, len(copies), PAGE):
        await mongo.db[c.COUPONS].insert_many(copies[start : start + PAGE])
    return len(copies), time.perf_counter() - started


async def run(args: argparse.Namespace, mongo_uri: str) -> None:
    mongo = open_mongo(mongo_uri, f"bench_{uuid.uuid4().hex[:8]}")
    pii = PiiCipher("bench-pii-key-" + "x" * 32)
    try:
        await ensure_indexes(mongo)
        shop = await _shop(mongo, pii)
        seeded = time.perf_counter()
        await regulars(mongo, shop, args.members)
        print(f"seeded {args.members} members with their facts in {time.perf_counter() - seeded:.1f} s")
        template = await stocked_template(mongo, shop, stock=None)
        campaign = await scheduled(mongo, shop, Plan(await regulars_segment(mongo, shop), template.id))
        async with httpx.AsyncClient() as http:
            # No subscribe template is configured, so WeChat is never called: the inbox carries every message.
            wechat = WeChatClient(http=http, redis=Redis(), base_url="http://127.0.0.1:9", appid="", secret="")
            out = Outlets(mongo=mongo, wechat=wechat, sms=LoggingSms(), pii=pii, template_ids={})
            started = time.perf_counter()
            decided = await send_due(out=out, now=datetime.now(UTC), budget=timedelta(hours=2))
            elapsed = time.perf_counter() - started
        done = await mongo.db[c.CAMPAIGNS].find_one({"merchant_id": shop.merchant.merchant.id, "_id": campaign.id})
        assert done is not None and done["state"] == "SENT", done
        progress = done["progress"]
        coupons, bare = await _bare_inserts(mongo, shop.merchant.merchant.id, template.id)
        send_rate = decided / elapsed
        bare_rate = coupons / bare
        print(
            f"sent: {progress['sent']} members a coupon and a message, {progress['control']} in the control group, "
            f"{decided} decided in {elapsed:.1f} s"
        )
        print(f"campaign members/s:  {send_rate:8.1f}")
        print(f"bare coupon inserts/s: {bare_rate:8.1f}  ({coupons} coupons in {bare:.2f} s, pages of {PAGE})")
        print(f"ratio send/bare:     {send_rate / bare_rate:.3f}")
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        await mongo.client.drop_database(mongo.db.name)
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=20_000)
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
