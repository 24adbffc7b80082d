"""WeChat one-time subscriptions (一次性订阅): each time a member accepts a template in the mini-program,
WeChat allows one message of it; we keep the count as a quota per member and template.

A send takes one from the quota with a conditional decrement, so concurrent sends never use more than was
granted. WeChat's own count is the authority: when it answers 43101 (no subscription left) our quota was
ahead of it (a grant reported twice, or the member turned messages off) and is set to zero.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo
from domain.notifications.errors import NotificationCode, NotificationError

MAX_TEMPLATES_PER_REQUEST = 20


@dataclass(frozen=True)
class Subscription:
    template_id: str
    remaining: int


@dataclass(frozen=True)
class SubscribeTemplate:
    """A topic and the WeChat template the mini-program asks the member to accept for it."""

    topic: str
    template_id: str


def subscribe_templates(template_ids: Mapping[str, str]) -> list[SubscribeTemplate]:
    return [SubscribeTemplate(topic, tid) for topic, tid in sorted(template_ids.items())]


async def record_subscriptions(
    *,
    mongo: Mongo,
    known_template_ids: Collection[str],
    merchant_id: ObjectId,
    member_id: ObjectId,
    template_ids: list[str],
    accepted: list[str],
) -> list[Subscription]:
    """What `wx.requestSubscribeMessage` answered: of the templates asked about, the ones accepted each allow
    one more message. The quotas of every template asked about, after the change."""
    asked = list(dict.fromkeys(template_ids))
    if not asked or len(asked) > MAX_TEMPLATES_PER_REQUEST or any(t not in known_template_ids for t in asked):
        raise NotificationError(NotificationCode.SUBSCRIBE_TEMPLATE_UNKNOWN, "templateIds")
    if any(t not in asked for t in accepted):
        raise NotificationError(NotificationCode.SUBSCRIPTION_NOT_ASKED, "accepted")
    now = datetime.now(UTC)
    subscriptions = mongo.db[c.SUBSCRIPTIONS]
    for template_id in accepted:
        await subscriptions.update_one(
            {"merchant_id": merchant_id, "member_id": member_id, "template_id": template_id},
            {"$inc": {"quota": 1}, "$set": {"updated_at": now}},
            upsert=True,
        )
    docs = await subscriptions.find(
        {"merchant_id": merchant_id, "member_id": member_id, "template_id": {"$in": asked}}
    ).to_list()
    quota = {d["template_id"]: d["quota"] for d in docs}
    return [Subscription(t, quota.get(t, 0)) for t in asked]


async def take_one(
    *, mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, member_id: ObjectId, template_id: str
) -> bool:
    """Uses one message of the member's quota for the template; False when none is left."""
    result = await mongo.db[c.SUBSCRIPTIONS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id, "template_id": template_id, "quota": {"$gt": 0}},
        {"$inc": {"quota": -1}},
        session=session,
    )
    return result.modified_count == 1


async def give_back(
    *, mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, member_id: ObjectId, template_id: str
) -> None:
    """A send that WeChat certainly did not deliver did not use the member's grant."""
    await mongo.db[c.SUBSCRIPTIONS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id, "template_id": template_id},
        {"$inc": {"quota": 1}},
        session=session,
    )


async def use_up(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: str) -> None:
    await mongo.db[c.SUBSCRIPTIONS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id, "template_id": template_id}, {"$set": {"quota": 0}}
    )
