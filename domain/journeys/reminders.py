"""The expiry reminder journey (到期提醒): a member holding a live coupon whose validity ends within the rule's N
days is reminded once per coupon (COUPON_EXPIRING), unless held back in the control group or stopped marketing.
A merchant whose reminder is switched off sends none, and its coupons wait unlooked-at: switched on again, it
reminds those still within the N days.

Each coupon is marked looked-at once its member's send record is made (or found made), so a later run skips it.
Points never expire in Jike, so coupons are the only thing to remind of.
"""

from datetime import datetime, timedelta

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.coupons.coupon import CouponStatus
from domain.events import CouponExpiring
from domain.journeys.effect import held_back
from domain.journeys.rules import JourneyRule, with_id
from domain.journeys.sends import Reached, group_of, record_send
from domain.marketing.consent import consents_of
from domain.marketing.touches import Group

_LIVE = [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]
_BATCH = 500


async def _remind(mongo: Mongo, rule: JourneyRule, merchant_id: ObjectId, coupon: Doc, now: datetime) -> Reached:
    rule_id = rule.id
    assert rule_id is not None
    member_id, period = coupon["owner_id"], f"coupon:{coupon['_id']}"
    group = group_of(rule_id, member_id, period, rule.control_percent)

    async def work(s: AsyncClientSession) -> None:
        await record_send(
            mongo=mongo,
            session=s,
            rule=rule,
            merchant_id=merchant_id,
            member_id=member_id,
            period=period,
            group=group,
            now=now,
        )
        if group is Group.CONTROL:
            await held_back(
                mongo=mongo,
                session=s,
                merchant_id=merchant_id,
                rule_id=rule_id,
                member_id=member_id,
                coupon_id=coupon["_id"],
                at=now,
            )
        else:
            await outbox.record(
                mongo=mongo,
                session=s,
                merchant_id=merchant_id,
                event=CouponExpiring(coupon_id=coupon["_id"], member_id=member_id, journey_id=rule.id),
                dedupe_key=f"coupon:{coupon['_id']}:expiring",
            )

    try:
        await transaction(mongo, work)
    except DuplicateKeyError:
        return Reached()
    return Reached(held_back=1) if group is Group.CONTROL else Reached(sent=1)


async def remind_expiring(*, mongo: Mongo, merchant_id: ObjectId, rule: JourneyRule, now: datetime) -> Reached:
    """Reminders for the merchant's live coupons whose validity ends within the rule's days."""
    rule = await with_id(mongo=mongo, merchant_id=merchant_id, rule=rule)
    coupons = mongo.db[c.COUPONS]
    query = {
        "merchant_id": merchant_id,
        "expiry_noticed_at": None,
        "status": {"$in": _LIVE},
        "valid_to": {"$gt": now, "$lte": now + timedelta(days=rule.days)},
    }
    reached = Reached()
    while docs := await coupons.find(query, {"owner_id": 1}).limit(_BATCH).to_list():
        consents = await consents_of(mongo=mongo, merchant_id=merchant_id, member_ids=[d["owner_id"] for d in docs])
        for doc in docs:
            # A member who stopped marketing is not reminded, and the coupon is marked looked-at all the same.
            if not consents[doc["owner_id"]].stopped:
                reached += await _remind(mongo, rule, merchant_id, doc, now)
        marked = {"merchant_id": merchant_id, "_id": {"$in": [d["_id"] for d in docs]}}
        await coupons.update_many(marked, {"$set": {"expiry_noticed_at": now}})
    return reached
