"""The coupon sweeps the worker runs: tidy stored statuses that time has already changed (status is computed on
read, so these only keep the stored field and its indexes honest). Each is a conditional update, safe to run again
or alongside itself. The warning before a coupon expires is a journey now (domain.journeys.reminders).
"""

from datetime import datetime

from db import collections as c
from db.mongo import Mongo
from domain.coupons.coupon import CouponStatus

_LIVE = [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]


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
