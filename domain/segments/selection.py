"""Who is in a segment, read from `member_facts` alone: the count, pages of member ids for senders, and the preview
(count and first page with what staff need to recognise each member). Each is a fixed number of commands whatever
the number of members: the filter is one indexed query, and the page's members and cards are read by their ids.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.wallclock import local_date
from domain.cards.program import load_program
from domain.members import display_name
from domain.reports.rollups import zone_of
from domain.segments.errors import SegmentCode, SegmentError
from domain.segments.facts import day_number
from domain.segments.filters import SegmentFilter, check, query

MAX_PREVIEW = 100
MAX_IDS_PAGE = 1000


@dataclass(frozen=True)
class SegmentMember:
    member_id: ObjectId
    name: str
    # Encrypted as the card keeps it: the schema masks it.
    phone_enc: str | None
    level_id: ObjectId | None
    level_name: str | None
    tags: tuple[str, ...]
    last_paid: date | None
    lifetime_paid_fen: int


@dataclass(frozen=True)
class SegmentPreview:
    count: int
    members: tuple[SegmentMember, ...]


async def checked_zone(*, mongo: Mongo, merchant_id: ObjectId, flt: SegmentFilter) -> ZoneInfo:
    """The merchant's time zone (its first store's), once the filter is checked and its home store found among
    the merchant's stores (one read of them does both)."""
    check(flt)
    stores = await mongo.db[c.STORES].find({"merchant_id": merchant_id}, {"timezone": 1}).sort("_id", 1).to_list()
    if flt.home_store_id is not None and flt.home_store_id not in {s["_id"] for s in stores}:
        raise SegmentError(SegmentCode.STORE_NOT_FOUND, "homeStoreId")
    return zone_of(stores[0] if stores else None)


async def _query(mongo: Mongo, merchant_id: ObjectId, flt: SegmentFilter, now: datetime) -> Doc:
    zone = await checked_zone(mongo=mongo, merchant_id=merchant_id, flt=flt)
    return query(merchant_id, flt, day_number(local_date(now, zone)))


async def count(*, mongo: Mongo, merchant_id: ObjectId, flt: SegmentFilter, now: datetime) -> int:
    return await mongo.db[c.MEMBER_FACTS].count_documents(await _query(mongo, merchant_id, flt, now))


async def member_ids(
    *, mongo: Mongo, merchant_id: ObjectId, flt: SegmentFilter, after: ObjectId | None, limit: int, now: datetime
) -> list[ObjectId]:
    """The members in the segment after `after`, ascending by id, at most `limit` (1..1000)."""
    found = await _query(mongo, merchant_id, flt, now)
    if after is not None:
        found["member_id"] = {"$gt": after}
    cursor = mongo.db[c.MEMBER_FACTS].find(found, {"member_id": 1, "_id": 0}).sort("member_id", 1)
    docs = await cursor.limit(max(1, min(limit, MAX_IDS_PAGE))).to_list()
    return [d["member_id"] for d in docs]


async def preview(
    *, mongo: Mongo, merchant_id: ObjectId, flt: SegmentFilter, first: int, now: datetime
) -> SegmentPreview:
    """The count and the first `first` (1..100) members by id."""
    found = await _query(mongo, merchant_id, flt, now)
    facts = mongo.db[c.MEMBER_FACTS]
    total = await facts.count_documents(found)
    limit = max(1, min(first, MAX_PREVIEW))
    page = await facts.find(found).sort("member_id", 1).limit(limit).to_list()
    ids = [f["member_id"] for f in page]
    scope = {"merchant_id": merchant_id}
    members = {m["_id"]: m for m in await mongo.db[c.MEMBERS].find({**scope, "_id": {"$in": ids}}).to_list()}
    cards = {
        d["member_id"]: d
        for d in await mongo.db[c.CARDS]
        .find({**scope, "member_id": {"$in": ids}}, {"phone_enc": 1, "member_id": 1})
        .to_list()
    }
    levels = {level.id: level.name for level in (await load_program(mongo=mongo, merchant_id=merchant_id)).levels}
    rows = []
    for fact in page:
        level_id = ObjectId(fact["level"]) if fact.get("level") else None
        last = fact.get("last_paid_day")
        rows.append(
            SegmentMember(
                member_id=fact["member_id"],
                name=display_name((members.get(fact["member_id"]) or {}).get("nickname")),
                phone_enc=(cards.get(fact["member_id"]) or {}).get("phone_enc"),
                level_id=level_id,
                level_name=levels.get(level_id) if level_id else None,
                tags=tuple(fact.get("tags") or ()),
                last_paid=date.fromordinal(last) if last else None,
                lifetime_paid_fen=int(fact.get("lifetime_paid_fen", 0)),
            )
        )
    return SegmentPreview(total, tuple(rows))
