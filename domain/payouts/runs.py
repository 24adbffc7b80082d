"""Payout runs: the owner's `runPayouts` and each merchant's schedule (weekly by default) open a run; a run
holds the payout of every member due one, a page of members at a time, remembering how far it got, so a run cut
short (a deadline, a killed worker) goes on where it stopped. A run is keyed (the owner's idempotency key or the
schedule's slot), so a replay or a second scheduler finds the first run.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.programs import require_owner
from domain.payouts.channel import PayoutChannel
from domain.payouts.errors import PayoutCode, PayoutError
from domain.payouts.holding import hold
from domain.payouts.model import TransferLimits
from domain.payouts.planning import Candidate, SkipReason, candidates
from domain.tenancy import Staff, audit

log = logging.getLogger(__name__)

MAX_KEY = 64
DEFAULT_TIMEZONE = "Asia/Shanghai"
# What a request may spend holding before it answers; the worker finishes a longer run.
REQUEST_BUDGET = timedelta(seconds=10)
CHUNK_MEMBERS = 50
CHUNK_COMMISSIONS = 2_000


class RunTrigger(StrEnum):
    MANUAL = "MANUAL"
    SCHEDULE = "SCHEDULE"


class RunStatus(StrEnum):
    HOLDING = "HOLDING"
    # Every member's payout held (or skipped); the transfers go on in the worker.
    HELD = "HELD"


@dataclass(frozen=True)
class PayoutRun:
    id: ObjectId
    merchant_id: ObjectId
    trigger: RunTrigger
    status: RunStatus
    requested_by: ObjectId | None
    created_at: datetime
    held_at: datetime | None


def run_from_doc(doc: Doc) -> PayoutRun:
    return PayoutRun(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        trigger=RunTrigger(doc["trigger"]),
        status=RunStatus(doc["status"]),
        requested_by=doc.get("requested_by"),
        created_at=doc["created_at"],
        held_at=doc.get("held_at"),
    )


@dataclass(frozen=True)
class RunTotals:
    payouts: int
    transfer_fen: int
    paid_fen: int


@dataclass(frozen=True)
class RunView:
    run: PayoutRun
    totals: RunTotals


async def run_totals(mongo: Mongo, merchant_id: ObjectId, run_ids: list[ObjectId]) -> dict[ObjectId, RunTotals]:
    """What each run held and what has been paid of it so far, in one query for any number of runs."""
    pipeline: list[Doc] = [
        {"$match": {"merchant_id": merchant_id, "run_id": {"$in": run_ids}}},
        {
            "$group": {
                "_id": "$run_id",
                "n": {"$sum": 1},
                "amount": {"$sum": "$amount_fen"},
                "paid": {"$sum": "$paid_fen"},
            }
        },
    ]
    rows = {r["_id"]: r for r in await (await mongo.db[c.PAYOUTS].aggregate(pipeline)).to_list()}
    return {
        i: RunTotals(rows[i]["n"], rows[i]["amount"], rows[i]["paid"]) if i in rows else RunTotals(0, 0, 0)
        for i in run_ids
    }


async def open_run(
    mongo: Mongo, merchant_id: ObjectId, key: str, trigger: RunTrigger, requested_by: ObjectId | None, now: datetime
) -> tuple[Doc, bool]:
    """The run under `key`, made now unless it exists; and whether it was made now."""
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "key": key,
        "trigger": trigger.value,
        "status": RunStatus.HOLDING.value,
        "requested_by": requested_by,
        "cursor": None,
        "created_at": now,
    }
    try:
        await mongo.db[c.PAYOUT_RUNS].insert_one(doc)
        return doc, True
    except DuplicateKeyError:
        first = await mongo.db[c.PAYOUT_RUNS].find_one({"merchant_id": merchant_id, "key": key})
        if first is None:
            raise
        return first, False


def chunks(ready: list[Candidate]) -> list[list[Candidate]]:
    """Members held together in one transaction: up to CHUNK_MEMBERS of them and CHUNK_COMMISSIONS commissions,
    so a transaction stays small; a member with more commissions than that is a chunk alone."""
    out: list[list[Candidate]] = []
    size = 0
    for candidate in ready:
        if not out or len(out[-1]) >= CHUNK_MEMBERS or size + candidate.commissions > CHUNK_COMMISSIONS:
            out.append([])
            size = 0
        out[-1].append(candidate)
        size += candidate.commissions
    return out


async def _remark(mongo: Mongo, merchant_id: ObjectId) -> str:
    """What the payee reads on the transfer (at most 32 characters)."""
    merchant = await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"name": 1})
    return f"{(merchant or {}).get('name', '')}推广分红"[-32:]


async def advance_run(*, mongo: Mongo, run: Doc, limits: TransferLimits, now: datetime, deadline: float) -> Doc:
    """Holds payouts from where the run stopped until every due member is done or `deadline` (monotonic)."""
    if run["status"] == RunStatus.HELD.value:
        return run
    merchant_id, runs = run["merchant_id"], mongo.db[c.PAYOUT_RUNS]
    this_run = {"merchant_id": merchant_id, "_id": run["_id"]}
    remark = await _remark(mongo, merchant_id)
    async for page in candidates(mongo=mongo, merchant_id=merchant_id, limits=limits, after=run.get("cursor")):
        for chunk in chunks([x for x in page if x.skip is None]):
            held = await hold(
                mongo=mongo,
                merchant_id=merchant_id,
                run_id=run["_id"],
                candidates=chunk,
                limits=limits,
                remark=remark,
                now=now,
            )
            for candidate, result in zip(chunk, held, strict=True):
                if result.skip is SkipReason.LEDGER_MISMATCH:
                    log.error("COMMISSION BALANCE MISMATCH: payout held back", extra={"member_id": candidate.member_id})
        if page:
            # $max: a concurrent advance of the same run never moves it back.
            await runs.update_one(this_run, {"$max": {"cursor": page[-1].member_id}})
        if time.monotonic() >= deadline:
            fresh = await runs.find_one(this_run)
            return fresh or run
    done = await runs.find_one_and_update(
        {**this_run, "status": RunStatus.HOLDING.value},
        {"$set": {"status": RunStatus.HELD.value, "held_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return done or await runs.find_one(this_run) or run


async def run_payouts(
    *,
    mongo: Mongo,
    channel: PayoutChannel | None,
    actor: Staff,
    idempotency_key: str,
    now: datetime | None = None,
    budget: timedelta = REQUEST_BUDGET,
) -> RunView:
    """OWNER: a payout run now. Holds what it can within `budget`; the worker holds the rest and sends the money.
    A replayed key returns the first run (advanced further if it was not done)."""
    require_owner(actor)
    if channel is None:
        raise PayoutError(PayoutCode.PAYOUTS_UNAVAILABLE)
    key = idempotency_key.strip()
    if not key or len(key) > MAX_KEY:
        raise PayoutError(PayoutCode.IDEMPOTENCY_KEY_REQUIRED, "idempotencyKey", max_length=MAX_KEY)
    moment = now or datetime.now(UTC)
    run, made = await open_run(mongo, actor.merchant_id, f"manual:{key}", RunTrigger.MANUAL, actor.id, moment)
    if made:
        await audit(mongo=mongo, actor=actor, action="payouts.run", target=run["_id"])
    deadline = time.monotonic() + budget.total_seconds()
    advanced = run_from_doc(
        await advance_run(mongo=mongo, run=run, limits=channel.limits, now=moment, deadline=deadline)
    )
    return RunView(advanced, (await run_totals(mongo, actor.merchant_id, [advanced.id]))[advanced.id])


async def advance_open_runs(*, mongo: Mongo, limits: TransferLimits, now: datetime, deadline: float) -> int:
    """The worker's share: every run still holding, oldest first, until `deadline`; how many it worked on."""
    advanced = 0
    async for run in mongo.db[c.PAYOUT_RUNS].find({"status": RunStatus.HOLDING.value}).sort("_id", 1):
        if time.monotonic() >= deadline:
            break
        await advance_run(mongo=mongo, run=run, limits=limits, now=now, deadline=deadline)
        advanced += 1
    return advanced


# Schedules


@dataclass(frozen=True)
class PayoutSchedule:
    """ISO weekdays (1 = Monday) and the hour, in the merchant's time zone, at which a run opens."""

    weekdays: tuple[int, ...]
    hour: int
    enabled: bool


DEFAULT_SCHEDULE = PayoutSchedule((1,), 10, True)


def schedule_from_doc(doc: Doc | None) -> PayoutSchedule:
    if doc is None:
        return DEFAULT_SCHEDULE
    return PayoutSchedule(tuple(doc["weekdays"]), doc["hour"], doc["enabled"])


def last_slot(
    schedule: PayoutSchedule, timezone: str, now: datetime, *, not_before: datetime | None = None
) -> date | None:
    """The local day of the latest scheduled opening at or before `now` within a week, if any; none when that
    opening came before `not_before` (a merchant created since has nothing to pay for that slot)."""
    if not schedule.enabled:
        return None
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    for back in range(8):
        day = local.date() - timedelta(days=back)
        opens = datetime(day.year, day.month, day.day, schedule.hour, tzinfo=zone)
        if day.isoweekday() in schedule.weekdays and opens <= local:
            return None if not_before is not None and opens < not_before else day
    return None


async def payout_schedule(*, mongo: Mongo, actor: Staff) -> PayoutSchedule:
    require_owner(actor)
    return schedule_from_doc(await mongo.db[c.PAYOUT_SCHEDULES].find_one({"_id": actor.merchant_id}))


async def set_payout_schedule(*, mongo: Mongo, actor: Staff, schedule: PayoutSchedule) -> PayoutSchedule:
    require_owner(actor)
    days = tuple(sorted(set(schedule.weekdays)))
    if not days or not all(1 <= d <= 7 for d in days):
        raise PayoutError(PayoutCode.SCHEDULE_INVALID, "weekdays")
    if not 0 <= schedule.hour <= 23:
        raise PayoutError(PayoutCode.SCHEDULE_INVALID, "hour")
    fields = {"weekdays": list(days), "hour": schedule.hour, "enabled": schedule.enabled}
    await mongo.db[c.PAYOUT_SCHEDULES].update_one(
        {"_id": actor.merchant_id},
        {"$set": {**fields, "updated_by": actor.id, "updated_at": datetime.now(UTC)}},
        upsert=True,
    )
    await audit(mongo=mongo, actor=actor, action="payouts.schedule", target=actor.merchant_id, **fields)
    return PayoutSchedule(days, schedule.hour, schedule.enabled)


async def _timezones(mongo: Mongo, merchant_ids: list[ObjectId]) -> dict[ObjectId, str]:
    """Each merchant's first store's time zone: its business days."""
    pipeline: list[Doc] = [
        {"$match": {"merchant_id": {"$in": merchant_ids}}},
        {"$sort": {"_id": 1}},
        {"$group": {"_id": "$merchant_id", "timezone": {"$first": "$timezone"}}},
    ]
    return {r["_id"]: r["timezone"] for r in await (await mongo.db[c.STORES].aggregate(pipeline)).to_list()}


async def open_scheduled_runs(*, mongo: Mongo, now: datetime, page: int = 200) -> int:
    """Opens the run of every merchant whose latest scheduled slot has none yet (slots from before a merchant was
    created do not count); how many it opened."""
    opened, last = 0, None
    while True:
        query: Doc = {} if last is None else {"_id": {"$gt": last}}
        found = await mongo.db[c.MERCHANTS].find(query, {"created_at": 1}).sort("_id", 1).limit(page).to_list()
        if not found:
            return opened
        created = {m["_id"]: m.get("created_at") for m in found}
        merchants = list(created)
        last = merchants[-1]
        schedules = {
            d["_id"]: d for d in await mongo.db[c.PAYOUT_SCHEDULES].find({"_id": {"$in": merchants}}).to_list()
        }
        zones = await _timezones(mongo, merchants)
        due = {}
        for merchant_id in merchants:
            slot = last_slot(
                schedule_from_doc(schedules.get(merchant_id)),
                zones.get(merchant_id, DEFAULT_TIMEZONE),
                now,
                not_before=created[merchant_id],
            )
            if slot is not None:
                due[merchant_id] = f"schedule:{slot.isoformat()}"
        existing = (
            await mongo.db[c.PAYOUT_RUNS]
            .find(
                {"merchant_id": {"$in": list(due)}, "key": {"$in": list(set(due.values()))}},
                {"merchant_id": 1, "key": 1},
            )
            .to_list()
        )
        have = {(r["merchant_id"], r["key"]) for r in existing}
        for merchant_id, key in due.items():
            if (merchant_id, key) not in have:
                opened += (await open_run(mongo, merchant_id, key, RunTrigger.SCHEDULE, None, now))[1]
        if len(merchants) < page:
            return opened
