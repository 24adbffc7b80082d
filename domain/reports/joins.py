"""New members by the day they joined and how they came, kept on the merchant-wide day documents (store_id null:
a member joins the merchant, not a store) as `j.<source>` counts: MEMBER_JOINED counts a member under NONE,
MEMBER_BOUND moves them to their binding's source. Each is counted once per generation under a marker by member
(not by outbox entry), so the rebuild, which counts every member from the members, meets the events on the same
markers. A merchant's day is its first store's.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.wallclock import local_date
from domain.events import MemberBound, MemberJoined
from domain.reports.rollups import apply_once, day_key, generations, zone_of
from domain.reports.visits import ALL

FIELD = "j"
# How a member came who has not been bound (yet): the binding's own sources are the others.
NONE = "NONE"


@dataclass(frozen=True)
class JoinChange:
    """What one member's join, or their binding, adds to the merchant's day they joined."""

    key: str
    day: str
    inc: dict[str, int]


def joined(member_id: ObjectId, zone: ZoneInfo) -> JoinChange:
    return JoinChange(f"joined:{member_id}", _day(member_id, zone), {f"{FIELD}.{NONE}": 1})


def bound(member_id: ObjectId, source: str, zone: ZoneInfo) -> JoinChange:
    return JoinChange(f"bound:{member_id}", _day(member_id, zone), {f"{FIELD}.{NONE}": -1, f"{FIELD}.{source}": 1})


def member_changes(member: Doc, zone: ZoneInfo) -> list[JoinChange]:
    """What a member as they are now adds: their join, and their binding when they have one."""
    found = [joined(member["_id"], zone)]
    if member.get("bound_source"):
        found.append(bound(member["_id"], member["bound_source"], zone))
    return found


def _day(member_id: ObjectId, zone: ZoneInfo) -> str:
    # A member's id is made when they join.
    return day_key(local_date(member_id.generation_time, zone))


async def merchant_zone(*, mongo: Mongo, merchant_id: ObjectId) -> ZoneInfo:
    store = await mongo.db[c.STORES].find_one({"merchant_id": merchant_id}, {"timezone": 1}, sort=[("_id", 1)])
    return zone_of(store)


async def _count(mongo: Mongo, merchant_id: ObjectId, change: JoinChange) -> None:
    for generation in await generations(mongo=mongo, merchant_id=merchant_id):

        async def write(s: AsyncClientSession, generation: int = generation) -> None:
            query = {"merchant_id": merchant_id, "gen": generation, "store_id": ALL, "day": change.day}
            await mongo.db[c.REPORT_DAYS].update_one(query, {"$inc": change.inc}, upsert=True, session=s)

        await apply_once(mongo=mongo, merchant_id=merchant_id, generation=generation, key=change.key, write=write)


async def on_member_joined(*, mongo: Mongo, merchant_id: ObjectId, event: MemberJoined) -> None:
    zone = await merchant_zone(mongo=mongo, merchant_id=merchant_id)
    await _count(mongo, merchant_id, joined(event.member_id, zone))


async def on_member_bound(*, mongo: Mongo, merchant_id: ObjectId, event: MemberBound) -> None:
    zone = await merchant_zone(mongo=mongo, merchant_id=merchant_id)
    await _count(mongo, merchant_id, bound(event.member_id, event.source, zone))


def sources(doc: Mapping[str, object]) -> dict[str, int]:
    """The new members of one merchant day document by the source they came through."""
    counts = doc.get(FIELD)
    return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}
