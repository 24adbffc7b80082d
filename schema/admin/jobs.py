"""Background jobs in the admin app (OWNER, MANAGER): events in flight, dead letters and an OWNER's retry of
one, the last run of each scheduled job, and an OWNER running one now (domain.jobs.on_demand).
"""

from datetime import UTC, datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.scalars import JSON

from domain.jobs import cron_runs, dead_letters, in_flight, on_demand
from domain.jobs.dead_letters import DeadLetter as DeadLetterRecord
from domain.outbox import OutboxEntry
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, user_errors_in

DeadLetterStatus: TypeAlias = dead_letters.DeadLetterStatus
strawberry.enum(DeadLetterStatus, name="DeadLetterStatus")


def _payload(payload: dict[str, Any]) -> Any:
    """Ids and times as strings: the payload is shown to a person, not parsed."""
    return {key: value if isinstance(value, int | str | bool) else str(value) for key, value in payload.items()}


@strawberry.type(description="An event whose handling failed for good; an OWNER can send it round again.")
class DeadLetter:
    id: strawberry.ID
    kind: str
    payload: JSON
    status: DeadLetterStatus
    attempts: int
    error: str
    failed_at: datetime
    deaths: int = strawberry.field(description="How many times it failed for good (a retried one can fail again).")
    retried_at: datetime | None

    @classmethod
    def of(cls, d: DeadLetterRecord) -> "DeadLetter":
        return cls(
            id=to_global_id("DeadLetter", d.id),
            kind=d.kind,
            payload=_payload(d.payload),
            status=d.status,
            attempts=d.attempts,
            error=d.error,
            failed_at=d.failed_at,
            deaths=d.deaths,
            retried_at=d.retried_at,
        )


@strawberry.type(description="An event handed to the worker: queued, running, or waiting to retry.")
class JobInFlight:
    id: strawberry.ID
    kind: str
    attempts: int
    last_error: str | None
    next_retry_at: datetime | None
    created_at: datetime
    relayed_at: datetime | None

    @classmethod
    def of(cls, job: in_flight.JobInFlight) -> "JobInFlight":
        e: OutboxEntry = job.entry
        return cls(
            id=to_global_id("Job", e.id),
            kind=e.kind,
            attempts=e.attempts,
            last_error=e.last_error,
            next_retry_at=job.retry_at,
            created_at=e.created_at,
            relayed_at=e.relayed_at,
        )


@strawberry.type(description="A scheduled job's last run; platform-wide, so without counts.")
class CronRun:
    name: str
    last_started_at: datetime
    last_finished_at: datetime | None
    running: bool
    ok: bool | None = strawberry.field(description="Whether the last finished run succeeded.")
    error: str | None = strawberry.field(description="The kind of error the last run ended in, if it failed.")

    @classmethod
    def of(cls, r: cron_runs.CronRun) -> "CronRun":
        return cls(
            name=r.name,
            last_started_at=r.started_at,
            last_finished_at=r.finished_at,
            running=r.running,
            ok=r.ok,
            error=r.error,
        )


@strawberry.input
class RetryDeadLetterInput:
    dead_letter_id: strawberry.ID


@strawberry.type
class RetryDeadLetterPayload:
    dead_letter: DeadLetter | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RunCronJobInput:
    name: str = strawberry.field(
        description="The job, as cronRuns names it (all but relay_outbox, which runs every 5 seconds by itself)."
    )


@strawberry.type
class RunCronJobPayload:
    cron_run: CronRun | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JobsQuery:
    @strawberry.field(description="OWNER, MANAGER. Events handed to the worker and not finished, newest first.")
    async def jobs_in_flight(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[JobInFlight]:
        actor = await info.context.staff()
        page = await in_flight.list_in_flight(
            mongo=info.context.clients.mongo, actor=actor, first=first, after=from_cursor(after)
        )
        return connection(page, JobInFlight.of)

    @strawberry.field(
        description="OWNER, MANAGER. Events due but not yet handed to the worker (grows while Redis is down)."
    )
    async def jobs_waiting_for_relay(self, info: Info) -> int:
        actor = await info.context.staff()
        return await in_flight.waiting_for_relay(mongo=info.context.clients.mongo, actor=actor, now=datetime.now(UTC))

    @strawberry.field(description="OWNER, MANAGER. Newest first.")
    async def dead_letters(
        self,
        info: Info,
        status: DeadLetterStatus = DeadLetterStatus.DEAD,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DeadLetter]:
        actor = await info.context.staff()
        page = await dead_letters.list_dead_letters(
            mongo=info.context.clients.mongo,
            actor=actor,
            status=status,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, DeadLetter.of)

    @strawberry.field(description="OWNER, MANAGER. Each scheduled job's last run, by name.")
    async def cron_runs(self, info: Info) -> list[CronRun]:
        actor = await info.context.staff()
        return [CronRun.of(r) for r in await cron_runs.list_cron_runs(mongo=info.context.clients.mongo, actor=actor)]


@strawberry.type
class JobsMutation:
    @strawberry.mutation(description="OWNER. Sends a dead letter's event round again, from its first attempt.")
    @user_errors_in(RetryDeadLetterPayload)
    async def retry_dead_letter(self, info: Info, input: RetryDeadLetterInput) -> RetryDeadLetterPayload:
        ctx = info.context
        retried = await dead_letters.retry_dead_letter(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            dead_letter_id=node_id("DeadLetter", input.dead_letter_id, "deadLetterId"),
        )
        return RetryDeadLetterPayload(dead_letter=DeadLetter.of(retried))

    @strawberry.mutation(
        description="OWNER, audited. Runs a scheduled job now and to its end instead of at its next slot (a "
        "zero-day freeze's commissions released at once, say). It does what is due for every shop, as its "
        "scheduled run would; one run on demand of a job at a time (CRON_JOB_RUNNING)."
    )
    @user_errors_in(RunCronJobPayload)
    async def run_cron_job(self, info: Info, input: RunCronJobInput) -> RunCronJobPayload:
        ctx = info.context
        done = await on_demand.run_now(clients=ctx.clients, actor=await ctx.staff(), name=input.name)
        return RunCronJobPayload(cron_run=CronRun.of(done.run))
