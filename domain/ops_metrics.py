"""What an operator watches across every process, read at scrape time: the outbox's lag, dead letters, payout bills
by state, and the jobs the workers finished by outcome (counted in Redis, since they run in other processes than
the API that is scraped). Platform-wide figures: they name no merchant, and no merchant is shown them.
"""

from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain.jobs.dead_letters import DeadLetterStatus
from domain.outbox import OutboxStatus

# One hash for every worker's counts, field "<job>|<outcome>": a counter that survives a worker's restart.
JOBS_KEY = "jike:metrics:jobs"


@dataclass(frozen=True)
class OpsFigures:
    # Age of the oldest event due and not yet relayed; 0 when the relay is keeping up.
    outbox_lag_s: float
    dead_letters: int
    payout_bills: dict[str, int]
    # (job, outcome) → how many runs ended so, since Redis was last emptied.
    jobs: dict[tuple[str, str], int]


async def count_job(*, redis: Redis, job: str, outcome: str) -> None:
    await redis.hincrby(JOBS_KEY, f"{job}|{outcome}", 1)  # type: ignore[misc]


async def read_figures(*, mongo: Mongo, redis: Redis, now: datetime) -> OpsFigures:
    # The relay's own index (status, relay_at): its first key is the oldest due entry.
    oldest = await mongo.db[c.OUTBOX].find_one(
        {"status": OutboxStatus.PENDING.value, "relay_at": {"$lte": now}}, {"relay_at": 1}, sort=[("relay_at", 1)]
    )
    lag = (now - oldest["relay_at"]).total_seconds() if oldest else 0.0
    dead = await mongo.db[c.DEAD_LETTERS].count_documents({"status": DeadLetterStatus.DEAD.value})
    bills = await mongo.db[c.PAYOUT_TRANSFERS].aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    counts = await redis.hgetall(JOBS_KEY)  # type: ignore[misc]
    jobs = {}
    for field, n in counts.items():
        job, _, outcome = (field.decode() if isinstance(field, bytes) else field).partition("|")
        jobs[(job, outcome)] = int(n)
    return OpsFigures(
        outbox_lag_s=max(lag, 0.0),
        dead_letters=dead,
        payout_bills={str(b["_id"]): b["n"] async for b in bills},
        jobs=jobs,
    )
