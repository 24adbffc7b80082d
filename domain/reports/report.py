"""The takings and members report (经营报表) an OWNER or MANAGER reads for a store-local date range: totals, a
trend by day, week or month, by payment method, by staff member, by store, the items sold, and the members.
Read from the day and member-month rollups and a few documents bounded by members, never from the orders or the
members, so its cost grows with neither.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.access import find_store
from domain.booking.wallclock import local_date
from domain.cards.program import Level
from domain.errors import PermissionDenied
from domain.reports import joins, visits
from domain.reports.balances import level_counts
from domain.reports.errors import ReportCode, ReportError
from domain.reports.rollups import METHODS, OWN, day_key, live_generation, takings_of, zone_of
from domain.tenancy import Role, Staff, Store, staff_from_doc, store_from_doc

MAX_DAYS = 366
MAX_TOP_ITEMS = 100


class Period(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class MemberSource(StrEnum):
    SHARE_LINK = "SHARE_LINK"
    PACK = "PACK"
    FORWARD = "FORWARD"
    STAFF_CODE = "STAFF_CODE"
    NONE = "NONE"


# How a member was bound (domain.referrals.binding.BindingSource) -> how they came, as the report counts it.
_SOURCES = {
    "LOGIN_SHARE": MemberSource.SHARE_LINK,
    "MEMBER_QR": MemberSource.SHARE_LINK,
    "PACK_CLAIM": MemberSource.PACK,
    "FORWARD_ACCEPT": MemberSource.FORWARD,
    "STAFF_QR": MemberSource.STAFF_CODE,
}


def member_source(binding: str | None) -> MemberSource:
    """How a member bound through `binding` (a BindingSource value, None when never bound) came."""
    return _SOURCES.get(binding or "", MemberSource.NONE)


@dataclass(frozen=True)
class Takings:
    gross_fen: int = 0
    refunds_fen: int = 0
    orders: int = 0

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.refunds_fen

    @property
    def average_ticket_fen(self) -> int:
        return self.gross_fen // self.orders if self.orders else 0

    def __add__(self, other: "Takings") -> "Takings":
        return Takings(
            self.gross_fen + other.gross_fen, self.refunds_fen + other.refunds_fen, self.orders + other.orders
        )


@dataclass(frozen=True)
class TakingsPoint:
    start: date
    takings: Takings


@dataclass(frozen=True)
class MethodTakings:
    method: str
    takings: Takings


@dataclass(frozen=True)
class StaffTakings:
    # None: the members' own orders, from the mini-program.
    staff: Staff | None
    takings: Takings


@dataclass(frozen=True)
class StoreTakings:
    store: Store
    takings: Takings


@dataclass(frozen=True)
class ItemSales:
    item_id: ObjectId
    name: str
    quantity: int
    net_fen: int


@dataclass(frozen=True)
class MemberFigures:
    new_members: int
    by_source: tuple[tuple[MemberSource, int], ...]
    paying_members: int
    repeat_members: int
    levels: tuple[tuple[Level, int], ...]


@dataclass(frozen=True)
class GrowthPoint:
    start: date
    new_members: int


@dataclass(frozen=True)
class Report:
    first: date
    last: date
    period: Period
    stores: tuple[Store, ...]
    takings: Takings
    trend: tuple[TakingsPoint, ...]
    by_method: tuple[MethodTakings, ...]
    by_staff: tuple[StaffTakings, ...]
    by_store: tuple[StoreTakings, ...]
    # Every item sold in the range, ranked; the schema gives the first few.
    items: tuple[ItemSales, ...]
    members: MemberFigures
    member_growth: tuple[GrowthPoint, ...]


def require_reader(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


def check_range(first: date, last: date) -> None:
    if last < first or (last - first).days >= MAX_DAYS:
        raise ReportError(ReportCode.RANGE_INVALID, "to", max_days=MAX_DAYS)


async def covered_stores(*, mongo: Mongo, actor: Staff, store_id: ObjectId | None) -> list[Store]:
    """The store asked for, or every store in the actor's scope; a store not theirs is STORE_NOT_FOUND, the
    same answer as a store that does not exist."""
    if store_id is not None:
        store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
        if store is None or not actor.can_see_store(store.id):
            raise ReportError(ReportCode.STORE_NOT_FOUND, "storeId")
        return [store]
    docs = await mongo.db[c.STORES].find(actor.store_filter()).sort("_id", 1).to_list()
    return [store_from_doc(d) for d in docs]


def bucket_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def buckets(first: date, last: date, period: Period) -> list[date]:
    starts: list[date] = []
    day = first
    while day <= last:
        start = bucket_start(day, period)
        if not starts or starts[-1] != start:
            starts.append(start)
        day += timedelta(days=1)
    return starts


def _takings(sums: Doc | None, prefix: str = "") -> Takings:
    doc = sums or {}
    return Takings(int(doc.get(f"{prefix}g", 0)), int(doc.get(f"{prefix}r", 0)), int(doc.get(f"{prefix}o", 0)))


def _by_net(rows: Iterable[StaffTakings]) -> tuple[StaffTakings, ...]:
    return tuple(sorted(rows, key=lambda r: (-r.takings.net_fen, r.staff is None, str(r.staff.id if r.staff else ""))))


async def _staff(mongo: Mongo, merchant_id: ObjectId, keys: Iterable[str]) -> dict[str, Staff]:
    ids = [ObjectId(k) for k in keys if k != OWN and ObjectId.is_valid(k)]
    if not ids:
        return {}
    docs = await mongo.db[c.STAFF].find({"merchant_id": merchant_id, "_id": {"$in": ids}}).to_list()
    return {str(d["_id"]): staff_from_doc(d) for d in docs}


def _items(days: Sequence[Doc]) -> tuple[ItemSales, ...]:
    found: dict[str, ItemSales] = {}
    for doc in sorted(days, key=lambda d: d["day"]):
        for item_id, sums in (doc.get("i") or {}).items():
            seen = found.get(item_id, ItemSales(ObjectId(item_id), "", 0, 0))
            found[item_id] = ItemSales(
                seen.item_id,
                sums.get("name") or seen.name,
                seen.quantity + int(sums.get("q", 0)),
                seen.net_fen + int(sums.get("f", 0)),
            )
    return tuple(sorted(found.values(), key=lambda i: (-i.net_fen, -i.quantity, str(i.item_id))))


async def _paying(
    mongo: Mongo,
    actor: Staff,
    stores: Sequence[Store],
    store_id: ObjectId | None,
    generation: int,
    days: Sequence[Doc],
    first: date,
    last: date,
    now: datetime,
) -> visits.Paying:
    """Paying and repeat members of the one scope a report covers (a store, or every store: the merchant's), from
    the day markers when they answer the range; a manager of several stores, or a range they do not answer,
    counts the members' months instead."""
    if store_id is None and not actor.all_stores:
        scopes: list[ObjectId | None] = [s.id for s in stores]
    else:
        scope = None if store_id is None else store_id
        today = max((local_date(now, ZoneInfo(s.timezone)) for s in stores), default=local_date(now, zone_of(None)))
        found = visits.from_markers([d for d in days if d["store_id"] == scope], first, last, today)
        if found is not None:
            return found
        scopes = [scope]
    return await visits.from_member_months(
        mongo=mongo, merchant_id=actor.merchant_id, generation=generation, scopes=scopes, first=first, last=last
    )


def _joined(days: Sequence[Doc], period: Period) -> tuple[dict[MemberSource, int], dict[date, int]]:
    """New members in the range (merchant-wide: a member joins the merchant), by how they came and by bucket, from
    the merchant's day documents (domain.reports.joins)."""
    by_source = dict.fromkeys(MemberSource, 0)
    by_bucket: dict[date, int] = {}
    for doc in days:
        start = bucket_start(date.fromisoformat(doc["day"]), period)
        for source, n in joins.sources(doc).items():
            by_source[member_source(source)] += n
            by_bucket[start] = by_bucket.get(start, 0) + n
    return by_source, by_bucket


async def report(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId | None,
    first: date,
    last: date,
    period: Period,
    now: datetime | None = None,
) -> Report:
    """OWNER or MANAGER (else PermissionDenied); [first, last] store-local and inclusive, at most MAX_DAYS days."""
    require_reader(actor)
    check_range(first, last)
    stores = await covered_stores(mongo=mongo, actor=actor, store_id=store_id)
    merchant_id, store_ids = actor.merchant_id, [s.id for s in stores]
    generation = await live_generation(mongo=mongo, merchant_id=merchant_id)
    # Every store's days, and the merchant's: its new members, and its paying members when the report covers every
    # store.
    scopes: list[ObjectId | None] = [*store_ids, visits.ALL]
    days_query = {
        "merchant_id": merchant_id,
        "gen": generation,
        "store_id": {"$in": scopes},
        "day": {"$gte": day_key(first), "$lte": day_key(last)},
    }
    found = await mongo.db[c.REPORT_DAYS].find(days_query).to_list()
    days = [doc for doc in found if doc["store_id"] is not visits.ALL]
    merchant_days = [doc for doc in found if doc["store_id"] is visits.ALL]
    starts = buckets(first, last, period)
    trend = dict.fromkeys(starts, Takings())
    per_store = {s.id: Takings() for s in stores}
    methods = {m: Takings() for m in METHODS}
    staff_sums: dict[str, Takings] = {}
    for doc in days:
        gross, refunds, orders = takings_of(doc)
        day_takings = Takings(gross, refunds, orders)
        start = bucket_start(date.fromisoformat(doc["day"]), period)
        trend[start] += day_takings
        per_store[doc["store_id"]] += day_takings
        for method, sums in (doc.get("m") or {}).items():
            methods[method] += _takings(sums)
        for key, sums in (doc.get("s") or {}).items():
            staff_sums[key] = staff_sums.get(key, Takings()) + _takings(sums)
    staff = await _staff(mongo, merchant_id, staff_sums)
    by_staff = _by_net(
        StaffTakings(None if key == OWN else staff[key], sums)
        for key, sums in staff_sums.items()
        if key == OWN or key in staff
    )
    total = sum(per_store.values(), Takings())
    paying = await _paying(mongo, actor, stores, store_id, generation, found, first, last, now or datetime.now(UTC))
    by_source, joined = _joined(merchant_days, period)
    members = MemberFigures(
        new_members=sum(by_source.values()),
        by_source=tuple(by_source.items()),
        paying_members=paying.members,
        repeat_members=paying.repeat,
        levels=await level_counts(mongo=mongo, merchant_id=merchant_id, generation=generation),
    )
    return Report(
        first=first,
        last=last,
        period=period,
        stores=tuple(stores),
        takings=total,
        trend=tuple(TakingsPoint(start, trend[start]) for start in starts),
        by_method=tuple(MethodTakings(m, methods[m]) for m in METHODS),
        by_staff=by_staff,
        by_store=tuple(sorted((StoreTakings(s, per_store[s.id]) for s in stores), key=lambda r: -r.takings.net_fen)),
        items=_items(days),
        members=members,
        member_growth=tuple(GrowthPoint(start, joined.get(start, 0)) for start in starts),
    )
