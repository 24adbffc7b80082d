"""Liveness, readiness and Prometheus metrics endpoints."""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.middleware import HttpMetrics
from startup.clients import Clients

_CHECK_TIMEOUT_S = 2.0


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
    mongo, redis = await asyncio.gather(
        _check(clients.mongo.client.admin.command("ping")),
        _check(clients.redis.ping()),
    )
    checks = {"mongodb": mongo, "redis": redis}
    failed = [name for name, result in checks.items() if result != "ok"]
    return JSONResponse({"ready": not failed, "failed": failed, "checks": checks}, status_code=503 if failed else 200)


def metrics_endpoint(metrics: HttpMetrics) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def metrics_view(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics_view
