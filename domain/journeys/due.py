"""Who a journey is due to on a day, read from the reports' member rollups (domain.reports.visits), which already
keep each member's paid days by month and their latest paid day, merchant-wide and indexed: a day's answer costs
the members who paid in that day's month, whatever the merchant's history.

Days are the stores' business days, as the rollups count them.
"""

from datetime import date

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.reports.rollups import live_generation
from domain.reports.visits import ALL


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


async def _paid_on(mongo: Mongo, merchant_id: ObjectId, generation: int, day: date) -> dict[ObjectId, list[str]]:
    """The members with a paid order on `day`, each with the days of that month they paid on ("DD")."""
    months = mongo.db[c.REPORT_MEMBER_MONTHS].find(
        {"merchant_id": merchant_id, "gen": generation, "store_id": ALL, "month": _month(day)},
        {"member_id": 1, "d": 1},
    )
    paid: dict[ObjectId, list[str]] = {}
    async for doc in months:
        days = sorted(dd for dd, n in (doc.get("d") or {}).items() if n > 0)
        if f"{day.day:02d}" in days:
            paid[doc["member_id"]] = days
    return paid


async def lapsed_since(*, mongo: Mongo, merchant_id: ObjectId, day: date) -> list[ObjectId]:
    """Members whose latest paid visit was on `day`: no paid visit since."""
    generation = await live_generation(mongo=mongo, merchant_id=merchant_id)
    paid = await _paid_on(mongo, merchant_id, generation, day)
    if not paid:
        return []
    lasts = mongo.db[c.REPORT_MEMBER_LAST].find(
        {"merchant_id": merchant_id, "gen": generation, "store_id": ALL, "member_id": {"$in": list(paid)}},
        {"member_id": 1, "last": 1},
    )
    return sorted([doc["member_id"] async for doc in lasts if doc["last"] and doc["last"][0] == day.isoformat()])


async def first_paid_on(*, mongo: Mongo, merchant_id: ObjectId, day: date) -> list[ObjectId]:
    """Members whose first paid visit was on `day`."""
    generation = await live_generation(mongo=mongo, merchant_id=merchant_id)
    paid = await _paid_on(mongo, merchant_id, generation, day)
    firsts = [member_id for member_id, days in paid.items() if days[0] == f"{day.day:02d}"]
    if not firsts:
        return []
    earlier = mongo.db[c.REPORT_MEMBER_MONTHS].find(
        {
            "merchant_id": merchant_id,
            "gen": generation,
            "store_id": ALL,
            "month": {"$lt": _month(day)},
            "member_id": {"$in": firsts},
        },
        {"member_id": 1},
    )
    came_before = {doc["member_id"] async for doc in earlier}
    return sorted(m for m in firsts if m not in came_before)
