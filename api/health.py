"""Liveness, readiness and Prometheus metrics endpoints, and the index set-up readiness waits for.

The API starts whether or not MongoDB answers: indexes it could not ensure at start are retried in the background
with backoff, and /readyz names MongoDB until they are, so a load balancer sends no traffic before the unique
indexes exist.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pymongo.errors import ConnectionFailure
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.middleware import HttpMetrics
from db.indexes import ensure_indexes
from db.mongo import Mongo
from startup.backoff import Backoff
from startup.clients import Clients

log = logging.getLogger(__name__)

_CHECK_TIMEOUT_S = 2.0
INDEX_RETRY = Backoff(first_s=0.5, factor=2, max_s=30)


class Indexes:
    """Every index ensured, at start-up or, while MongoDB does not answer, as soon as it does."""

    def __init__(self, mongo: Mongo, backoff: Backoff = INDEX_RETRY) -> None:
        self.mongo = mongo
        self.backoff = backoff
        self.ensured = False

    async def try_once(self) -> bool:
        """False when MongoDB did not answer; any other failure (an index it refuses) is a bug and raises."""
        try:
            await ensure_indexes(self.mongo)
        except ConnectionFailure as e:
            log.warning("indexes not ensured: MongoDB did not answer (%s)", e)
            return False
        self.ensured = True
        return True

    async def keep_trying(self) -> None:
        """After a first try that found MongoDB down: again, backing off, until it answers."""
        failures = 1
        try:
            while not self.ensured:
                await asyncio.sleep(self.backoff.delay(failures))
                failures += 1
                await self.try_once()
        except Exception:
            log.exception("indexes could not be ensured; the API stays not ready")
            raise


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _check(probe: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(probe, _CHECK_TIMEOUT_S)
    except Exception as e:  # any failure means "not ready"; the reason is reported, not raised
        return f"error: {type(e).__name__}"
    return "ok"


async def readyz(request: Request) -> Response:
    clients: Clients = request.state.clients
    indexes: Indexes = request.state.indexes
    mongo, redis = await asyncio.gather(
        _check(clients.mongo.client.admin.command("ping")),
        _check(clients.redis.ping()),
    )
    if mongo == "ok" and not indexes.ensured:
        mongo = "indexes not ensured yet"
    checks = {"mongodb": mongo, "redis": redis}
    failed = [name for name, result in checks.items() if result != "ok"]
    return JSONResponse({"ready": not failed, "failed": failed, "checks": checks}, status_code=503 if failed else 200)


def metrics_endpoint(metrics: HttpMetrics) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def metrics_view(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics_view
