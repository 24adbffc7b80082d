"""The arq worker: clients opened once in `on_startup`, closed in `on_shutdown`; the event task, the cron jobs,
and arq's health check (a key the worker refreshes every 30 s; `arq.worker.async_check_health` reads it).

arq retries only on `Retry`, so every job here is idempotent and turns transient failures into `Retry`.
"""

from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC
from typing import Any

from arq import func
from arq.connections import ArqRedis
from arq.cron import CronJob

from startup.clients import open_clients
from startup.redis_connection import redis_client
from startup.settings import Settings
from workers.crons import cron_jobs as scheduled
from workers.events import DEFAULT_RETRY, HANDLERS, Handlers, RetryPolicy, handle_event

# The event task counts its own attempts in the outbox and dead-letters by them; arq's count only has to
# stay out of the way (it also counts runs interrupted by a restart).
_ARQ_MAX_TRIES = 1000


def worker_options(
    settings: Settings,
    *,
    handlers: Handlers = HANDLERS,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
    cron_jobs: Sequence[CronJob] | None = None,
) -> dict[str, Any]:
    async def on_startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ctx["stack"] = stack
        ctx["clients"] = await stack.enter_async_context(open_clients(settings))
        ctx["handlers"] = handlers
        ctx["retry_policy"] = retry_policy

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["stack"].aclose()

    return {
        # No result is kept, so a finished job's id is free again: a dead letter retried later reuses it.
        "functions": [func(handle_event, name="handle_event", keep_result=0, max_tries=_ARQ_MAX_TRIES, timeout=120)],
        "cron_jobs": scheduled() if cron_jobs is None else list(cron_jobs),
        # The schedule's hours are UTC (workers/crons.py); arq reads them in the host's zone unless told, so on a
        # host set to China time the nightly segment facts would run at 19:30 in the stores instead of 03:30.
        "timezone": UTC,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        # arq's own RedisSettings reach neither a Sentinel with a password nor one over TLS with our CA: the pool
        # is made the way the API makes its client. Closing a worker only drops its connections, so `jike worker`
        # starts the next one on the same pool; arq makes no connection of its own, so retries none either.
        "redis_pool": redis_client(settings, ArqRedis),
        "health_check_interval": 30,
    }
