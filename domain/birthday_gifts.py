"""Birthday gifts (生日礼): on a member's birthday the merchant gives them a coupon of the template it chose,
once a year, the day reckoned in the merchant's timezone (its first store's).

The sweep runs hourly and looks at yesterday as well as today, so a worker that was down over midnight still
gives yesterday's gifts. (member, year) is unique, and the gift, its record and its BIRTHDAY_GIFT event commit
in one transaction, so racing sweeps give one coupon. A template out of stock gives nothing and records
nothing: the next sweep that day tries again.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Mongo, transaction
from domain import outbox
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.gifts import gift_coupon
from domain.coupons.templates import Template, load_template, refusal
from domain.errors import PermissionDenied
from domain.events import BirthdayGift
from domain.tenancy import Role, Staff, audit

FIRST_BIRTH_YEAR = 1900
_DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class BirthdayGiftSetting:
    template: Template | None


class _NothingToGive(Exception):
    """Aborts a gift's transaction when the template cannot give a coupon now."""


async def _setting_template(mongo: Mongo, merchant_id: ObjectId) -> Template | None:
    doc = await mongo.db[c.BIRTHDAY_GIFT_SETTINGS].find_one({"_id": merchant_id})
    if doc is None or doc.get("template_id") is None:
        return None
    return await load_template(mongo=mongo, merchant_id=merchant_id, template_id=doc["template_id"])


async def get_setting(*, mongo: Mongo, actor: Staff) -> BirthdayGiftSetting:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    return BirthdayGiftSetting(await _setting_template(mongo, actor.merchant_id))


async def set_gift_template(*, mongo: Mongo, actor: Staff, template_id: ObjectId | None) -> BirthdayGiftSetting:
    """OWNER. The template birthday gifts come from; None stops giving them. It must be able to give now."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    template = None
    if template_id is not None:
        template = await load_template(mongo=mongo, merchant_id=actor.merchant_id, template_id=template_id)
        if template is None:
            raise CouponError(CouponCode.COUPON_TEMPLATE_NOT_FOUND, "templateId")
        code = refusal(template, datetime.now(UTC))
        if code is not None:
            raise CouponError(code, "templateId")
    await mongo.db[c.BIRTHDAY_GIFT_SETTINGS].update_one(
        {"_id": actor.merchant_id},
        {"$set": {"template_id": template_id, "updated_at": datetime.now(UTC), "updated_by": actor.id}},
        upsert=True,
    )
    await audit(mongo=mongo, actor=actor, action="birthday_gift.set", target=actor.merchant_id, template_id=template_id)
    return BirthdayGiftSetting(template)


def birthdays_on(day: date) -> list[str]:
    """Every stored birthday ("YYYY-MM-DD") that falls on `day`; 29 February counts on the 28th in other years."""
    month_days = [day.strftime("-%m-%d")]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        month_days.append("-02-29")
    return [f"{year:04d}{md}" for md in month_days for year in range(FIRST_BIRTH_YEAR, day.year + 1)]


async def give_birthday_gifts(*, mongo: Mongo, now: datetime) -> int:
    """Every merchant's gifts due today or yesterday (its time); how many were given by this call."""
    given = 0
    async for setting in mongo.db[c.BIRTHDAY_GIFT_SETTINGS].find({"template_id": {"$ne": None}}):
        template = await _setting_template(mongo, setting["_id"])
        if template is None:
            continue
        store = await mongo.db[c.STORES].find_one({"merchant_id": setting["_id"]}, sort=[("_id", 1)])
        today = now.astimezone(ZoneInfo(store["timezone"] if store else _DEFAULT_TIMEZONE)).date()
        for day in (today - timedelta(days=1), today):
            given += await _give_on(mongo, template, day, now)
    return given


async def _give_on(mongo: Mongo, template: Template, day: date, now: datetime) -> int:
    cards = mongo.db[c.CARDS].find(
        {"merchant_id": template.merchant_id, "birthday": {"$in": birthdays_on(day)}}, {"member_id": 1}
    )
    member_ids = [doc["member_id"] async for doc in cards]
    if not member_ids:
        return 0
    done = (
        await mongo.db[c.BIRTHDAY_GIFTS]
        .find(
            {"merchant_id": template.merchant_id, "member_id": {"$in": member_ids}, "year": day.year}, {"member_id": 1}
        )
        .to_list()
    )
    already = {d["member_id"] for d in done}
    given = 0
    for member_id in member_ids:
        if member_id not in already:
            given += await _give(mongo, template, member_id, day, now)
    return given


async def _give(mongo: Mongo, template: Template, member_id: ObjectId, day: date, now: datetime) -> int:
    async def work(s: AsyncClientSession) -> None:
        gift_id = ObjectId()
        await mongo.db[c.BIRTHDAY_GIFTS].insert_one(
            {
                "_id": gift_id,
                "merchant_id": template.merchant_id,
                "member_id": member_id,
                "year": day.year,
                "day": day.isoformat(),
                "given_at": now,
            },
            session=s,
        )
        coupon = await gift_coupon(
            mongo=mongo, session=s, template=template, member_id=member_id, origin=f"birthday:{day.year}", now=now
        )
        if coupon is None:
            raise _NothingToGive()
        await mongo.db[c.BIRTHDAY_GIFTS].update_one(
            {"merchant_id": template.merchant_id, "_id": gift_id}, {"$set": {"coupon_id": coupon.id}}, session=s
        )
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=template.merchant_id,
            event=BirthdayGift(member_id=member_id, coupon_id=coupon.id, title=template.title),
            dedupe_key=f"birthday:{member_id}:{day.year}",
        )

    try:
        await transaction(mongo, work)
    except (DuplicateKeyError, _NothingToGive):
        return 0
    return 1
