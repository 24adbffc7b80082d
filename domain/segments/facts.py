"""Member facts: one `member_facts` document per member holding what segments filter on (level, tags, paid days,
lifetime paid, birthday month, how they came, home store, balances), recomputed whole from the member's own source
documents whenever an event about them arrives, so a redelivered or reordered event writes the same document.

Days are local to the store an order was paid at and kept as proleptic ordinals (`date.toordinal()`), so "days
since" is a subtraction. A visit is a paid day of a consumption order not wholly refunded; lifetime paid is what
every settled order except top-ups kept after refunds. The home store is the store of the first visit.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.booking.wallclock import local_date
from domain.orders.model import SETTLED, OrderKind
from domain.reports.report import member_source
from domain.reports.rollups import zone_of

# The latest distinct visit days kept per member: "at least K visits in the last N days" reads the K-th of them.
MAX_PAID_DAYS = 60
BATCH = 500
_SETTLED = [s.value for s in SETTLED]
_ORDER_FIELDS = {"member_id": 1, "store_id": 1, "kind": 1, "price.due_fen": 1, "refunded_fen": 1, "paid_at": 1}


@dataclass(frozen=True)
class Sources:
    """A member's documents the facts are made from."""

    member: Doc
    card: Doc | None
    count_cards: Sequence[Doc]
    orders: Sequence[Doc]


def day_number(day: date) -> int:
    return day.toordinal()


def compute(sources: Sources, zones: Mapping[ObjectId, ZoneInfo], now: datetime) -> Doc:
    """The derived fields of one member's facts (tags copied from the member; the RFM bucket is the nightly job's)."""
    member, card = sources.member, sources.card
    lifetime = 0
    visits: dict[int, tuple[datetime, ObjectId]] = {}
    for order in sources.orders:
        kept = int(order["price"]["due_fen"]) - int(order.get("refunded_fen", 0))
        if order["kind"] == OrderKind.TOP_UP.value or order.get("paid_at") is None:
            continue
        lifetime += kept
        if order["kind"] == OrderKind.CONSUMPTION.value and kept > 0:
            paid_at = order["paid_at"]
            day = day_number(local_date(paid_at, zones.get(order["store_id"], zone_of(None))))
            visits[day] = min(visits.get(day, (paid_at, order["store_id"])), (paid_at, order["store_id"]))
    days = sorted(visits, reverse=True)
    first = min(visits.values(), default=None)
    birthday = (card or {}).get("birthday")
    level = (card or {}).get("level_id")
    return {
        "level": str(level) if level is not None else None,
        "tags": sorted(member.get("tags") or []),
        "first_paid_day": days[-1] if days else None,
        "last_paid_day": days[0] if days else None,
        "paid_days": days[:MAX_PAID_DAYS],
        "visits": len(days),
        "lifetime_paid_fen": lifetime,
        "birthday_month": date.fromisoformat(birthday).month if birthday else None,
        "source": member_source(member.get("bound_source")).value,
        "brought_by": member.get("referrer_id") or member.get("acquired_by_staff_id"),
        "home_store_id": first[1] if first else None,
        "stored_value_fen": int((card or {}).get("stored_paid", 0)) + int((card or {}).get("stored_bonus", 0)),
        "count_uses": sum(int(cc.get("remaining", 0)) for cc in sources.count_cards if cc["expires_at"] > now),
    }


async def store_zones(*, mongo: Mongo, merchant_id: ObjectId) -> dict[ObjectId, ZoneInfo]:
    stores = await mongo.db[c.STORES].find({"merchant_id": merchant_id}, {"timezone": 1}).to_list()
    return {s["_id"]: zone_of(s) for s in stores}


def _orders_query(merchant_id: ObjectId, member_ids: list[ObjectId]) -> Doc:
    return {"merchant_id": merchant_id, "member_id": {"$in": member_ids}, "status": {"$in": _SETTLED}}


def _by_member(docs: Iterable[Doc]) -> dict[ObjectId, list[Doc]]:
    found: dict[ObjectId, list[Doc]] = {}
    for doc in docs:
        found.setdefault(doc["member_id"], []).append(doc)
    return found


async def _sources(
    mongo: Mongo, merchant_id: ObjectId, members: list[Doc], session: AsyncClientSession | None = None
) -> list[Sources]:
    ids = [m["_id"] for m in members]
    scope = {"merchant_id": merchant_id, "member_id": {"$in": ids}}
    cards = {d["member_id"]: d for d in await mongo.db[c.CARDS].find(scope, session=session).to_list()}
    counts = _by_member(await mongo.db[c.COUNT_CARDS].find(scope, session=session).to_list())
    orders = _by_member(
        await mongo.db[c.ORDERS].find(_orders_query(merchant_id, ids), _ORDER_FIELDS, session=session).to_list()
    )
    return [Sources(m, cards.get(m["_id"]), counts.get(m["_id"], []), orders.get(m["_id"], [])) for m in members]


def _key(merchant_id: ObjectId, member_id: ObjectId) -> Doc:
    return {"merchant_id": merchant_id, "member_id": member_id}


async def write_in(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    members: list[Doc],
    zones: Mapping[ObjectId, ZoneInfo],
    now: datetime,
) -> None:
    """The facts of `members` (their documents as of `session`) written in that transaction."""
    for sources in await _sources(mongo, merchant_id, members, session):
        fields = compute(sources, zones, now)
        key = _key(merchant_id, sources.member["_id"])
        await mongo.db[c.MEMBER_FACTS].update_one(key, {"$set": fields}, upsert=True, session=session)


async def refresh(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime) -> None:
    """The member's facts recomputed from their documents now. In one transaction that ends by writing the facts
    document, so of two refreshes racing, the one reading older documents meets a write conflict and runs again."""
    zones = await store_zones(mongo=mongo, merchant_id=merchant_id)

    async def work(s: AsyncClientSession) -> None:
        member = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id}, session=s)
        if member is None or member.get("closed_at") is not None:
            # A closed account (注销) is in no segment, whatever later events still mention it.
            await mongo.db[c.MEMBER_FACTS].delete_one(_key(merchant_id, member_id), session=s)
        else:
            await write_in(mongo=mongo, session=s, merchant_id=merchant_id, members=[member], zones=zones, now=now)

    await transaction(mongo, work)


async def rebuild(*, mongo: Mongo, merchant_id: ObjectId, now: datetime) -> int:
    """Every member's facts recomputed from the source collections, a page of members at a time, each page one bulk
    write; the RFM buckets stay as the nightly job set them. How many members it wrote."""
    zones = await store_zones(mongo=mongo, merchant_id=merchant_id)
    done, after = 0, None
    while True:
        query: Doc = {"merchant_id": merchant_id, "closed_at": None}
        if after is not None:
            query["_id"] = {"$gt": after}
        members = await mongo.db[c.MEMBERS].find(query).sort("_id", 1).limit(BATCH).to_list()
        if not members:
            return done
        writes = [
            UpdateOne(_key(merchant_id, s.member["_id"]), {"$set": compute(s, zones, now)}, upsert=True)
            for s in await _sources(mongo, merchant_id, members)
        ]
        await mongo.db[c.MEMBER_FACTS].bulk_write(writes, ordered=False)
        done += len(members)
        after = members[-1]["_id"]
