"""The end of the freeze: PENDING commissions whose paid_at + freeze days has passed become AVAILABLE. A cron
calls `release_due_commissions`; each release is its own small transaction (commission + account + entry),
conditional on the commission still being PENDING, so overlapping runs and refunds never double-move money.
"""

from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo, transaction
from domain.commissions.commission import CommissionStatus
from domain.commissions.ledger import Bucket, EntryKind, post

BATCH = 500


async def _release(mongo: Mongo, merchant_id: ObjectId, commission_id: ObjectId, now: datetime) -> bool:
    async def work(session: AsyncClientSession) -> bool:
        doc = await mongo.db[c.COMMISSIONS].find_one_and_update(
            {
                "merchant_id": merchant_id,
                "_id": commission_id,
                "status": CommissionStatus.PENDING.value,
                "release_at": {"$lte": now},
            },
            {"$set": {"status": CommissionStatus.AVAILABLE.value, "released_at": now}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None:
            return False
        net = doc["amount_fen"] - doc["reversed_fen"]
        await post(
            mongo,
            session,
            merchant_id=doc["merchant_id"],
            beneficiary_id=doc["beneficiary_id"],
            kind=EntryKind.RELEASE,
            deltas={Bucket.PENDING: -net, Bucket.AVAILABLE: net},
            idempotency_key=f"release:{commission_id}",
            commission_id=commission_id,
        )
        return True

    return await transaction(mongo, work)


async def release_due_commissions(*, mongo: Mongo, now: datetime | None = None, limit: int = BATCH) -> int:
    """Releases up to `limit` due commissions (all merchants), oldest due first; returns how many. A run that
    returns `limit` leaves more for the next one."""
    moment = now or datetime.now(UTC)
    due = (
        await mongo.db[c.COMMISSIONS]
        .find({"status": CommissionStatus.PENDING.value, "release_at": {"$lte": moment}}, {"merchant_id": 1})
        .sort("release_at", 1)
        .limit(limit)
        .to_list()
    )
    released = 0
    for doc in due:
        released += await _release(mongo, doc["merchant_id"], doc["_id"], moment)
    return released
