"""The nightly RFM buckets: each merchant's member facts rebuilt (facts also go stale without an event: a birthday
set in the profile, a count card expiring), then recency (last paid day), frequency (visits) and monetary value
(lifetime paid) scored 1-5 by quintile among the members with a paid visit, and kept on the facts as `rfm`.

Scores: sorted ascending, a member's score is 1 plus the number of quintile cuts their value is above, a cut being
the last value of the lower quintile. Equal values always share a score and a tie across a cut goes to the lower
quintile: when most members visited once they are all F1. Members who never paid a visit have no bucket.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import UpdateOne

from db import collections as c
from db.mongo import Doc, Mongo
from domain.segments import facts
from domain.segments.filters import rfm_bucket

PAGE = 1000
# The measures as the facts keep them, higher the better.
RECENCY, FREQUENCY, MONETARY = "last_paid_day", "visits", "lifetime_paid_fen"


@dataclass(frozen=True)
class Cuts:
    """Each measure's four cuts, ascending."""

    recency: tuple[int, ...]
    frequency: tuple[int, ...]
    monetary: tuple[int, ...]


def score(value: int, cuts: Sequence[int]) -> int:
    return 1 + sum(value > cut for cut in cuts)


def bucket(fact: Doc, cuts: Cuts) -> str | None:
    """The member's bucket, None when they never paid a visit."""
    if not fact.get(RECENCY) or not fact.get(FREQUENCY):
        return None
    return rfm_bucket(
        score(int(fact[RECENCY]), cuts.recency),
        score(int(fact[FREQUENCY]), cuts.frequency),
        score(int(fact[MONETARY]), cuts.monetary),
    )


def _paid(merchant_id: ObjectId, measure: str) -> Doc:
    """The members with a paid visit: recency's day is set exactly when visits are, so recency and frequency read
    along their own index; monetary value filters on visits and sorts on the server (a compound index of lifetime
    and visits would serve it, but SecantusDB answers lifetime ranges wrongly from one)."""
    if measure == RECENCY:
        return {"merchant_id": merchant_id, RECENCY: {"$gt": 0}}
    return {"merchant_id": merchant_id, FREQUENCY: {"$gte": 1}}


def cut_positions(paid: int) -> list[int]:
    """Where the cuts sit in the ascending order of `paid` values: the last of each of the lower four fifths."""
    return [max(0, math.ceil(paid * k / 5) - 1) for k in range(1, 5)]


async def cuts(*, mongo: Mongo, merchant_id: ObjectId) -> Cuts | None:
    """The merchant's cuts, from a count and four one-document reads per measure along its index; None when nobody
    paid a visit."""
    found = mongo.db[c.MEMBER_FACTS]
    paid = await found.count_documents(_paid(merchant_id, FREQUENCY))
    if paid == 0:
        return None
    measured: list[tuple[int, ...]] = []
    for measure in (RECENCY, FREQUENCY, MONETARY):
        query = _paid(merchant_id, measure)
        values = []
        for position in cut_positions(paid):
            doc = await found.find(query, {measure: 1}).sort(measure, 1).skip(position).limit(1).to_list()
            values.append(int(doc[0][measure]) if doc else 0)
        measured.append(tuple(values))
    return Cuts(*measured)


async def assign(*, mongo: Mongo, merchant_id: ObjectId, cut: Cuts | None) -> int:
    """Every member's bucket set from `cut`, a page of facts at a time, writing only the buckets that change.
    How many changed."""
    changed, after = 0, None
    while True:
        query: Doc = {"merchant_id": merchant_id}
        if after is not None:
            query["member_id"] = {"$gt": after}
        fields = {"member_id": 1, RECENCY: 1, FREQUENCY: 1, MONETARY: 1, "rfm": 1}
        page = await mongo.db[c.MEMBER_FACTS].find(query, fields).sort("member_id", 1).limit(PAGE).to_list()
        if not page:
            return changed
        writes = []
        for fact in page:
            wanted = bucket(fact, cut) if cut is not None else None
            if fact.get("rfm") != wanted:
                change = {"$set": {"rfm": wanted}} if wanted else {"$unset": {"rfm": ""}}
                writes.append(UpdateOne({"merchant_id": merchant_id, "member_id": fact["member_id"]}, change))
        if writes:
            await mongo.db[c.MEMBER_FACTS].bulk_write(writes, ordered=False)
        changed += len(writes)
        after = page[-1]["member_id"]


async def refresh_merchant(*, mongo: Mongo, merchant_id: ObjectId, now: datetime) -> int:
    """The merchant's facts rebuilt and their buckets set; how many members."""
    members = await facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=now)
    await assign(mongo=mongo, merchant_id=merchant_id, cut=await cuts(mongo=mongo, merchant_id=merchant_id))
    return members


async def refresh_all(*, mongo: Mongo, now: datetime) -> int:
    """Every merchant's facts and buckets: how many members."""
    done = 0
    async for merchant in mongo.db[c.MERCHANTS].find({}, {"_id": 1}).sort("_id", 1):
        done += await refresh_merchant(mongo=mongo, merchant_id=merchant["_id"], now=now)
    return done
