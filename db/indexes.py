"""Index definitions for every collection; `ensure_indexes` is idempotent and runs at start and by `jike init-db`.

Unique indexes here are the last line of defence for rules that must hold under concurrency.
"""

from pymongo import ASCENDING, IndexModel

from db import collections as c
from db.mongo import Mongo

INDEXES: dict[str, list[IndexModel]] = {
    c.STORES: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.STAFF: [
        # Staff log in with a phone alone, so a phone names one staff account across merchants.
        IndexModel([("phone_hash", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.MEMBERS: [
        IndexModel([("merchant_id", ASCENDING), ("channel", ASCENDING), ("openid", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.REFRESH_TOKENS: [
        IndexModel([("family", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    c.AUDIT_LOG: [IndexModel([("merchant_id", ASCENDING), ("at", ASCENDING)])],
}


async def ensure_indexes(mongo: Mongo) -> None:
    for name, models in INDEXES.items():
        await mongo.db[name].create_indexes(models)
