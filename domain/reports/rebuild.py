"""`jike rebuild-reports`: every rollup of a merchant recomputed from its paid orders and settled refunds into a new
generation while events keep coming (the handlers count each event in both generations meanwhile, the markers
keeping each order and refund counted once), then made live in one write. A lock in `report_state` keeps a
second rebuild out until the first ends or its lock lapses.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import BulkWriteError, DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.checkout.records import RefundStatus
from domain.orders.model import SETTLED
from domain.reports.balances import rebuild_balances
from domain.reports.errors import ReportCode, ReportError
from domain.reports.rollups import Change, merged, paid_change, refund_change, upserting, zone_of
from domain.reports.visits import count_visits

BATCH = 1000
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


async def _write(mongo: Mongo, merchant_id: ObjectId, generation: int, changes: Sequence[Change]) -> None:
    """One batch: markers first (an order an event counted already in this generation is left out), then the
    batch's `$inc`s folded into one upsert per document."""
    if not changes:
        return
    markers = [InsertOne({"merchant_id": merchant_id, "gen": generation, "key": ch.key}) for ch in changes]
    taken: set[int] = set()
    try:
        await mongo.db[c.REPORT_APPLIED].bulk_write(markers, ordered=False)
    except BulkWriteError as e:
        taken = {err["index"] for err in e.details["writeErrors"] if err["code"] == _DUPLICATE}
        if len(taken) != len(e.details["writeErrors"]):
            raise
    fresh = [ch for i, ch in enumerate(changes) if i not in taken]
    by_collection: dict[str, list[UpdateOne]] = {}
    for doc in merged(fresh, merchant_id, generation).values():
        update: Doc = {"$inc": doc["$inc"]}
        if doc["$set"]:
            update["$set"] = doc["$set"]
        by_collection.setdefault(doc["collection"], []).append(UpdateOne(doc["filter"], update, upsert=True))
    for collection, ops in by_collection.items():
        try:
            await mongo.db[collection].bulk_write(ops, ordered=False)
        except BulkWriteError as e:
            # A live event made the same new document meanwhile: it exists now, so the upsert is an update.
            raced = [ops[err["index"]] for err in e.details["writeErrors"] if err["code"] == _DUPLICATE]
            if len(raced) != len(e.details["writeErrors"]):
                raise
            await mongo.db[collection].bulk_write(raced, ordered=False)
    await _visits(mongo, merchant_id, generation, fresh)


async def _visits(mongo: Mongo, merchant_id: ObjectId, generation: int, changes: Sequence[Change]) -> None:
    """The batch's paid orders in their members' paid days: one transaction per member and store, as a live
    event's (they may meet one, and then one of them runs again)."""
    days: dict[tuple[ObjectId, ObjectId], list[date]] = {}
    for change in changes:
        if change.member_id is not None:
            days.setdefault((change.store_id, change.member_id), []).append(change.day)
    for (store_id, member_id), paid in days.items():

        async def work(
            s: AsyncClientSession,
            store_id: ObjectId = store_id,
            member_id: ObjectId = member_id,
            paid: list[date] = paid,
        ) -> None:
            await count_visits(
                mongo=mongo,
                session=s,
                merchant_id=merchant_id,
                generation=generation,
                store_id=store_id,
                member_id=member_id,
                days=paid,
            )

        await upserting(mongo, work)


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
        total = await mongo.db[c.ORDERS].count_documents(paid) + await mongo.db[c.REFUNDS].count_documents(refunded)
        done, orders = 0, 0
        batch: list[Change] = []
        async for order in mongo.db[c.ORDERS].find(paid).sort("_id", 1):
            orders += 1
            change = paid_change(order, zones.get(order["store_id"], zone_of(None)))
            if change is not None:
                batch.append(change)
            if orders % BATCH == 0:
                await _write(mongo, merchant_id, new, batch)
                batch, done = [], done + BATCH
                tell(done, total)
        await _write(mongo, merchant_id, new, batch)
        done = orders
        refunds = await _refunds(
            mongo, merchant_id, new, refunded, zones, lambda n: progress(done + n, total) if progress else None
        )
        await rebuild_balances(mongo=mongo, merchant_id=merchant_id, generation=new, now=now)
        await mongo.db[c.REPORT_STATE].update_one(
            {"merchant_id": merchant_id, "building": new},
            {"$set": {"live": new, "building": None, "lock_until": None}},
        )
        for name in ROLLUPS:
            await mongo.db[name].delete_many({"merchant_id": merchant_id, "gen": {"$ne": new}})
        tell(total, total)
        return Rebuilt(new, orders, refunds)
    except BaseException:
        await mongo.db[c.REPORT_STATE].update_one(
            {"merchant_id": merchant_id, "building": new}, {"$set": {"building": None, "lock_until": None}}
        )
        raise


async def _refunds(
    mongo: Mongo,
    merchant_id: ObjectId,
    generation: int,
    query: Doc,
    zones: dict[ObjectId, ZoneInfo],
    progress: Callable[[int], None],
) -> int:
    """Settled refunds in the order they were applied, each with what its order's earlier refunds took back."""
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
        await _write(mongo, merchant_id, generation, changes)
        pending.clear()
        progress(count)

    async for refund in mongo.db[c.REFUNDS].find(query).sort([("settled_at", 1), ("_id", 1)]):
        count += 1
        pending.append(refund)
        if len(pending) == BATCH:
            await flush()
    await flush()
    return count
