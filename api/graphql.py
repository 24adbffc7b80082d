"""The two GraphQL endpoints: the same view class, a different schema and token audience each."""

from typing import Any

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from api.auth import Authenticated, principal_of
from domain.sessions import Audience
from schema.context import Context, language_of


class JikeGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert isinstance(request, Request)  # subscriptions are not served
        return Context(
            request=request,
            clients=request.state.clients,
            principal=principal_of(request.scope),
            lang=language_of(request),
        )


def graphql_endpoint(schema: strawberry.Schema, audience: Audience, *, graphiql: bool) -> Any:
    view = JikeGraphQL(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False)
    return Authenticated(view, audience)
