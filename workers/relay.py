"""The outbox relay: due outbox entries become arq jobs (job id = entry id) and are marked RELAYED.

Enqueue first, mark second: a relay that dies in between leaves the entry PENDING, and the next relay's
enqueue with the same job id is refused by arq (None) while the job is queued or running, so nothing is
enqueued twice. While Redis is down the enqueue fails, the entry stays PENDING, and nothing is lost. A RELAYED
entry is checked again after RECHECK_AFTER: if Redis lost its job (a flush, a failover), it is enqueued anew.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from arq.connections import ArqRedis
from bson import ObjectId

from db.mongo import Mongo
from domain import outbox
from domain.outbox import OutboxStatus

log = logging.getLogger(__name__)

JOB = "handle_event"
RECHECK_AFTER = timedelta(minutes=10)
BATCH = 200
# A backlog (Redis back after an outage) drains over several runs instead of one unbounded one.
MAX_PER_RUN = 5000


@dataclass(frozen=True)
class Relayed:
    enqueued: int
    # Due entries whose job already existed (an earlier relay enqueued them and died before marking).
    already_queued: int
    # Relayed entries whose job had vanished from Redis, enqueued again.
    requeued: int


async def relay(
    *, mongo: Mongo, redis: ArqRedis, now: datetime, batch: int = BATCH, recheck_after: timedelta = RECHECK_AFTER
) -> Relayed:
    enqueued = already = 0
    while enqueued + already < MAX_PER_RUN:
        due = await outbox.due_for_relay(mongo=mongo, status=OutboxStatus.PENDING, now=now, limit=batch)
        handed: list[ObjectId] = []
        try:
            for entry in due:
                job = await redis.enqueue_job(JOB, str(entry.id), _job_id=str(entry.id))
                enqueued, already = enqueued + (job is not None), already + (job is None)
                handed.append(entry.id)
        finally:
            # Whatever reached Redis is marked, even when Redis failed halfway through the batch.
            await outbox.mark_relayed(mongo=mongo, ids=handed, now=now, check_at=now + recheck_after)
        if len(due) < batch:
            break
    return Relayed(enqueued, already, await _recheck(mongo, redis, now, batch, recheck_after))


async def _recheck(mongo: Mongo, redis: ArqRedis, now: datetime, batch: int, recheck_after: timedelta) -> int:
    requeued = 0
    for _ in range(MAX_PER_RUN // batch):
        due = await outbox.due_for_relay(mongo=mongo, status=OutboxStatus.RELAYED, now=now, limit=batch)
        for entry in due:
            if await redis.enqueue_job(JOB, str(entry.id), _job_id=str(entry.id)) is not None:
                log.warning("outbox entry %s (%s) had lost its job; enqueued again", entry.id, entry.kind)
                requeued += 1
        await outbox.check_again_at(mongo=mongo, ids=[e.id for e in due], check_at=now + recheck_after)
        if len(due) < batch:
            break
    return requeued
