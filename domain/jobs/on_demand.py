"""Running a scheduled job (domain.jobs.scheduled) now rather than at its slot: an OWNER from the admin app, so
that a zero-day freeze is released at once and not at :25 or :55, or an operator from the shell, after an outage.

One run on demand of a job at a time, whoever asks: its start is a lease on the job's last-run document, taken
by one conditional update (cron_runs.claim_on_demand), so of simultaneous asks one runs and the others hear
CRON_JOB_RUNNING; the lease lapses after LEASE should the process running it die. Each run is audited once it
holds the lease: an OWNER's as their merchant's act, an operator's as a platform one.

The jobs do what is due for every merchant, so running one early changes when due work happens, not what it is;
an OWNER learns that it ran and whether it succeeded, not what it did elsewhere (the count is the operator's).
A job that fails is recorded as failed and logged with its trace, and the run is returned all the same.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.errors import PermissionDenied
from domain.jobs import cron_runs
from domain.jobs.cron_runs import CronRun
from domain.jobs.errors import JobsCode, JobsError
from domain.jobs.scheduled import JOBS, Job, JobClients
from domain.tenancy import Role, Staff, audit, audit_operator

log = logging.getLogger(__name__)

ACTION = "cron.run"
# Well past the longest job's run (a payout round stops after 50 s).
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class OnDemandRun:
    run: CronRun
    # What the job did, all merchants together.
    processed: int


def _job(name: str) -> Job:
    job = JOBS.get(name)
    if job is None:
        raise JobsError(JobsCode.CRON_JOB_NOT_FOUND, "name")
    return job


async def _claim(clients: JobClients, name: str, now: datetime) -> None:
    if not await cron_runs.claim_on_demand(mongo=clients.mongo, name=name, now=now, until=now + LEASE):
        raise JobsError(JobsCode.CRON_JOB_RUNNING, "name")


async def _run(clients: JobClients, name: str, job: Job, now: datetime) -> OnDemandRun:
    error: BaseException | None = None
    processed = 0
    try:
        processed = await job(clients, now)
    except Exception as e:
        error = e
        log.exception("scheduled job %s, run on demand, failed", name)
    except BaseException as e:
        error = e
        raise
    finally:
        await cron_runs.finished(
            mongo=clients.mongo, name=name, now=datetime.now(UTC), error=error, processed=processed, on_demand=True
        )
    run = await cron_runs.last_run(mongo=clients.mongo, name=name)
    if run is None:
        raise RuntimeError(f"the last run of {name} vanished while it ran")
    return OnDemandRun(run, processed)


async def run_now(*, clients: JobClients, actor: Staff, name: str, now: datetime | None = None) -> OnDemandRun:
    """OWNER: the named job, now, to its end."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    job, moment = _job(name), now or datetime.now(UTC)
    await _claim(clients, name, moment)
    await audit(mongo=clients.mongo, actor=actor, action=ACTION, target=actor.merchant_id, name=name)
    return await _run(clients, name, job, moment)


async def run_for_operator(
    *, clients: JobClients, operator: str, name: str, now: datetime | None = None
) -> OnDemandRun:
    """An operator from the shell (`jike run-cron`): the named job, now, to its end."""
    job, moment = _job(name), now or datetime.now(UTC)
    await _claim(clients, name, moment)
    await audit_operator(mongo=clients.mongo, operator=operator, action=ACTION, name=name)
    return await _run(clients, name, job, moment)
