"""`jike rebuild-reports`: every rollup of a merchant recomputed from its paid orders, settled refunds and members
into a new generation while events keep coming (the handlers count each event in both generations meanwhile, the markers
keeping each order and refund counted once), then made live in one write. A lock in `report_state` keeps a
second rebuild out until the first ends or its lock lapses.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.checkout.records import RefundStatus
from domain.orders.model import SETTLED
from domain.reports import visits
from domain.reports.balances import rebuild_balances
from domain.reports.errors import ReportCode, ReportError
from domain.reports.joins import JoinChange, member_changes, merchant_zone
from domain.reports.rollups import Change, day_key, paid_change, refund_change, zone_of

BATCH = 1000
# Day documents gathered in memory before they are written.
DAY_DOCS = 5000
LOCK = timedelta(minutes=30)
_DUPLICATE = 11000
ROLLUPS = (c.REPORT_APPLIED, c.REPORT_DAYS, c.REPORT_MEMBER_MONTHS, c.REPORT_MEMBER_LAST)

# Told (done, total) after each batch.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Rebuilt:
    generation: int
    orders: int
    refunds: int
    members: int


async def _begin(mongo: Mongo, merchant_id: ObjectId, now: datetime) -> tuple[int, int]:
    """Takes the lock and names the new generation: (live, new)."""
    states = mongo.db[c.REPORT_STATE]
    try:
        await states.update_one(
            {"merchant_id": merchant_id},
            {"$setOnInsert": {"live": 0, "last_gen": 0, "building": None, "lock_until": None}},
            upsert=True,
        )
    except DuplicateKeyError:
        pass  # another rebuild made it first
    free = {"$or": [{"building": None}, {"lock_until": {"$lt": now}}]}
    state = await states.find_one_and_update(
        {"merchant_id": merchant_id, **free},
        {"$inc": {"last_gen": 1}, "$set": {"lock_until": now + LOCK}},
        return_document=True,
    )
    if state is None:
        raise ReportError(ReportCode.REBUILD_RUNNING)
    new = int(state["last_gen"])
    await states.update_one({"merchant_id": merchant_id}, {"$set": {"building": new}})
    return int(state["live"]), new


class _Days:
    """The generation's day documents folded in memory (there are far fewer store-days than orders) and written
    as one bulk of upserts whenever many have gathered. Their `$inc`s add to what live events count meanwhile."""

    def __init__(self, mongo: Mongo, merchant_id: ObjectId, generation: int) -> None:
        self.mongo, self.merchant_id, self.generation = mongo, merchant_id, generation
        self.folded: dict[tuple[ObjectId | None, str], Doc] = {}

    def add(self, scope: ObjectId | None, key: str, inc: Mapping[str, int], names: Mapping[str, str]) -> None:
        doc = self.folded.setdefault((scope, key), {"$inc": {}, "$set": {}})
        for name, value in inc.items():
            doc["$inc"][name] = doc["$inc"].get(name, 0) + value
        doc["$set"].update(names)

    async def flush(self, *, unless_fewer_than: int = 0) -> None:
        if not self.folded or len(self.folded) < unless_fewer_than:
            return
        ops = []
        for (scope, key), doc in self.folded.items():
            query = {"merchant_id": self.merchant_id, "gen": self.generation, "store_id": scope, "day": key}
            update = {op: fields for op, fields in doc.items() if fields}
            ops.append(UpdateOne(query, update, upsert=True))
        self.folded = {}
        try:
            await self.mongo.db[c.REPORT_DAYS].bulk_write(ops, ordered=False)
        except BulkWriteError as e:
            # A live event made the same new document meanwhile: it exists now, so the upsert is an update.
            raced = [ops[err["index"]] for err in e.details["writeErrors"] if err["code"] == _DUPLICATE]
            if len(raced) != len(e.details["writeErrors"]):
                raise
            await self.mongo.db[c.REPORT_DAYS].bulk_write(raced, ordered=False)


async def _taken(mongo: Mongo, merchant_id: ObjectId, generation: int, keys: Sequence[str]) -> set[int]:
    """Takes the applied markers of `keys`; the indexes of those an event had taken already in this generation."""
    if not keys:
        return set()
    markers = [InsertOne({"merchant_id": merchant_id, "gen": generation, "key": key}) for key in keys]
    taken: set[int] = set()
    try:
        await mongo.db[c.REPORT_APPLIED].bulk_write(markers, ordered=False)
    except BulkWriteError as e:
        taken = {err["index"] for err in e.details["writeErrors"] if err["code"] == _DUPLICATE}
        if len(taken) != len(e.details["writeErrors"]):
            raise
    return taken


async def _fresh(mongo: Mongo, merchant_id: ObjectId, generation: int, changes: Sequence[Change]) -> list[Change]:
    """The changes whose applied marker the rebuild took: one an event counted already in this generation is
    left out."""
    taken = await _taken(mongo, merchant_id, generation, [ch.key for ch in changes])
    return [ch for i, ch in enumerate(changes) if i not in taken]


async def _write(mongo: Mongo, days: _Days, changes: Sequence[Change]) -> None:
    """One batch: its markers, its members' paid days (all of a member's orders together, as the orders come by
    member), and its `$inc`s folded into the day documents."""
    fresh = await _fresh(mongo, days.merchant_id, days.generation, changes)
    paid: dict[visits.ScopeMember, list[date]] = {}
    for change in fresh:
        days.add(change.store_id, day_key(change.day), change.inc, change.names)
        if change.member_id is not None:
            paid.setdefault((change.store_id, change.member_id), []).append(change.day)
            paid.setdefault((visits.ALL, change.member_id), []).append(change.day)
    markers = await visits.add_paid_days(
        mongo=mongo, merchant_id=days.merchant_id, generation=days.generation, paid=paid
    )
    for (scope, key), inc in markers.items():
        days.add(scope, key, inc, {})
    await days.flush(unless_fewer_than=DAY_DOCS)


async def _paid_orders(
    mongo: Mongo, days: _Days, query: Doc, zones: dict[ObjectId, ZoneInfo], progress: Callable[[int], None]
) -> int:
    """Every paid order, a member's together (on the orders' member index), in batches that end between members
    so each member's documents are written whole."""
    count = 0
    batch: list[Change] = []
    member: ObjectId | None = None
    orders = mongo.db[c.ORDERS].find(query).sort([("member_id", 1), ("_id", 1)])
    async for order in orders:
        if len(batch) >= BATCH and order.get("member_id") != member:
            await _write(mongo, days, batch)
            batch = []
            progress(count)
        count += 1
        member = order.get("member_id")
        change = paid_change(order, zones.get(order["store_id"], zone_of(None)))
        if change is not None:
            batch.append(change)
    await _write(mongo, days, batch)
    progress(count)
    return count


async def rebuild(
    *, mongo: Mongo, merchant_id: ObjectId, progress: Progress | None = None, now: datetime | None = None
) -> Rebuilt:
    """Recomputes every rollup of the merchant; REBUILD_RUNNING while another rebuild holds the lock."""
    tell = progress or (lambda done, total: None)
    live, new = await _begin(mongo, merchant_id, now or datetime.now(UTC))
    try:
        for name in ROLLUPS:
            await mongo.db[name].delete_many({"merchant_id": merchant_id, "gen": {"$nin": [live, new]}})
        stores = await mongo.db[c.STORES].find({"merchant_id": merchant_id}, {"timezone": 1}).to_list()
        zones: dict[ObjectId, ZoneInfo] = {s["_id"]: zone_of(s) for s in stores}
        paid = {"merchant_id": merchant_id, "status": {"$in": [s.value for s in SETTLED]}}
        refunded = {"merchant_id": merchant_id, "status": RefundStatus.SUCCEEDED.value}
        members_query = {"merchant_id": merchant_id}
        total = (
            await mongo.db[c.ORDERS].count_documents(paid)
            + await mongo.db[c.REFUNDS].count_documents(refunded)
            + await mongo.db[c.MEMBERS].count_documents(members_query)
        )
        days = _Days(mongo, merchant_id, new)
        orders = await _paid_orders(mongo, days, paid, zones, lambda n: tell(n, total))
        refunds = await _refunds(mongo, days, refunded, zones, lambda n: tell(orders + n, total))
        zone = await merchant_zone(mongo=mongo, merchant_id=merchant_id)
        members = await _members(mongo, days, members_query, zone, lambda n: tell(orders + refunds + n, total))
        await days.flush()
        await rebuild_balances(mongo=mongo, merchant_id=merchant_id, generation=new, now=now)
        await mongo.db[c.REPORT_STATE].update_one(
            {"merchant_id": merchant_id, "building": new},
            {"$set": {"live": new, "building": None, "lock_until": None}},
        )
        for name in ROLLUPS:
            await mongo.db[name].delete_many({"merchant_id": merchant_id, "gen": {"$ne": new}})
        tell(total, total)
        return Rebuilt(new, orders, refunds, members)
    except BaseException:
        await mongo.db[c.REPORT_STATE].update_one(
            {"merchant_id": merchant_id, "building": new}, {"$set": {"building": None, "lock_until": None}}
        )
        raise


async def _refunds(
    mongo: Mongo, days: _Days, query: Doc, zones: dict[ObjectId, ZoneInfo], progress: Callable[[int], None]
) -> int:
    """Settled refunds in the order they were applied, each with what its order's earlier refunds took back."""
    merchant_id = days.merchant_id
    before: dict[ObjectId, int] = {}
    count = 0
    pending: list[Doc] = []

    async def flush() -> None:
        ids = list({r["order_id"] for r in pending})
        orders = {
            o["_id"]: o
            for o in await mongo.db[c.ORDERS].find({"merchant_id": merchant_id, "_id": {"$in": ids}}).to_list()
        }
        changes = []
        for refund in pending:
            order = orders.get(refund["order_id"])
            if order is None:
                continue
            earlier = before.get(order["_id"], 0)
            changes.append(refund_change(order, refund, earlier, zones.get(order["store_id"], zone_of(None))))
            before[order["_id"]] = earlier + refund["amount_fen"]
        await _write(mongo, days, changes)
        pending.clear()
        progress(count)

    async for refund in mongo.db[c.REFUNDS].find(query).sort([("settled_at", 1), ("_id", 1)]):
        count += 1
        pending.append(refund)
        if len(pending) == BATCH:
            await flush()
    await flush()
    return count


async def _members(mongo: Mongo, days: _Days, query: Doc, zone: ZoneInfo, progress: Callable[[int], None]) -> int:
    """Every member's join, and binding, on the merchant's day they joined; a part an event counted already in
    this generation (its marker taken) is left out."""
    count = 0
    batch: list[JoinChange] = []

    async def flush() -> None:
        taken = await _taken(mongo, days.merchant_id, days.generation, [ch.key for ch in batch])
        for i, change in enumerate(batch):
            if i not in taken:
                days.add(visits.ALL, change.day, change.inc, {})
        batch.clear()
        await days.flush(unless_fewer_than=DAY_DOCS)
        progress(count)

    async for member in mongo.db[c.MEMBERS].find(query, {"bound_source": 1}):
        count += 1
        batch.extend(member_changes(member, zone))
        if len(batch) >= BATCH:
            await flush()
    await flush()
    return count
