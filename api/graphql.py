"""The two GraphQL endpoints: the same view class, a different schema and token audience each.

A body that is not one JSON object, or JSON nested deeper than the parser can follow, is a 400 at the door.
"""

import json
from typing import Any

import strawberry
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse

from api.auth import Authenticated, principal_of
from domain.sessions import Audience
from schema.context import Context, language_of
from schema.extensions import nothing_ran

# What a client is told to wait before sending a request again that met MongoDB or Redis down.
RETRY_AFTER_S = 5


class JikeGraphQL(GraphQL[Context, None]):
    def decode_json(self, data: str | bytes) -> object:
        try:
            decoded = json.loads(data)
        except RecursionError as e:
            raise HTTPException(400, "The request body is JSON nested too deeply") from e
        # Batches are lists, refused by Strawberry itself since batching is off; anything else must be an object.
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return decoded

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert isinstance(request, Request)  # subscriptions are not served
        return Context(
            request=request,
            clients=request.state.clients,
            principal=principal_of(request.scope),
            lang=language_of(request),
            client_address=request.client.host if request.client else "",
        )

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        if not isinstance(response_data, list) and nothing_ran(response_data):
            # A 503 is what clients, proxies and load balancers already retry; 200 would read as an answer.
            sub_response.status_code = 503
            sub_response.headers["retry-after"] = str(RETRY_AFTER_S)
        return super().create_response(response_data, sub_response)


def graphql_endpoint(schema: strawberry.Schema, audience: Audience, *, graphiql: bool) -> Any:
    view = JikeGraphQL(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=False)
    return Authenticated(view, audience)
