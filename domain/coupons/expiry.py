"""The coupon sweeps the worker runs: warn owners before a coupon expires, and tidy stored statuses that time
has already changed (status is computed on read, so these only keep the stored field and its indexes honest).

Each is a set of conditional updates, safe to run again or alongside itself: the expiry warning is one outbox
event per coupon (unique dedupe key), then a mark so later sweeps skip it.
"""

from datetime import datetime, timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo, any_of
from domain import outbox
from domain.coupons.coupon import CouponStatus
from domain.events import CouponExpiring

EXPIRY_NOTICE = timedelta(days=3)
_LIVE = [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]
_BATCH = 500


async def announce_expiring(*, mongo: Mongo, now: datetime, within: timedelta = EXPIRY_NOTICE) -> int:
    """A COUPON_EXPIRING event for each live coupon whose validity ends within `within`; how many were new."""
    coupons = mongo.db[c.COUPONS]
    query = {
        "status": {"$in": _LIVE},
        "valid_to": {"$gt": now, "$lte": now + within},
        "expiry_noticed_at": None,
    }
    announced = 0
    while docs := await coupons.find(query, {"merchant_id": 1, "owner_id": 1}).limit(_BATCH).to_list():
        merchants = {d["merchant_id"] for d in docs}
        ids: list[ObjectId] = []
        for doc in docs:
            announced += await outbox.record_once(
                mongo=mongo,
                merchant_id=doc["merchant_id"],
                event=CouponExpiring(coupon_id=doc["_id"], member_id=doc["owner_id"]),
                dedupe_key=f"coupon:{doc['_id']}:expiring",
            )
            ids.append(doc["_id"])
        marked = {"merchant_id": any_of(merchants), "_id": {"$in": ids}}
        await coupons.update_many(marked, {"$set": {"expiry_noticed_at": now}})
    return announced


async def expire_lapsed(*, mongo: Mongo, now: datetime) -> int:
    """Live coupons past their validity are stored EXPIRED; one held by an unpaid order waits for its lock,
    since the order may still be paid with it (checkout's `consume` only needs the lock)."""
    result = await mongo.db[c.COUPONS].update_many(
        {"status": {"$in": _LIVE}, "valid_to": {"$lte": now}, "lock_until": {"$lte": now}},
        {"$set": {"status": CouponStatus.EXPIRED.value, "expired_at": now}},
    )
    return result.modified_count


async def return_lapsed_forwards(*, mongo: Mongo, now: datetime) -> int:
    """Forwards nobody accepted within 24 hours are stored back with the sender (ACTIVE). Accept and recall
    both require `forward_until` in the future, so neither can race this."""
    result = await mongo.db[c.COUPONS].update_many(
        {"status": CouponStatus.FORWARDING.value, "forward_until": {"$lte": now}},
        {"$set": {"status": CouponStatus.ACTIVE.value}},
    )
    return result.modified_count
