"""The last run of each scheduled job (one document per job name), for the admin view, and the lease a run on
demand holds on it (domain.jobs.on_demand); and the record of each scheduled period (one document per job and
period), which makes a period run once however many workers' crons fire for it.

Scheduled jobs are platform-wide, so a shop sees when each ran and whether it succeeded, but not how much it
did: the counts span every merchant. The error is kept as its type only, for the same reason.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff

# How long a period's record is kept: long enough to read what ran last week.
KEEP_PERIODS = timedelta(days=7)


class PeriodStatus(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@dataclass(frozen=True)
class PeriodClaim:
    """A worker's hold on one period of a job; `token` proves it is still this worker's when the run ends."""

    key: str
    token: str


def period_key(name: str, period: datetime) -> str:
    return f"{name}@{period.isoformat()}"


async def claim_period(
    *, mongo: Mongo, name: str, period: datetime, now: datetime, lease: timedelta
) -> PeriodClaim | None:
    """The period's run, for the caller, unless another worker already ran it or holds it. One conditional upsert on
    the record keyed by job and period: the first to arrive inserts it; a record still RUNNING whose lease lapsed
    (its worker died mid-run) is taken over; any other (DONE, FAILED, or RUNNING within its lease) collides on the
    key, and the caller runs nothing. A failed period is not run again: the next period does the same work."""
    claim = PeriodClaim(period_key(name, period), uuid.uuid4().hex)
    lapsed = {"_id": claim.key, "status": PeriodStatus.RUNNING.value, "lease_until": {"$lte": now}}
    try:
        await mongo.db[c.CRON_PERIODS].update_one(
            lapsed,
            {
                "$set": {
                    "name": name,
                    "period": period,
                    "token": claim.token,
                    "started_at": now,
                    "lease_until": now + lease,
                    "expires_at": period + KEEP_PERIODS,
                },
                "$inc": {"attempts": 1},
            },
            upsert=True,
        )
    except DuplicateKeyError:
        return None
    return claim


async def finish_period(
    *, mongo: Mongo, claim: PeriodClaim, now: datetime, error: BaseException | None, processed: int
) -> None:
    """The period ran; a worker that lost its lease meanwhile (it outlived it) changes nothing."""
    status = PeriodStatus.DONE if error is None else PeriodStatus.FAILED
    await mongo.db[c.CRON_PERIODS].update_one(
        {"_id": claim.key, "token": claim.token},
        {
            "$set": {
                "status": status.value,
                "finished_at": now,
                "error": type(error).__name__ if error else None,
                "processed": processed,
            },
            "$unset": {"lease_until": ""},
        },
    )


async def release_period(*, mongo: Mongo, claim: PeriodClaim, now: datetime) -> None:
    """The run stopped before its end and will be tried again (a retry, a worker shutting down): its lease ends now,
    so the next attempt at the period, on whichever worker, takes it."""
    await mongo.db[c.CRON_PERIODS].update_one(
        {"_id": claim.key, "token": claim.token, "status": PeriodStatus.RUNNING.value}, {"$set": {"lease_until": now}}
    )


@dataclass(frozen=True)
class CronRun:
    name: str
    started_at: datetime
    finished_at: datetime | None
    ok: bool | None
    error: str | None
    runs: int

    @property
    def running(self) -> bool:
        return self.finished_at is None or self.finished_at < self.started_at


def cron_run_from_doc(doc: Doc) -> CronRun:
    return CronRun(
        name=doc["_id"],
        started_at=doc["started_at"],
        finished_at=doc.get("finished_at"),
        ok=doc.get("ok"),
        error=doc.get("error"),
        runs=doc.get("runs", 0),
    )


async def claim_on_demand(*, mongo: Mongo, name: str, now: datetime, until: datetime) -> bool:
    """The start of a run on demand, unless one still holds the job (until its lease lapses): one conditional
    update, so of simultaneous asks one wins."""
    free = {"$or": [{"on_demand_until": {"$exists": False}}, {"on_demand_until": {"$lte": now}}]}
    try:
        await mongo.db[c.CRON_RUNS].update_one(
            {"_id": name, **free},
            {"$set": {"started_at": now, "on_demand_until": until}, "$inc": {"runs": 1}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True


async def started(*, mongo: Mongo, name: str, now: datetime) -> None:
    await mongo.db[c.CRON_RUNS].update_one(
        {"_id": name}, {"$set": {"started_at": now}, "$inc": {"runs": 1}}, upsert=True
    )


async def finished(
    *, mongo: Mongo, name: str, now: datetime, error: BaseException | None, processed: int, on_demand: bool = False
) -> None:
    """Records the run's end (and frees the job for the next run on demand, when it was one)."""
    update: Doc = {
        "$set": {
            "finished_at": now,
            "ok": error is None,
            "error": type(error).__name__ if error else None,
            "processed": processed,
        }
    }
    if on_demand:
        update["$unset"] = {"on_demand_until": ""}
    await mongo.db[c.CRON_RUNS].update_one({"_id": name}, update)


async def last_run(*, mongo: Mongo, name: str) -> CronRun | None:
    doc = await mongo.db[c.CRON_RUNS].find_one({"_id": name})
    return cron_run_from_doc(doc) if doc else None


async def list_cron_runs(*, mongo: Mongo, actor: Staff) -> list[CronRun]:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    docs = await mongo.db[c.CRON_RUNS].find({}).sort("_id", 1).to_list()
    return [cron_run_from_doc(d) for d in docs]
