"""The Starlette app factory: clients opened once in the lifespan, routes for both GraphQL doors and health."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.admin_app import admin_app_routes
from api.exports import export_routes
from api.graphql import graphql_endpoint
from api.health import Indexes, healthz, metrics_endpoint, readyz
from api.middleware import BodyLimit, HttpMetrics, RequestContext
from api.payout_webhook import payout_webhook_routes
from api.sandbox import sandbox_routes
from api.sms_reply import sms_reply_routes
from api.webhooks import Applying, webhook_routes
from domain.sessions import Audience
from schema.admin import build_admin_schema
from schema.extensions import QueryLimits
from schema.member import build_member_schema
from startup.clients import Clients, open_clients
from startup.settings import Env, Settings


class State(TypedDict):
    clients: Clients
    # Payment notifications being kept and applied behind the webhooks' answers.
    applying: Applying
    indexes: Indexes


def create_app(settings: Settings) -> Starlette:
    metrics = HttpMetrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with open_clients(settings) as clients:
            # With MongoDB up the API starts with its indexes; with it down (one selection timeout) the API starts
            # anyway, answers /readyz 503 naming MongoDB, and ensures them in the background once it answers.
            indexes = Indexes(clients.mongo)
            retrying = [] if await indexes.try_once() else [asyncio.create_task(indexes.keep_trying())]
            applying = Applying(clients.mongo)
            try:
                yield {"clients": clients, "applying": applying, "indexes": indexes}
            finally:
                for task in retrying:
                    task.cancel()
                await asyncio.gather(*retrying, return_exceptions=True)
                # Notifications kept are applied before the clients close.
                await applying.drain()

    graphiql = settings.env is Env.DEV
    limits = QueryLimits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_tokens=settings.graphql_max_tokens,
        max_cost=settings.graphql_max_cost,
        introspection=settings.introspection,
        suggestions=settings.env is not Env.PRODUCTION,
    )
    # Only these peers' X-Forwarded-For names the client; anyone else could claim to be anyone.
    proxied = (
        [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)] if settings.trusted_proxies else []
    )
    return Starlette(
        routes=[
            Route("/graphql/member", graphql_endpoint(build_member_schema(limits), Audience.MEMBER, graphiql=graphiql)),
            Route("/graphql/admin", graphql_endpoint(build_admin_schema(limits), Audience.ADMIN, graphiql=graphiql)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(metrics)),
            *webhook_routes(),
            *payout_webhook_routes(),
            *sms_reply_routes(),
            *export_routes(),
            *sandbox_routes(settings),
            *admin_app_routes(settings.admin_app_dir),
        ],
        middleware=[
            *proxied,
            Middleware(RequestContext, metrics=metrics),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        lifespan=lifespan,
    )
