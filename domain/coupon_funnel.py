"""The coupon funnel report (发送 → 转发 → 领取 → 到店 → 营收) owners read per template: the coupon events
(domain.coupons.funnel) aggregated on demand, joined with what claimers paid (orders) and whom sharers bound
(domain.referrals.funnel). It sits above all three, so none of them imports another for it.

The aggregation matches on (template_id, at), an index prefix. Revenue per row is what the members who claimed
through the group have paid since (net of refunds, for consumption, not top-ups): each CLAIMED event names its
coupon, whose claimer is the hand-over written at that very moment (a forward accepted) or else its first
owner. A member who claimed through two groups counts in both.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.funnel import Step
from domain.coupons.templates import Template, aware, get_template, require_manager
from domain.members import display_name
from domain.orders.model import SETTLED, OrderKind
from domain.referrals.funnel import new_members
from domain.tenancy import Staff


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
    revenue_fen: int = 0
    # Members bound under the group's sharer by a touch on this template's coupons (domain.referrals.funnel).
    new_members: int = 0


@dataclass(frozen=True)
class Funnel:
    template: Template
    group_by: GroupBy
    rows: tuple[FunnelRow, ...]


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
        return {d["_id"]: display_name(d.get("nickname")) for d in docs}
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
    revenue = await _revenue(mongo, actor.merchant_id, template.id, group_by, since, until)
    joined = await new_members(
        mongo=mongo,
        merchant_id=actor.merchant_id,
        template_id=template.id,
        group_by=group_by.value,
        since=since,
        until=until,
    )
    rows = [
        FunnelRow(
            sharer_id=group if group_by is GroupBy.SHARER else None,
            staff_id=group if group_by is GroupBy.STAFF else None,
            name=names.get(group) if group is not None else None,
            issued=steps.get(Step.ISSUED, 0),
            forwarded=steps.get(Step.FORWARDED, 0),
            claimed=steps.get(Step.CLAIMED, 0),
            redeemed=steps.get(Step.REDEEMED, 0),
            revenue_fen=revenue.get(group, 0),
            new_members=joined.get(group, 0),
        )
        for group, steps in counts.items()
    ]
    rows.sort(key=lambda r: (-r.redeemed, -r.claimed, -r.issued, str(r.sharer_id or r.staff_id or "")))
    return Funnel(template, group_by, tuple(rows))


def _group_of(event: Doc, group_by: GroupBy) -> ObjectId | None:
    if group_by is GroupBy.SHARER:
        return event.get("sharer_id")
    if group_by is GroupBy.STAFF:
        return event.get("staff_id")
    return None


async def _claimers(mongo: Mongo, events: list[Doc]) -> dict[ObjectId, ObjectId]:
    """Event id -> the member who received the coupon in that CLAIMED event."""
    ids = list({e["coupon_id"] for e in events})
    coupons = await mongo.db[c.COUPONS].find({"_id": {"$in": ids}}, {"claimed_by": 1, "chain": 1}).to_list()
    by_id = {d["_id"]: d for d in coupons}
    found: dict[ObjectId, ObjectId] = {}
    for event in events:
        coupon = by_id.get(event["coupon_id"])
        if coupon is None:
            continue
        handed = [h["to_id"] for h in coupon.get("chain", []) if h["at"] == event["at"]]
        found[event["_id"]] = handed[0] if handed else coupon["claimed_by"]
    return found


async def _revenue(
    mongo: Mongo,
    merchant_id: ObjectId,
    template_id: ObjectId,
    group_by: GroupBy,
    since: datetime | None,
    until: datetime | None,
) -> dict[ObjectId | None, int]:
    """Per group: what its claimers paid for consumption from their first claim on, net of refunds. Three
    queries: the claims, their coupons, the claimers' paid orders."""
    match: dict[str, Any] = {"template_id": template_id, "step": Step.CLAIMED.value, "coupon_id": {"$ne": None}}
    if since is not None or until is not None:
        match["at"] = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    events = await mongo.db[c.COUPON_EVENTS].find(match).to_list()
    if not events:
        return {}
    claimers = await _claimers(mongo, events)
    first_claim: dict[tuple[ObjectId | None, ObjectId], datetime] = {}
    for event in events:
        member = claimers.get(event["_id"])
        if member is not None:
            key = (_group_of(event, group_by), member)
            first_claim[key] = min(first_claim.get(key, event["at"]), event["at"])
    orders = (
        await mongo.db[c.ORDERS]
        .find(
            {
                "merchant_id": merchant_id,
                "member_id": {"$in": list({m for _, m in first_claim})},
                "status": {"$in": [s.value for s in SETTLED]},
                "kind": OrderKind.CONSUMPTION.value,
            },
            {"member_id": 1, "paid_at": 1, "price.due_fen": 1, "refunded_fen": 1},
        )
        .to_list()
    )
    by_member: dict[ObjectId, list[tuple[datetime, int]]] = {}
    for o in orders:
        by_member.setdefault(o["member_id"], []).append(
            (o["paid_at"], o["price"]["due_fen"] - o.get("refunded_fen", 0))
        )
    revenue: dict[ObjectId | None, int] = {}
    for (group, member), claimed_at in first_claim.items():
        # Both times are ours (the claim's, and the moment checkout recorded the payment): one clock decides.
        paid = sum(net for at, net in by_member.get(member, []) if at >= claimed_at)
        revenue[group] = revenue.get(group, 0) + paid
    return revenue
