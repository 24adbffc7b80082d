"""The last run of each scheduled job (one document per job name), for the admin view, and the lease a run on
demand holds on it (domain.jobs.on_demand).

Scheduled jobs are platform-wide, so a shop sees when each ran and whether it succeeded, but not how much it
did: the counts span every merchant. The error is kept as its type only, for the same reason.
"""

from dataclasses import dataclass
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff


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
