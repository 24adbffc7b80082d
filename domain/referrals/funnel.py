"""New members in the coupon funnel: members bound by a coupon touch (an accepted forward, a coupon taken
from a pack) on one template's coupons, per sharing member or per the coupons' staff member. One aggregation
over the binding events, which name the coupon a touch was about.
"""

from datetime import datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.referrals.binding import BindingSource

COUPON_SOURCES = (BindingSource.FORWARD_ACCEPT.value, BindingSource.PACK_CLAIM.value)
# The coupon funnel's group-by values (domain.coupon_funnel.GroupBy), and the event field each groups by.
_GROUP_FIELDS = {"SHARER": "$referrer_id", "STAFF": "$coupon_staff_id"}


async def new_members(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    template_id: ObjectId,
    group_by: str,
    since: datetime | None,
    until: datetime | None,
) -> dict[ObjectId | None, int]:
    """Members bound in [since, until) through this template's coupons, by group (None: all, or nobody's)."""
    match: Doc = {"merchant_id": merchant_id, "template_id": template_id, "source": {"$in": list(COUPON_SOURCES)}}
    if since is not None or until is not None:
        match["at"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    pipeline: list[Doc] = [{"$match": match}, {"$group": {"_id": _GROUP_FIELDS.get(group_by), "n": {"$sum": 1}}}]
    return {row["_id"]: int(row["n"]) async for row in await mongo.db[c.REFERRAL_BINDINGS].aggregate(pipeline)}
