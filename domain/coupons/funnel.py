"""The coupon funnel (发送 → 转发 → 领取 → 到店): one event document per step, aggregated on demand.

ISSUED counts coupons put into circulation (a direct claim, or every coupon of a granted pack); FORWARDED the
coupons offered to friends (a forward, or a pack's coupons when it is first shared); CLAIMED the coupons a
member received (a direct claim, an accepted forward, a take from a pack); REDEEMED the ones used in store.
Each event carries the attribution of its coupon (the sharing member, the source's staff member), so the
same events group by sharer or by staff. The aggregation matches on (template_id, at), an index prefix.
Revenue per row comes with the payments capability.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.templates import Template, aware, get_template, require_manager
from domain.coupons.touch import Sharer
from domain.tenancy import Staff


class Step(StrEnum):
    ISSUED = "ISSUED"
    FORWARDED = "FORWARDED"
    CLAIMED = "CLAIMED"
    REDEEMED = "REDEEMED"


class GroupBy(StrEnum):
    NONE = "NONE"
    SHARER = "SHARER"
    STAFF = "STAFF"


@dataclass(frozen=True)
class FunnelRow:
    """One group's counts; `sharer_id`/`staff_id` is None for the NONE group and for coupons nobody shared."""

    sharer_id: ObjectId | None
    staff_id: ObjectId | None
    name: str | None
    issued: int
    forwarded: int
    claimed: int
    redeemed: int


@dataclass(frozen=True)
class Funnel:
    template: Template
    group_by: GroupBy
    rows: tuple[FunnelRow, ...]


def event_docs(
    template: Template,
    steps: list[tuple[Step, int]],
    *,
    attribution: Sharer,
    at: datetime,
    coupon_id: ObjectId | None = None,
    pack_id: ObjectId | None = None,
) -> list[Doc]:
    return [
        {
            "merchant_id": template.merchant_id,
            "template_id": template.id,
            "step": step.value,
            "n": n,
            "sharer_id": attribution.member_id,
            "staff_id": attribution.staff_id,
            "coupon_id": coupon_id,
            "pack_id": pack_id,
            "at": at,
        }
        for step, n in steps
    ]


async def record(
    mongo: Mongo,
    template: Template,
    steps: list[tuple[Step, int]],
    *,
    attribution: Sharer,
    at: datetime,
    coupon_id: ObjectId | None = None,
    pack_id: ObjectId | None = None,
) -> None:
    """Written after the step itself: a crash in between undercounts the funnel, never the coupons."""
    docs = event_docs(template, steps, attribution=attribution, at=at, coupon_id=coupon_id, pack_id=pack_id)
    await mongo.db[c.COUPON_EVENTS].insert_many(docs, ordered=False)


def funnel_pipeline(
    template_id: ObjectId, group_by: GroupBy, since: datetime | None, until: datetime | None
) -> list[Doc]:
    match: dict[str, Any] = {"template_id": template_id}
    if since is not None or until is not None:
        match["at"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    key: Doc = {"step": "$step"}
    if group_by is GroupBy.SHARER:
        key["group"] = "$sharer_id"
    elif group_by is GroupBy.STAFF:
        key["group"] = "$staff_id"
    return [{"$match": match}, {"$group": {"_id": key, "n": {"$sum": "$n"}}}]


async def _names(mongo: Mongo, merchant_id: ObjectId, group_by: GroupBy, ids: list[ObjectId]) -> dict[ObjectId, str]:
    if group_by is GroupBy.NONE or not ids:
        return {}
    if group_by is GroupBy.SHARER:
        docs = await mongo.db[c.MEMBERS].find({"_id": {"$in": ids}, "merchant_id": merchant_id}).to_list()
        return {d["_id"]: d["nickname"] for d in docs if d.get("nickname")}
    docs = await mongo.db[c.STAFF].find({"_id": {"$in": ids}, "merchant_id": merchant_id}).to_list()
    return {d["_id"]: d["name"] for d in docs}


async def coupon_funnel(
    *,
    mongo: Mongo,
    actor: Staff,
    template_id: ObjectId,
    group_by: GroupBy,
    since: datetime | None,
    until: datetime | None,
) -> Funnel:
    require_manager(actor)
    since, until = aware(since), aware(until)
    if since is not None and until is not None and since >= until:
        raise CouponError(CouponCode.FUNNEL_RANGE_INVALID, "to")
    template = await get_template(mongo=mongo, actor=actor, template_id=template_id)
    pipeline = funnel_pipeline(template.id, group_by, since, until)
    counts: dict[ObjectId | None, dict[str, int]] = {}
    async for row in await mongo.db[c.COUPON_EVENTS].aggregate(pipeline):
        counts.setdefault(row["_id"].get("group"), {})[row["_id"]["step"]] = row["n"]
    if group_by is GroupBy.NONE:
        counts.setdefault(None, {})
    names = await _names(mongo, actor.merchant_id, group_by, [g for g in counts if g is not None])
    rows = [
        FunnelRow(
            sharer_id=group if group_by is GroupBy.SHARER else None,
            staff_id=group if group_by is GroupBy.STAFF else None,
            name=names.get(group) if group is not None else None,
            issued=steps.get(Step.ISSUED, 0),
            forwarded=steps.get(Step.FORWARDED, 0),
            claimed=steps.get(Step.CLAIMED, 0),
            redeemed=steps.get(Step.REDEEMED, 0),
        )
        for group, steps in counts.items()
    ]
    rows.sort(key=lambda r: (-r.redeemed, -r.claimed, -r.issued, str(r.sharer_id or r.staff_id or "")))
    return Funnel(template, group_by, tuple(rows))
