"""Owner reports: the shareholder ranking (commission earned, net of refunds, per shareholder over a period)
and the staff attribution report (members each staff member brought in, what those members paid, and the
staff commission on it). Merchant-wide money figures, so only the owner or an all-stores manager sees them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.commission import BeneficiaryKind, CommissionStatus
from domain.commissions.errors import CommissionCode, CommissionError
from domain.commissions.programs import STAFF_LEVEL, require_merchant_wide
from domain.members import display_name
from domain.pagination import clamp
from domain.tenancy import Staff

_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}


@dataclass(frozen=True)
class RankRow:
    rank: int
    member_id: ObjectId
    nickname: str
    earned_fen: int
    level1_fen: int
    level2_fen: int
    commissions: int


@dataclass(frozen=True)
class StaffAttribution:
    staff_id: ObjectId
    name: str
    members_acquired: int
    orders: int
    revenue_fen: int
    commission_fen: int


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _range(field: str, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    since, until = _aware(since), _aware(until)
    if since is not None and until is not None and since >= until:
        raise CommissionError(CommissionCode.REPORT_RANGE_INVALID, "to")
    bounds = {k: v for k, v in (("$gte", since), ("$lt", until)) if v is not None}
    return {field: bounds} if bounds else {}


async def shareholder_ranking(
    *,
    mongo: Mongo,
    actor: Staff,
    program_id: ObjectId | None,
    since: datetime | None,
    until: datetime | None,
    first: int | None,
) -> list[RankRow]:
    """By orders paid in [since, until); two queries."""
    require_merchant_wide(actor)
    match: Doc = {
        "merchant_id": actor.merchant_id,
        "beneficiary_kind": BeneficiaryKind.MEMBER.value,
        "status": {"$ne": CommissionStatus.REJECTED.value},
        **_range("paid_at", since, until),
    }
    if program_id is not None:
        program = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one({"_id": program_id, "merchant_id": actor.merchant_id})
        if program is None:
            raise CommissionError(CommissionCode.PROGRAM_NOT_FOUND, "programId")
        match["program_id"] = program_id
    pipeline: list[Doc] = [
        {"$match": match},
        {
            "$group": {
                "_id": "$beneficiary_id",
                "earned": {"$sum": _NET},
                "level1": {"$sum": {"$cond": [{"$eq": ["$level", 1]}, _NET, 0]}},
                "level2": {"$sum": {"$cond": [{"$eq": ["$level", 2]}, _NET, 0]}},
                "n": {"$sum": 1},
            }
        },
        {"$sort": {"earned": -1, "_id": 1}},
        {"$limit": clamp(first)},
    ]
    rows = await (await mongo.db[c.COMMISSIONS].aggregate(pipeline)).to_list()
    ids = [r["_id"] for r in rows]
    members = await mongo.db[c.MEMBERS].find({"merchant_id": actor.merchant_id, "_id": {"$in": ids}}).to_list()
    names = {m["_id"]: m.get("nickname") for m in members}
    return [
        RankRow(i + 1, r["_id"], display_name(names.get(r["_id"])), r["earned"], r["level1"], r["level2"], r["n"])
        for i, r in enumerate(rows)
    ]


async def _grouped(mongo: Mongo, collection: str, match: Doc, key: str, sums: Doc) -> dict[ObjectId, Doc]:
    pipeline: list[Doc] = [{"$match": match}, {"$group": {"_id": f"${key}", **sums}}]
    return {r["_id"]: r async for r in await mongo.db[collection].aggregate(pipeline)}


async def staff_attribution(
    *, mongo: Mongo, actor: Staff, since: datetime | None, until: datetime | None
) -> list[StaffAttribution]:
    """Every staff member of the merchant, most revenue first: members bound to them in [since, until), and
    orders paid in it by all members they ever brought in. Four queries."""
    require_merchant_wide(actor)
    merchant = {"merchant_id": actor.merchant_id}
    acquired = await _grouped(
        mongo,
        c.MEMBERS,
        {**merchant, "acquired_by_staff_id": {"$ne": None}, **_range("bound_at", since, until)},
        "acquired_by_staff_id",
        {"n": {"$sum": 1}},
    )
    paid_range = _range("paid_at", since, until)
    revenue = await _grouped(
        mongo,
        c.COMMISSION_ORDERS,
        {**merchant, "staff_id": {"$ne": None}, **paid_range},
        "staff_id",
        {"fen": {"$sum": "$net_revenue_fen"}, "n": {"$sum": 1}},
    )
    earned = await _grouped(
        mongo,
        c.COMMISSIONS,
        {
            **merchant,
            "level": STAFF_LEVEL,
            "status": {"$ne": CommissionStatus.REJECTED.value},
            **paid_range,
        },
        "beneficiary_id",
        {"fen": {"$sum": _NET}},
    )
    staff = await mongo.db[c.STAFF].find(merchant, {"name": 1}).sort("_id", 1).to_list()
    rows = [
        StaffAttribution(
            staff_id=s["_id"],
            name=s["name"],
            members_acquired=acquired.get(s["_id"], {}).get("n", 0),
            orders=revenue.get(s["_id"], {}).get("n", 0),
            revenue_fen=revenue.get(s["_id"], {}).get("fen", 0),
            commission_fen=earned.get(s["_id"], {}).get("fen", 0),
        )
        for s in staff
    ]
    rows.sort(key=lambda r: (-r.revenue_fen, -r.members_acquired))
    return rows
