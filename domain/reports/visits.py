"""Paying and repeat members (members with one, and with two or more, paid orders in a range) kept as markers on
the day rollups, so a report reads them from the day documents it reads anyway, whatever the number of orders.
Each member's paid-order days are kept per scope (a store, and the merchant-wide scope `ALL`), and three pairs
of markers follow them: per day (`d1`, `d2`), per first and second paid day of the month (`f1`, `f2`), and per
latest and second-latest paid day ever (`l1`, `l2`). Each marker depends only on the set of days, never on the
order events arrive in, so a redelivery-safe `$inc` and the rebuild reach the same figures.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError

from db import collections as c
from db.mongo import Doc, Mongo

# The merchant-wide scope's store_id on the day and member documents: a member paying at two stores is one
# paying member of the merchant.
ALL = None
MARKERS = ("d1", "d2", "f1", "f2", "l1", "l2")
_DUPLICATE = 11000


@dataclass(frozen=True)
class Paying:
    members: int
    repeat: int


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _positions(days: Mapping[str, int], newest_first: bool) -> list[str]:
    """The first two paid days (or the last two) with repeats: two orders on one day put it in both places."""
    ordered: list[str] = []
    for day in sorted((d for d, n in days.items() if n > 0), reverse=newest_first):
        ordered.extend([day] * min(days[day], 2 - len(ordered)))
        if len(ordered) == 2:
            break
    return ordered


def _moved(deltas: Counter[tuple[str, str]], names: tuple[str, str], old: list[str], new: list[str]) -> None:
    for name, was, now in zip(names, old + [""] * 2, new + [""] * 2, strict=False):
        if was != now:
            if was:
                deltas[(was, name)] -= 1
            if now:
                deltas[(now, name)] += 1


def _month_moves(deltas: Counter[tuple[str, str]], was: Mapping[str, int], now: Mapping[str, int]) -> None:
    """The markers one member month moves when its paid orders per day (full day keys) go from `was` to `now`."""
    for key, n in now.items():
        before = was.get(key, 0)
        deltas[(key, "d1")] += int(before < 1 <= n)
        deltas[(key, "d2")] += int(before < 2 <= n)
    _moved(deltas, ("f1", "f2"), _positions(was, False), _positions(now, False))


def _by_month(days: Iterable[date]) -> dict[str, Counter[str]]:
    by_month: dict[str, Counter[str]] = {}
    for day in days:
        by_month.setdefault(_month(day), Counter())[f"{day.day:02d}"] += 1
    return by_month


def _day_keys(month: str, d: Mapping[str, int]) -> dict[str, int]:
    return {f"{month}-{dd}": int(n) for dd, n in d.items()}


def _marker_incs(deltas: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    by_day: dict[str, dict[str, int]] = {}
    for (key, name), n in deltas.items():
        if n:
            by_day.setdefault(key, {})[f"v.{name}"] = n
    return by_day


async def count_visits(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    generation: int,
    store_id: ObjectId,
    member_id: ObjectId,
    days: Sequence[date],
) -> None:
    """Counts paid orders of `member_id` at `store_id` on `days` (store-local, one entry per order) in the member's
    documents and moves the markers their change moves, in the store's scope and the merchant's. The caller's
    transaction holds the order's applied marker, so each order is counted once."""
    for scope in (store_id, ALL):
        base = {"merchant_id": merchant_id, "gen": generation, "store_id": scope, "member_id": member_id}
        deltas: Counter[tuple[str, str]] = Counter()
        for month, added in _by_month(days).items():
            after = await mongo.db[c.REPORT_MEMBER_MONTHS].find_one_and_update(
                {**base, "month": month},
                {"$inc": {f"d.{dd}": n for dd, n in added.items()}},
                projection={"d": 1},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            now = _day_keys(month, (after or {}).get("d", {}))
            _month_moves(deltas, {key: n - added.get(key[-2:], 0) for key, n in now.items()}, now)
        latest = await mongo.db[c.REPORT_MEMBER_LAST].find_one(base, {"last": 1}, session=session)
        old = list((latest or {}).get("last", []))
        new = _positions(Counter(old) + Counter(d.isoformat() for d in days), True)
        if new != old:
            await mongo.db[c.REPORT_MEMBER_LAST].update_one(base, {"$set": {"last": new}}, upsert=True, session=session)
            _moved(deltas, ("l1", "l2"), old, new)
        day_filter = {"merchant_id": merchant_id, "gen": generation, "store_id": scope}
        for key, inc in sorted(_marker_incs(deltas).items()):
            await mongo.db[c.REPORT_DAYS].update_one(
                {**day_filter, "day": key}, {"$inc": inc}, upsert=True, session=session
            )


# A scope (a store, or ALL) and a member.
ScopeMember = tuple[ObjectId | None, ObjectId]


def _duplicates(error: BulkWriteError) -> set[int]:
    """The indexes of the inserts that met a document made first; any other failure is raised."""
    found = {err["index"] for err in error.details["writeErrors"] if err["code"] == _DUPLICATE}
    if len(found) != len(error.details["writeErrors"]):
        raise error
    return found


async def _insert_new(mongo: Mongo, collection: str, docs: list[Doc]) -> set[int]:
    """Inserts `docs`, returning the indexes of those a live event had made already."""
    if not docs:
        return set()
    try:
        await mongo.db[collection].insert_many(docs, ordered=False)
    except BulkWriteError as e:
        return _duplicates(e)
    return set()


async def _add_to_last(mongo: Mongo, base: Doc, days: Sequence[str]) -> tuple[list[str], list[str]]:
    """Adds `days` to a member's latest paid days a live event keeps too: a compare-and-set on the list, so the
    two never lose each other's day. (old, new)."""
    while True:
        latest = await mongo.db[c.REPORT_MEMBER_LAST].find_one(base, {"last": 1})
        old = list((latest or {}).get("last", []))
        new = _positions(Counter(old) + Counter(days), True)
        if new == old:
            return old, new
        done = await mongo.db[c.REPORT_MEMBER_LAST].update_one({**base, "last": old}, {"$set": {"last": new}})
        if done.matched_count == 1:
            return old, new


async def add_paid_days(
    *, mongo: Mongo, merchant_id: ObjectId, generation: int, paid: Mapping[ScopeMember, Sequence[date]]
) -> dict[tuple[ObjectId | None, str], dict[str, int]]:
    """The rebuild's count_visits for many members at once, outside a transaction: each member month and latest
    list is inserted whole, and only one a live event made first (it counts into the generation being built too)
    is added to in place, one atomic update each, so each side moves the markers its own change moves. Returns
    the markers' `$inc` per (scope, day key) for the caller to write with the day documents."""
    months: list[Doc] = []
    lasts: list[Doc] = []
    for (scope, member_id), days in paid.items():
        base = {"merchant_id": merchant_id, "gen": generation, "store_id": scope, "member_id": member_id}
        for month, added in _by_month(days).items():
            months.append({**base, "month": month, "d": dict(added)})
        lasts.append({**base, "last": _positions(Counter(d.isoformat() for d in days), True)})
    by_scope: dict[ObjectId | None, Counter[tuple[str, str]]] = {}
    made = await _insert_new(mongo, c.REPORT_MEMBER_MONTHS, months)
    for i, doc in enumerate(months):
        added = doc["d"]
        was: dict[str, int] = {}
        now = _day_keys(doc["month"], added)
        if i in made:
            keys = {k: doc[k] for k in ("merchant_id", "gen", "store_id", "member_id", "month")}
            after = await mongo.db[c.REPORT_MEMBER_MONTHS].find_one_and_update(
                keys,
                {"$inc": {f"d.{dd}": n for dd, n in added.items()}},
                projection={"d": 1},
                return_document=ReturnDocument.AFTER,
            )
            now = _day_keys(doc["month"], (after or {}).get("d", {}))
            was = {key: n - added.get(key[-2:], 0) for key, n in now.items()}
        _month_moves(by_scope.setdefault(doc["store_id"], Counter()), was, now)
    made = await _insert_new(mongo, c.REPORT_MEMBER_LAST, lasts)
    for i, doc in enumerate(lasts):
        old: list[str] = []
        new: list[str] = doc["last"]
        if i in made:
            base = {k: doc[k] for k in ("merchant_id", "gen", "store_id", "member_id")}
            scope_member: ScopeMember = (doc["store_id"], doc["member_id"])
            old, new = await _add_to_last(mongo, base, [d.isoformat() for d in paid[scope_member]])
        _moved(by_scope.setdefault(doc["store_id"], Counter()), ("l1", "l2"), old, new)
    return {(scope, key): inc for scope, deltas in by_scope.items() for key, inc in _marker_incs(deltas).items()}


def _sum(docs: Iterable[Doc], first: str, second: str) -> Paying:
    ones = twos = 0
    for doc in docs:
        markers = doc.get("v") or {}
        ones, twos = ones + int(markers.get(first, 0)), twos + int(markers.get(second, 0))
    return Paying(ones, twos)


def from_markers(docs: Sequence[Doc], first: date, last: date, today: date) -> Paying | None:
    """Paying and repeat members of one scope over [first, last] from its day documents in that range, exact for
    a range reaching today (the members whose latest paid days fall in it), one day, or a range from a month's
    first day within that month; None for any other range (the caller counts the member months)."""
    if last >= today:
        return _sum(docs, "l1", "l2")
    if first == last:
        return _sum(docs, "d1", "d2")
    if first.day == 1 and _month(first) == _month(last):
        return _sum(docs, "f1", "f2")
    return None


async def from_member_months(
    *, mongo: Mongo, merchant_id: ObjectId, generation: int, scopes: Sequence[ObjectId | None], first: date, last: date
) -> Paying:
    """Distinct members with paid orders in the range in any of `scopes`, from their month documents: exact for
    any range, its cost bounded by the members who paid in the range's months."""
    months = [f"{year:04d}-{month:02d}" for year, month in _months_between(first, last)]
    query = {
        "merchant_id": merchant_id,
        "gen": generation,
        "store_id": {"$in": list(scopes)},
        "month": {"$in": months},
    }
    orders: Counter[ObjectId] = Counter()
    async for doc in mongo.db[c.REPORT_MEMBER_MONTHS].find(query, {"member_id": 1, "month": 1, "d": 1}):
        for dd, n in (doc.get("d") or {}).items():
            if first.isoformat() <= f"{doc['month']}-{dd}" <= last.isoformat():
                orders[doc["member_id"]] += int(n)
    return Paying(len(orders), sum(1 for n in orders.values() if n >= 2))


def _months_between(first: date, last: date) -> Iterable[tuple[int, int]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
