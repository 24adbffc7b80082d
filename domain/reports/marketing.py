"""The marketing report (营销报表) an OWNER or MANAGER reads for a store-local date range: each coupon template's
funnel totals (domain.coupon_funnel), commissions accrued and paid per shareholder program, and the revenue each
shareholder's network brought with the shareholder's commission on it. A fixed number of commands, each bounded by
the range's events, coupons, commissions and network orders, or by the merchant's templates and roster.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.wallclock import day_span
from domain.commissions.commission import BeneficiaryKind, CommissionStatus
from domain.commissions.programs import Program, Shareholder, appointment_from_doc, merchant_programs
from domain.coupon_funnel import template_totals
from domain.coupons.templates import Template, template_from_doc
from domain.members import display_name
from domain.reports.report import check_range, covered_stores, require_reader
from domain.reports.rollups import zone_of
from domain.tenancy import Staff

_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}
_PAID = [CommissionStatus.PAID.value, CommissionStatus.PAID_OFFLINE.value]


@dataclass(frozen=True)
class TemplateFigures:
    template: Template
    issued: int
    forwarded: int
    claimed: int
    redeemed: int
    revenue_fen: int


@dataclass(frozen=True)
class ProgramFigures:
    program: Program
    accrued_fen: int
    paid_fen: int


@dataclass(frozen=True)
class ShareholderRevenue:
    shareholder: Shareholder
    network_revenue_fen: int
    commission_fen: int


@dataclass(frozen=True)
class MarketingReport:
    first: date
    last: date
    # Issued descending; only templates with a step in the range.
    coupons: tuple[TemplateFigures, ...]
    programs: tuple[ProgramFigures, ...]
    # Every shareholder, network revenue descending; the schema gives the first few.
    shareholders: tuple[ShareholderRevenue, ...]


def _in_scope(actor: Staff) -> Doc:
    """Commissions and network orders at the actor's stores; nothing to add for an all-stores actor."""
    return {} if actor.all_stores else {"store_id": {"$in": list(actor.store_ids)}}


async def _templates(mongo: Mongo, actor: Staff) -> list[Template]:
    """The merchant's templates; a store-scoped manager's are those valid at one of their stores."""
    query: Doc = {"merchant_id": actor.merchant_id}
    if not actor.all_stores:
        query["$or"] = [{"all_stores": True}, {"store_ids": {"$in": list(actor.store_ids)}}]
    return [template_from_doc(d) for d in await mongo.db[c.COUPON_TEMPLATES].find(query).sort("_id", 1).to_list()]


def _programs_in_scope(actor: Staff, programs: dict[ObjectId, Program]) -> list[Program]:
    return [
        p
        for p in programs.values()
        if actor.all_stores or p.settings.all_stores or any(actor.can_see_store(s) for s in p.settings.store_ids)
    ]


async def _grouped(mongo: Mongo, collection: str, pipeline: list[Doc]) -> list[Doc]:
    return await (await mongo.db[collection].aggregate(pipeline)).to_list()


async def _commissions(
    mongo: Mongo, actor: Staff, span: Doc
) -> tuple[dict[ObjectId, int], dict[ObjectId, int], dict[ObjectId, int]]:
    """Accrued per program and per member beneficiary (orders paid in the range, net of reversals, rejected ones
    left out, as the shareholder ranking counts them), and paid out per program in the range: two aggregations."""
    accrued_rows = await _grouped(
        mongo,
        c.COMMISSIONS,
        [
            {
                "$match": {
                    "merchant_id": actor.merchant_id,
                    "paid_at": span,
                    "status": {"$ne": CommissionStatus.REJECTED.value},
                    **_in_scope(actor),
                }
            },
            {
                "$group": {
                    "_id": {
                        "program": "$program_id",
                        "member": {
                            "$cond": [
                                {"$eq": ["$beneficiary_kind", BeneficiaryKind.MEMBER.value]},
                                "$beneficiary_id",
                                None,
                            ]
                        },
                    },
                    "fen": {"$sum": _NET},
                }
            },
        ],
    )
    paid_rows = await _grouped(
        mongo,
        c.COMMISSIONS,
        [
            {
                "$match": {
                    "merchant_id": actor.merchant_id,
                    "paid_out_at": span,
                    "status": {"$in": _PAID},
                    **_in_scope(actor),
                }
            },
            {"$group": {"_id": "$program_id", "fen": {"$sum": _NET}}},
        ],
    )
    accrued: dict[ObjectId, int] = {}
    earned: dict[ObjectId, int] = {}
    for row in accrued_rows:
        program, member = row["_id"]["program"], row["_id"].get("member")
        accrued[program] = accrued.get(program, 0) + int(row["fen"])
        if member is not None:
            earned[member] = earned.get(member, 0) + int(row["fen"])
    return accrued, earned, {row["_id"]: int(row["fen"]) for row in paid_rows}


async def _network_revenue(
    mongo: Mongo, actor: Staff, member_ids: list[ObjectId], first: date, last: date
) -> dict[ObjectId, int]:
    """What each member's level-1 and level-2 friends paid for consumption on the range's business days, net of
    refunds: one aggregation over the range's network orders on the (upline, day) index."""
    if not member_ids:
        return {}
    match: Doc = {
        "upline": {"$in": member_ids},
        "merchant_id": actor.merchant_id,
        "day": {"$gte": first.isoformat(), "$lte": last.isoformat()},
        **_in_scope(actor),
    }
    rows = await _grouped(
        mongo,
        c.COMMISSION_ORDERS,
        [
            {"$match": match},
            {"$unwind": "$upline"},
            {"$match": {"upline": {"$in": member_ids}}},
            {"$group": {"_id": "$upline", "fen": {"$sum": "$net_revenue_fen"}}},
        ],
    )
    return {row["_id"]: int(row["fen"]) for row in rows}


async def _shareholders(mongo: Mongo, actor: Staff, program_ids: set[ObjectId]) -> list[Shareholder]:
    docs = await mongo.db[c.SHAREHOLDERS].find({"merchant_id": actor.merchant_id}).sort("_id", 1).to_list()
    docs = [d for d in docs if d["program_id"] in program_ids]
    ids = [d["member_id"] for d in docs]
    members = (
        await mongo.db[c.MEMBERS]
        .find({"merchant_id": actor.merchant_id, "_id": {"$in": ids}}, {"nickname": 1})
        .to_list()
    )
    names = {m["_id"]: m.get("nickname") for m in members}
    return [Shareholder(appointment_from_doc(d), display_name(names.get(d["member_id"]))) for d in docs]


async def marketing_report(*, mongo: Mongo, actor: Staff, first: date, last: date) -> MarketingReport:
    """OWNER or MANAGER (else PermissionDenied); [first, last] inclusive in the zone of the first store in the actor's
    scope (as the report), at most 366 days. A store-scoped manager sees the templates valid at their stores, the
    programs covering one of them, and commissions and network revenue of orders at their stores."""
    require_reader(actor)
    check_range(first, last)
    stores = await covered_stores(mongo=mongo, actor=actor, store_id=None)
    zone = ZoneInfo(stores[0].timezone) if stores else zone_of(None)
    span: Doc = {"$gte": day_span(first, zone).start, "$lt": day_span(last, zone).end}
    templates = {t.id: t for t in await _templates(mongo, actor)}
    totals = await template_totals(
        mongo=mongo, merchant_id=actor.merchant_id, template_ids=list(templates), since=span["$gte"], until=span["$lt"]
    )
    coupons = sorted(
        (
            TemplateFigures(templates[t.template_id], t.issued, t.forwarded, t.claimed, t.redeemed, t.revenue_fen)
            for t in totals
        ),
        key=lambda f: (-f.issued, -f.redeemed, str(f.template.id)),
    )
    programs = _programs_in_scope(actor, await merchant_programs(mongo, actor.merchant_id))
    accrued, earned, paid = await _commissions(mongo, actor, span)
    shareholders = await _shareholders(mongo, actor, {p.id for p in programs})
    network = await _network_revenue(mongo, actor, [s.appointment.member_id for s in shareholders], first, last)
    revenue = [
        ShareholderRevenue(s, network.get(s.appointment.member_id, 0), earned.get(s.appointment.member_id, 0))
        for s in shareholders
    ]
    return MarketingReport(
        first=first,
        last=last,
        coupons=tuple(coupons),
        programs=tuple(
            sorted(
                (ProgramFigures(p, accrued.get(p.id, 0), paid.get(p.id, 0)) for p in programs),
                key=lambda f: (-f.accrued_fen, str(f.program.id)),
            )
        ),
        shareholders=tuple(
            sorted(
                revenue,
                key=lambda r: (-r.network_revenue_fen, -r.commission_fen, str(r.shareholder.appointment.member_id)),
            )
        ),
    )
