"""`jike worker`'s run loop: the arq worker kept running through Redis outages, and its readiness file.

arq 0.28's `Worker.main` ends at the first connection error of its polling loop, and nothing would start it
again. Here each worker that loses Redis is closed (its running jobs cancelled, as arq's own SIGTERM does; each
job is idempotent and runs again), its `on_shutdown` run, and a new one built after a backoff, which runs
`on_startup` again. The readiness file exists only while a worker is started and polling Redis, so an exec
probe (`test -f`) reads "not ready" all through an outage, even while Redis cannot be asked.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from startup.backoff import Backoff

log = logging.getLogger(__name__)

RECONNECT = Backoff(first_s=0.5, factor=2, max_s=30)
# What arq's loop raises when Redis goes away: refused, reset or timed out (OSError, TimeoutError included).
_REDIS_GONE = (RedisConnectionError, RedisTimeoutError, OSError)
# Set in a worker's ctx once its `on_startup` has run, so only a started worker is shut down.
_STARTED = "jike.started"


async def keep_running(
    options: Mapping[str, Any], *, backoff: Backoff = RECONNECT, ready_file: Path | None = None
) -> None:
    """Runs workers made from `options` (`Worker`'s keyword arguments), one after another, until one ends by
    itself (burst mode), SIGTERM or SIGINT stops it, or this is cancelled."""
    readiness = _Readiness(ready_file)
    readiness.set(False)
    stopping = asyncio.Event()
    failures = 0
    while True:
        worker = Worker(**_starting(options, on_started=lambda: readiness.set(True)))
        worker.on_stop = lambda _signal: stopping.set()
        main = asyncio.create_task(worker.main())
        # arq's signal handler cancels `main_task`: a signal stops this worker as it would under `Worker.run`.
        worker.main_task = main
        try:
            await main
            return
        except _REDIS_GONE as e:
            # A worker that got going starts the backoff afresh; one that never reached Redis adds to it.
            failures = 1 if _STARTED in worker.ctx else failures + 1
            delay = backoff.delay(failures)
            log.warning("worker lost Redis (%s: %s); a new one in %.1fs", type(e).__name__, e, delay)
        except asyncio.CancelledError:
            if stopping.is_set():
                return
            raise
        finally:
            readiness.set(False)
            await _close(worker)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
            return


def _starting(options: Mapping[str, Any], *, on_started: Callable[[], None]) -> dict[str, Any]:
    """The options, with an `on_startup` that also marks the worker started, once the given one has run."""
    startup = options.get("on_startup")

    async def on_startup(ctx: dict[str, Any]) -> None:
        if startup is not None:
            await startup(ctx)
        ctx[_STARTED] = True
        on_started()

    return {**options, "on_startup": on_startup}


async def _close(worker: Worker) -> None:
    """`Worker.close` for a worker whose Redis may be gone: every step that needs Redis may fail."""
    for task in worker.tasks.values():
        task.cancel()
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    pool: ArqRedis | None = worker.ctx.get("redis")
    if pool is not None:
        with contextlib.suppress(RedisError, OSError):
            await pool.delete(worker.health_check_key)
    if _STARTED in worker.ctx and worker.on_shutdown is not None:
        await worker.on_shutdown(worker.ctx)
    if pool is not None:
        await pool.aclose()


class _Readiness:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    def set(self, ready: bool) -> None:
        if self.path is None:
            return
        if ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        else:
            self.path.unlink(missing_ok=True)
