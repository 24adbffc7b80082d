"""What each journey earned (domain.marketing's touches and effect figures, the journey's rule id as the source):
a member held back is touched when the evaluation draws them; a member sent to is touched once the worker has
told them (the event's notification found by its dedupe key), so the touch names the message whose delivery and
reading count. Either way the window opens at the evaluation. A source counts each member once, at their first
touch: a member reminded of two coupons counts once in the reminder's figures.
"""

from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo
from domain.errors import PermissionDenied
from domain.events import CouponExpiring, CouponReceived
from domain.journeys.rules import JourneyRule
from domain.marketing.effect import Effect, effect
from domain.marketing.touches import Group, Touch, TouchSource, record_touches
from domain.notifications.announcements import dedupe_key
from domain.notifications.topics import Topic
from domain.outbox import OutboxEntry
from domain.tenancy import Role, Staff

# How long after a touch a member's paid visits count towards its journey's effect.
WINDOW_DAYS = 14


async def held_back(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    rule_id: ObjectId,
    member_id: ObjectId,
    coupon_id: ObjectId | None,
    at: datetime,
) -> None:
    """A control member's touch, in the evaluation's transaction: no message, and for a reminder the coupon they
    were not reminded of, whose redemption is the baseline."""
    await record_touches(
        mongo=mongo,
        session=session,
        merchant_id=merchant_id,
        source=TouchSource.JOURNEY,
        source_id=rule_id,
        touches=[Touch(member_id, Group.CONTROL, coupon_id, None)],
        at=at,
        window_days=WINDOW_DAYS,
    )


async def told(*, mongo: Mongo, entry: OutboxEntry, event: CouponReceived | CouponExpiring) -> None:
    """A journey's member was told (the notification handler ran before this): their treatment touch, with the
    coupon and the notification. Events no journey sent are none of this."""
    if event.journey_id is None or event.member_id is None:
        return
    topic = Topic.COUPON_RECEIVED if isinstance(event, CouponReceived) else Topic.COUPON_EXPIRING
    note = await mongo.db[c.NOTIFICATIONS].find_one(
        {"merchant_id": entry.merchant_id, "dedupe_key": dedupe_key(entry, topic)}, {"_id": 1}
    )
    await record_touches(
        mongo=mongo,
        merchant_id=entry.merchant_id,
        source=TouchSource.JOURNEY,
        source_id=event.journey_id,
        touches=[Touch(event.member_id, Group.TREATMENT, event.coupon_id, note["_id"] if note else None)],
        at=entry.created_at,
        window_days=WINDOW_DAYS,
    )


async def effect_of(*, mongo: Mongo, actor: Staff, rule: JourneyRule) -> Effect | None:
    """OWNER or MANAGER: the journey's figures; None for a rule that never ran (it has no id yet)."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    if rule.id is None:
        return None
    return await effect(mongo=mongo, merchant_id=actor.merchant_id, source=TouchSource.JOURNEY, source_id=rule.id)
