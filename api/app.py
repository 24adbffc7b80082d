"""The Starlette app factory: clients opened once in the lifespan, routes for both GraphQL doors and health."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from api.clients import Clients, open_clients
from api.graphql import graphql_endpoint
from api.health import healthz, metrics_endpoint, readyz
from api.middleware import BodyLimit, HttpMetrics, RequestContext
from api.payout_webhook import payout_webhook_routes
from api.sandbox import sandbox_routes
from api.settings import Env, Settings
from api.webhooks import InFlight, webhook_routes
from db.indexes import ensure_indexes
from domain.sessions import Audience
from schema.admin import build_admin_schema
from schema.member import build_member_schema


class State(TypedDict):
    clients: Clients


def create_app(settings: Settings) -> Starlette:
    metrics = HttpMetrics()
    # Payment notifications being handled; shutdown lets them finish before the clients close.
    inflight = InFlight()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with open_clients(settings) as clients:
            await ensure_indexes(clients.mongo)
            try:
                yield {"clients": clients}
            finally:
                await inflight.drain()

    graphiql = settings.env is Env.DEV
    return Starlette(
        routes=[
            Route(
                "/graphql/member", graphql_endpoint(build_member_schema(settings), Audience.MEMBER, graphiql=graphiql)
            ),
            Route("/graphql/admin", graphql_endpoint(build_admin_schema(settings), Audience.ADMIN, graphiql=graphiql)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(metrics)),
            *webhook_routes(inflight),
            *payout_webhook_routes(),
            *sandbox_routes(settings),
        ],
        middleware=[
            Middleware(RequestContext, metrics=metrics),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
