"""The journeys that give a coupon: win-back (no paid visit for N days) and thank-you (N days after the first
paid visit). The member's send record, their coupon and the COUPON_RECEIVED event that tells them commit in one
transaction. A template out of stock gives nothing and records nothing, so a later run tries again.
"""

from datetime import date, datetime, timedelta

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Mongo, transaction
from domain import outbox
from domain.coupons.gifts import gift_coupon
from domain.coupons.templates import Template, load_template
from domain.events import CouponReceived
from domain.journeys import due
from domain.journeys.effect import held_back
from domain.journeys.rules import JourneyKind, JourneyRule, with_id
from domain.journeys.sends import Reached, group_of, record_send
from domain.marketing.consent import consents_of
from domain.marketing.touches import Group


class _NothingToGive(Exception):
    """Aborts a member's transaction when the template cannot give a coupon now."""


async def _give(
    mongo: Mongo, rule: JourneyRule, template: Template, member_id: ObjectId, period: str, now: datetime
) -> Reached:
    rule_id = rule.id
    assert rule_id is not None
    group = group_of(rule_id, member_id, period, rule.control_percent)

    async def work(s: AsyncClientSession) -> None:
        send_id = await record_send(
            mongo=mongo,
            session=s,
            rule=rule,
            merchant_id=template.merchant_id,
            member_id=member_id,
            period=period,
            group=group,
            now=now,
        )
        if group is Group.CONTROL:
            await held_back(
                mongo=mongo,
                session=s,
                merchant_id=template.merchant_id,
                rule_id=rule_id,
                member_id=member_id,
                coupon_id=None,
                at=now,
            )
            return
        coupon = await gift_coupon(
            mongo=mongo,
            session=s,
            template=template,
            member_id=member_id,
            origin=f"journey:{rule.kind}:{period}",
            now=now,
        )
        if coupon is None:
            raise _NothingToGive()
        await mongo.db[c.JOURNEY_SENDS].update_one(
            {"merchant_id": template.merchant_id, "_id": send_id}, {"$set": {"coupon_id": coupon.id}}, session=s
        )
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=template.merchant_id,
            event=CouponReceived(coupon_id=coupon.id, member_id=member_id, journey_id=rule.id),
            dedupe_key=f"journey:{rule.id}:{member_id}:{period}",
        )

    try:
        await transaction(mongo, work)
    except (DuplicateKeyError, _NothingToGive):
        return Reached()
    return Reached(held_back=1) if group is Group.CONTROL else Reached(sent=1)


async def _due(mongo: Mongo, merchant_id: ObjectId, kind: JourneyKind, day: date) -> list[ObjectId]:
    if kind is JourneyKind.WIN_BACK:
        return await due.lapsed_since(mongo=mongo, merchant_id=merchant_id, day=day)
    return await due.first_paid_on(mongo=mongo, merchant_id=merchant_id, day=day)


async def _open(mongo: Mongo, merchant_id: ObjectId, member_ids: list[ObjectId]) -> list[ObjectId]:
    """The members whose account is not closed: a closed account's paid days stay in the rollups (its orders do)."""
    if not member_ids:
        return []
    found = mongo.db[c.MEMBERS].find({"merchant_id": merchant_id, "_id": {"$in": member_ids}}, {"closed_at": 1})
    still_open = {doc["_id"] async for doc in found if doc.get("closed_at") is None}
    return [m for m in member_ids if m in still_open]


async def give_coupons(
    *, mongo: Mongo, merchant_id: ObjectId, rule: JourneyRule, today: date, now: datetime
) -> Reached:
    """A coupon journey's members due today and yesterday: each member's day is the rule's N days before."""
    if rule.template_id is None:
        return Reached()
    template = await load_template(mongo=mongo, merchant_id=merchant_id, template_id=rule.template_id)
    if template is None:
        return Reached()
    rule = await with_id(mongo=mongo, merchant_id=merchant_id, rule=rule)
    reached = Reached()
    for day in (today - timedelta(days=rule.days + 1), today - timedelta(days=rule.days)):
        members = await _open(mongo, merchant_id, await _due(mongo, merchant_id, rule.kind, day))
        consents = await consents_of(mongo=mongo, merchant_id=merchant_id, member_ids=members)
        for member_id in members:
            # A member who stopped marketing gets none at all: no coupon, no message, not even the control draw.
            if not consents[member_id].stopped:
                reached += await _give(mongo, rule, template, member_id, day.isoformat(), now)
    return reached
