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

from db import collections as c
from db.mongo import Doc, Mongo

# The merchant-wide scope's store_id on the day and member documents: a member paying at two stores is one
# paying member of the merchant.
ALL = None
MARKERS = ("d1", "d2", "f1", "f2", "l1", "l2")


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
        by_month: dict[str, Counter[str]] = {}
        for day in days:
            by_month.setdefault(_month(day), Counter())[f"{day.day:02d}"] += 1
        for month, added in by_month.items():
            after = await mongo.db[c.REPORT_MEMBER_MONTHS].find_one_and_update(
                {**base, "month": month},
                {"$inc": {f"d.{dd}": n for dd, n in added.items()}},
                projection={"d": 1},
                upsert=True,
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            now = {f"{month}-{dd}": int(n) for dd, n in (after or {}).get("d", {}).items()}
            was = {key: n - added.get(key[-2:], 0) for key, n in now.items()}
            for key in (f"{month}-{dd}" for dd in added):
                deltas[(key, "d1")] += int(was[key] < 1)
                deltas[(key, "d2")] += int(was[key] < 2 <= now[key])
            _moved(deltas, ("f1", "f2"), _positions(was, False), _positions(now, False))
        latest = await mongo.db[c.REPORT_MEMBER_LAST].find_one(base, {"last": 1}, session=session)
        old = list((latest or {}).get("last", []))
        new = _positions(Counter(old) + Counter(d.isoformat() for d in days), True)
        if new != old:
            await mongo.db[c.REPORT_MEMBER_LAST].update_one(base, {"$set": {"last": new}}, upsert=True, session=session)
            _moved(deltas, ("l1", "l2"), old, new)
        by_day: dict[str, dict[str, int]] = {}
        for (key, name), n in deltas.items():
            if n:
                by_day.setdefault(key, {})[f"v.{name}"] = n
        day_filter = {"merchant_id": merchant_id, "gen": generation, "store_id": scope}
        for key, inc in sorted(by_day.items()):
            await mongo.db[c.REPORT_DAYS].update_one(
                {**day_filter, "day": key}, {"$inc": inc}, upsert=True, session=session
            )


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
