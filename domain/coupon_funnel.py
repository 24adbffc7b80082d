"""The coupon funnel report (发送 → 转发 → 领取 → 到店 → 营收) owners read per template: the coupon events
(domain.coupons.funnel) aggregated on demand, joined with what claimers paid (orders) and whom sharers bound
(domain.referrals.funnel). It sits above all three, so none of them imports another for it.

The aggregation matches on (merchant_id, template_id, at), an index prefix. The claim page's coupons are their
own record of their claim (`claimed_at`), read on the (merchant_id, template_id, claimed_at) index: each is ISSUED
and CLAIMED then, shared by nobody. Revenue per row is what the members who claimed through the group have paid
since (net of refunds, for consumption, not top-ups): each CLAIMED event names its coupon, whose claimer is the
hand-over written at that very moment (a forward accepted) or else its first owner; a claim-page coupon's claimer is its
first owner. A member who claimed through two groups counts in both.

`template_totals` gives many templates' totals (the marketing report) from one grouped aggregation over the
range's events, one query of the range's claim-page coupons and one of the claimers' orders.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.funnel import Step
from domain.coupons.templates import NEVER, Template, aware, get_template, require_manager
from domain.members import display_name
from domain.orders.model import SETTLED, OrderKind
from domain.referrals.funnel import new_members
from domain.tenancy import Staff

# The lower bound of an open range: no coupon was claimed before it.
_EVER = datetime(1970, 1, 1, tzinfo=UTC)
# One member's claim for the revenue: (group, coupon or member, moment).
Claim = tuple[ObjectId | None, ObjectId, datetime]


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


def _range(since: datetime | None, until: datetime | None) -> Doc:
    return {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}


@dataclass(frozen=True)
class TemplateTotals:
    """A template's funnel totals over a range, as `coupon_funnel` grouped by NONE sums them."""

    template_id: ObjectId
    issued: int
    forwarded: int
    claimed: int
    redeemed: int
    revenue_fen: int


# A CLAIMED event that names its coupon, as (coupon, moment); None for every other event.
_CLAIM: Doc = {
    "$cond": [
        {"$and": [{"$eq": ["$step", Step.CLAIMED.value]}, {"$ne": [{"$ifNull": ["$coupon_id", None]}, None]}]},
        {"coupon_id": "$coupon_id", "at": "$at"},
        None,
    ]
}


def funnel_pipeline(
    merchant_id: ObjectId, template_id: ObjectId, group_by: GroupBy, since: datetime | None, until: datetime | None
) -> list[Doc]:
    """Each step's count per group. A CLAIMED event that names its coupon stays a row of its own (the coupon
    and the moment), from which the revenue finds its claimer: one pass over the events serves both."""
    match: dict[str, Any] = {"merchant_id": merchant_id, "template_id": template_id}
    if since is not None or until is not None:
        match["at"] = _range(since, until)
    key: Doc = {"step": "$step"}
    if group_by is GroupBy.SHARER:
        key["group"] = "$sharer_id"
    elif group_by is GroupBy.STAFF:
        key["group"] = "$staff_id"
    key["claim"] = _CLAIM
    return [{"$match": match}, {"$group": {"_id": key, "n": {"$sum": "$n"}}}]


def claim_page_query(
    merchant_id: ObjectId, template_id: ObjectId, since: datetime | None, until: datetime | None
) -> Doc:
    """Bounded on both sides, so the (merchant_id, template_id, claimed_at) index scans one range."""
    return {
        "merchant_id": merchant_id,
        "template_id": template_id,
        "claimed_at": {"$gte": since or _EVER, "$lt": until or NEVER},
    }


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
    counts: dict[ObjectId | None, dict[str, int]] = {}
    event_claims: list[Claim] = []
    async for row in await mongo.db[c.COUPON_EVENTS].aggregate(
        funnel_pipeline(template.merchant_id, template.id, group_by, since, until)
    ):
        group, step, claim = row["_id"].get("group"), row["_id"]["step"], row["_id"].get("claim")
        steps = counts.setdefault(group, {})
        steps[step] = steps.get(step, 0) + row["n"]
        if claim is not None:
            event_claims.append((group, claim["coupon_id"], claim["at"]))
    page_claims = await _claim_page_claims(mongo, actor.merchant_id, template.id, since, until)
    if page_claims or group_by is GroupBy.NONE:
        steps = counts.setdefault(None, {})
        for step in (Step.ISSUED, Step.CLAIMED):
            steps[step] = steps.get(step, 0) + len(page_claims)
    names = await _names(mongo, actor.merchant_id, group_by, [g for g in counts if g is not None])
    claims = await _claimers(mongo, actor.merchant_id, event_claims) + [
        (None, d["claimed_by"], d["claimed_at"]) for d in page_claims
    ]
    revenue = await _revenue(mongo, actor.merchant_id, claims)
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


async def _claim_page_claims(
    mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId, since: datetime | None, until: datetime | None
) -> list[Doc]:
    """Coupons claimed from the claim page within the range: each is its own ISSUED and CLAIMED step, shared by
    nobody."""
    query = claim_page_query(merchant_id, template_id, since, until)
    return await mongo.db[c.COUPONS].find(query, {"claimed_by": 1, "claimed_at": 1}).to_list()


async def _claimers(mongo: Mongo, merchant_id: ObjectId, claims: list[Claim]) -> list[Claim]:
    """(group, coupon, moment) of CLAIMED events -> (group, member who received the coupon then, moment)."""
    ids = list({coupon_id for _, coupon_id, _ in claims})
    if not ids:
        return []
    coupons = (
        await mongo.db[c.COUPONS]
        .find({"merchant_id": merchant_id, "_id": {"$in": ids}}, {"claimed_by": 1, "chain": 1})
        .to_list()
    )
    by_id = {d["_id"]: d for d in coupons}
    found: list[Claim] = []
    for group, coupon_id, at in claims:
        coupon = by_id.get(coupon_id)
        if coupon is None:
            continue
        handed = [h["to_id"] for h in coupon.get("chain", []) if h["at"] == at]
        found.append((group, handed[0] if handed else coupon["claimed_by"], at))
    return found


async def _revenue(mongo: Mongo, merchant_id: ObjectId, claims: list[Claim]) -> dict[ObjectId | None, int]:
    """Per group: what its claimers paid for consumption from their first claim on, net of refunds, in one query
    of the claimers' paid orders."""
    first_claim: dict[tuple[ObjectId | None, ObjectId], datetime] = {}
    for group, member, at in claims:
        first_claim[(group, member)] = min(first_claim.get((group, member), at), at)
    if not first_claim:
        return {}
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


async def template_totals(
    *, mongo: Mongo, merchant_id: ObjectId, template_ids: list[ObjectId], since: datetime, until: datetime
) -> list[TemplateTotals]:
    """The funnel totals of many templates over [since, until), the same figures `coupon_funnel` gives one of
    them, in four commands whatever their number: one grouped aggregation of the range's events (on the
    (merchant_id, template_id, at) index), the range's claim-page coupons, the claimed coupons' hand-overs, and the
    claimers'
    orders. Templates with no step in the range are left out."""
    if not template_ids:
        return []
    match: Doc = {"merchant_id": merchant_id, "template_id": {"$in": template_ids}, "at": _range(since, until)}
    group: Doc = {"_id": {"template": "$template_id", "step": "$step", "claim": _CLAIM}, "n": {"$sum": "$n"}}
    counts: dict[ObjectId, dict[str, int]] = {}
    event_claims: list[Claim] = []
    async for row in await mongo.db[c.COUPON_EVENTS].aggregate([{"$match": match}, {"$group": group}]):
        template_id, step, claim = row["_id"]["template"], row["_id"]["step"], row["_id"].get("claim")
        steps = counts.setdefault(template_id, {})
        steps[step] = steps.get(step, 0) + row["n"]
        if claim is not None:
            event_claims.append((template_id, claim["coupon_id"], claim["at"]))
    query: Doc = {"merchant_id": merchant_id, "template_id": {"$in": template_ids}, "claimed_at": _range(since, until)}
    page = await mongo.db[c.COUPONS].find(query, {"template_id": 1, "claimed_by": 1, "claimed_at": 1}).to_list()
    for doc in page:
        steps = counts.setdefault(doc["template_id"], {})
        for step in (Step.ISSUED, Step.CLAIMED):
            steps[step] = steps.get(step, 0) + 1
    claims = await _claimers(mongo, merchant_id, event_claims) + [
        (d["template_id"], d["claimed_by"], d["claimed_at"]) for d in page
    ]
    revenue = await _revenue(mongo, merchant_id, claims)
    return [
        TemplateTotals(
            template_id=template_id,
            issued=steps.get(Step.ISSUED, 0),
            forwarded=steps.get(Step.FORWARDED, 0),
            claimed=steps.get(Step.CLAIMED, 0),
            redeemed=steps.get(Step.REDEEMED, 0),
            revenue_fen=revenue.get(template_id, 0),
        )
        for template_id, steps in counts.items()
    ]
