"""The figures other capabilities read from the reports (the alerts among them): a store's takings per
store-local day from the day rollups, and the stored value the merchant owes from the running totals. Each is a
fixed number of indexed commands, however many orders, cards or members the merchant has.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.reports.balances import stored_value
from domain.reports.rollups import day_key, live_generation, takings_of


@dataclass(frozen=True)
class DayTakings:
    """One store-local day: money paid for orders paid that day (every tender, stored value included; top-ups are
    not sales), refunds settled that day whenever their order was paid, and the orders paid that day."""

    gross_fen: int
    refunds_fen: int
    net_fen: int
    orders: int


NO_TAKINGS = DayTakings(0, 0, 0, 0)


async def day_docs(
    *, mongo: Mongo, merchant_id: ObjectId, store_ids: Sequence[ObjectId], first: date, last: date
) -> list[Doc]:
    """The day rollups of `store_ids` from `first` to `last` (store-local, inclusive), in the live generation."""
    generation = await live_generation(mongo=mongo, merchant_id=merchant_id)
    query = {
        "merchant_id": merchant_id,
        "gen": generation,
        "store_id": {"$in": list(store_ids)},
        "day": {"$gte": day_key(first), "$lte": day_key(last)},
    }
    return await mongo.db[c.REPORT_DAYS].find(query).to_list()


async def store_day_takings(
    *, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, days: Sequence[date]
) -> dict[date, DayTakings]:
    """Each of `days` at the store (store-local dates), zero for a day with nothing."""
    if not days:
        return {}
    docs = await day_docs(mongo=mongo, merchant_id=merchant_id, store_ids=[store_id], first=min(days), last=max(days))
    by_day = {doc["day"]: doc for doc in docs}
    found: dict[date, DayTakings] = {}
    for day in days:
        doc = by_day.get(day_key(day))
        if doc is None:
            found[day] = NO_TAKINGS
            continue
        gross, refunds, orders = takings_of(doc)
        found[day] = DayTakings(gross, refunds, gross - refunds, orders)
    return found


@dataclass(frozen=True)
class StoredValueOwed:
    paid_fen: int
    bonus_fen: int


async def stored_value_owed(*, mongo: Mongo, merchant_id: ObjectId) -> StoredValueOwed:
    """Stored value on the merchant's cards now: the part members paid for and the bonus part, from the running
    totals the ledger's BALANCE_CHANGED events keep (domain.reports.balances), never a sum over cards or orders."""
    paid, bonus = await stored_value(mongo=mongo, merchant_id=merchant_id)
    return StoredValueOwed(paid, bonus)


async def stored_value_owed_fen(*, mongo: Mongo, merchant_id: ObjectId) -> int:
    """Stored value the merchant owes its members now (paid and bonus parts together), in fen."""
    owed = await stored_value_owed(mongo=mongo, merchant_id=merchant_id)
    return owed.paid_fen + owed.bonus_fen
