"""What a member sees of their own shareholding (我的分红): the appointment and program, commission totals by
state, their network's revenue by business day or month, recent accruals and each friend's contribution
(friends' names masked). Each figure is one or two queries, whatever the size of the network.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.commission import Commission, CommissionStatus, commission_from_doc
from domain.commissions.ledger import Totals, account_totals
from domain.commissions.programs import MEMBER_LEVELS, Appointment, Program, appointment_of, program_from_doc
from domain.pagination import clamp
from domain.referrals.views import mask_name


@dataclass(frozen=True)
class ShareholderStatus:
    appointment: Appointment | None
    program: Program | None

    @property
    def active(self) -> bool:
        return self.appointment is not None and self.appointment.active


class Granularity(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"


@dataclass(frozen=True)
class RevenuePeriod:
    """`period` is a store-local business day (2026-05-01) or month (2026-05); revenue is net of refunds."""

    period: str
    level1_fen: int
    level2_fen: int
    orders: int


@dataclass(frozen=True)
class FriendCommission:
    commission: Commission
    friend_name: str


@dataclass(frozen=True)
class FriendContribution:
    friend_id: ObjectId
    friend_name: str
    level: int
    commission_fen: int
    orders: int


async def shareholder_status(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> ShareholderStatus:
    appointment = await appointment_of(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
    if appointment is None:
        return ShareholderStatus(None, None)
    doc = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one({"_id": appointment.program_id, "merchant_id": merchant_id})
    return ShareholderStatus(appointment, program_from_doc(doc) if doc else None)


async def commission_totals(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> Totals:
    return await account_totals(mongo=mongo, merchant_id=merchant_id, beneficiary_id=member_id)


async def network_revenue(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    granularity: Granularity,
    since: date | None,
    until: date | None,
) -> list[RevenuePeriod]:
    """Revenue of the member's level-1 and level-2 friends over [since, until] (days, inclusive)."""
    match: Doc = {"upline": member_id, "merchant_id": merchant_id}
    if since is not None or until is not None:
        match["day"] = {k: v.isoformat() for k, v in (("$gte", since), ("$lte", until)) if v is not None}
    pipeline: list[Doc] = [
        {"$match": match},
        {"$project": {"day": 1, "fen": "$net_revenue_fen", "level": {"$indexOfArray": ["$upline", member_id]}}},
        {"$group": {"_id": {"day": "$day", "level": "$level"}, "fen": {"$sum": "$fen"}, "orders": {"$sum": 1}}},
    ]
    width = 10 if granularity is Granularity.DAY else 7
    periods: dict[str, list[int]] = {}
    async for row in await mongo.db[c.COMMISSION_ORDERS].aggregate(pipeline):
        sums = periods.setdefault(row["_id"]["day"][:width], [0, 0, 0])
        sums[int(row["_id"]["level"])] += int(row["fen"])
        sums[2] += int(row["orders"])
    return [RevenuePeriod(p, s[0], s[1], s[2]) for p, s in sorted(periods.items())]


async def _masked_names(mongo: Mongo, merchant_id: ObjectId, ids: list[ObjectId]) -> dict[ObjectId, str]:
    docs = await mongo.db[c.MEMBERS].find({"merchant_id": merchant_id, "_id": {"$in": ids}}, {"nickname": 1}).to_list()
    return {d["_id"]: mask_name(d.get("nickname")) for d in docs}


async def recent_commissions(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, first: int | None
) -> list[FriendCommission]:
    """Newest first, each with the masked name of the friend whose order earned it."""
    docs = (
        await mongo.db[c.COMMISSIONS]
        .find({"merchant_id": merchant_id, "beneficiary_id": member_id})
        .sort("_id", -1)
        .limit(clamp(first))
        .to_list()
    )
    commissions = [commission_from_doc(d) for d in docs]
    names = await _masked_names(mongo, merchant_id, list({x.payer_id for x in commissions}))
    return [FriendCommission(x, names.get(x.payer_id, mask_name(None))) for x in commissions]


async def friend_contributions(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, first: int | None
) -> list[FriendContribution]:
    """The friends whose orders earned the member most (net of refunds), most first."""
    pipeline: list[Doc] = [
        {
            "$match": {
                "merchant_id": merchant_id,
                "beneficiary_id": member_id,
                "level": {"$in": list(MEMBER_LEVELS)},
                "status": {"$ne": CommissionStatus.REJECTED.value},
            }
        },
        {
            "$group": {
                "_id": "$payer_id",
                "fen": {"$sum": {"$subtract": ["$amount_fen", "$reversed_fen"]}},
                "orders": {"$sum": 1},
                "level": {"$min": "$level"},
            }
        },
        {"$sort": {"fen": -1, "_id": 1}},
        {"$limit": clamp(first)},
    ]
    rows = await (await mongo.db[c.COMMISSIONS].aggregate(pipeline)).to_list()
    names = await _masked_names(mongo, merchant_id, [r["_id"] for r in rows])
    return [
        FriendContribution(r["_id"], names.get(r["_id"], mask_name(None)), int(r["level"]), int(r["fen"]), r["orders"])
        for r in rows
    ]
