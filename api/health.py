"""Liveness, readiness and Prometheus metrics endpoints, and the index set-up readiness waits for.

/metrics is this process's HTTP figures and the whole deployment's (domain.ops_metrics), read at scrape. With
JIKE_METRICS_TOKEN set it wants `Authorization: Bearer <token>`; without, it is open outside production and
absent (404) in production, so figures are never public by accident.

The API starts whether or not MongoDB answers: indexes it could not ensure at start are retried in the background
with backoff, and /readyz names MongoDB until they are, so a load balancer sends no traffic before the unique
indexes exist.
"""

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pymongo.errors import ConnectionFailure
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.middleware import HttpMetrics
from db.indexes import ensure_indexes
from db.mongo import Mongo
from domain.ops_metrics import OpsFigures, read_figures
from startup.backoff import Backoff
from startup.clients import Clients
from startup.settings import Env

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


class _Figures(Collector):
    """The deployment-wide figures of one scrape, as Prometheus metric families."""

    def __init__(self, figures: OpsFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        yield GaugeMetricFamily(
            "jike_outbox_lag_seconds", "Age of the oldest outbox event due and not yet relayed", value=f.outbox_lag_s
        )
        yield GaugeMetricFamily("jike_dead_letters", "Dead letters waiting for a retry", value=f.dead_letters)
        bills = GaugeMetricFamily("jike_payout_bills", "Payout transfer bills by state", labels=["state"])
        for state, n in sorted(f.payout_bills.items()):
            bills.add_metric([state], n)
        yield bills
        jobs = CounterMetricFamily("jike_jobs", "Worker jobs (events and crons) by outcome", labels=["job", "outcome"])
        for (job, outcome), n in sorted(f.jobs.items()):
            jobs.add_metric([job, outcome], n)
        yield jobs


def _allowed(request: Request) -> Response | None:
    """None when the caller may read the metrics, else the answer to give."""
    settings = request.state.clients.settings
    token = settings.metrics_token.get_secret_value()
    if not token:
        return PlainTextResponse("not found", status_code=404) if settings.env is Env.PRODUCTION else None
    given = request.headers.get("authorization", "")
    if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return None
    return PlainTextResponse("unauthorized", status_code=401, headers={"www-authenticate": "Bearer"})


def metrics_endpoint(metrics: HttpMetrics) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def metrics_view(request: Request) -> Response:
        refused = _allowed(request)
        if refused is not None:
            return refused
        clients: Clients = request.state.clients
        figures = await read_figures(mongo=clients.mongo, redis=clients.redis, now=datetime.now(UTC))
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_Figures(figures))
        body = generate_latest(metrics.registry) + generate_latest(scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return metrics_view
