"""The daily look at every merchant's switched-on journeys (the worker runs it hourly; each member is reached
once per rule and period whatever runs, domain.journeys.sends). The period is what the rule is about: the day a
member's lapse began (win-back: a member who comes back and lapses again is won back again), the first paid day
(thank-you), the coupon about to expire (reminder).

Coupon journeys go out from SEND_FROM_HOUR, merchant time (its first store's), for the members due today and, for
a worker that was down over it, those due yesterday. Reminders go out as coupons come within their N days.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking.wallclock import local_date
from domain.journeys.coupon_journeys import give_coupons
from domain.journeys.reminders import remind_expiring
from domain.journeys.rules import JourneyKind, JourneyRule, rules_from_doc
from domain.journeys.sends import Reached

# Nobody gets a win-back coupon at midnight.
SEND_FROM_HOUR = 10
DEFAULT_TIMEZONE = "Asia/Shanghai"


async def evaluate_merchant(
    *, mongo: Mongo, merchant_id: ObjectId, rules: dict[JourneyKind, JourneyRule], now: datetime
) -> Reached:
    """Every switched-on journey of the merchant, now."""
    store = await mongo.db[c.STORES].find_one({"merchant_id": merchant_id}, sort=[("_id", 1)])
    zone = ZoneInfo(store["timezone"] if store else DEFAULT_TIMEZONE)
    reached = Reached()
    if now.astimezone(zone).hour >= SEND_FROM_HOUR:
        for kind in (JourneyKind.WIN_BACK, JourneyKind.THANK_YOU):
            if rules[kind].enabled:
                today = local_date(now, zone)
                reached += await give_coupons(
                    mongo=mongo, merchant_id=merchant_id, rule=rules[kind], today=today, now=now
                )
    reminder = rules[JourneyKind.EXPIRY_REMINDER]
    if reminder.enabled:
        reached += await remind_expiring(mongo=mongo, merchant_id=merchant_id, rule=reminder, now=now)
    return reached


async def evaluate_all(*, mongo: Mongo, now: datetime) -> int:
    """Every merchant's journeys (a merchant that never set its rules runs the defaults): members reached."""
    kept = {doc["_id"]: doc async for doc in mongo.db[c.JOURNEY_RULES].find({})}
    reached = Reached()
    async for merchant in mongo.db[c.MERCHANTS].find({}, {"_id": 1}):
        rules = rules_from_doc(kept.get(merchant["_id"]))
        reached += await evaluate_merchant(mongo=mongo, merchant_id=merchant["_id"], rules=rules, now=now)
    return reached.sent + reached.held_back
