"""Bearer-token authentication at the door of each GraphQL endpoint.

A token that is present but bad (expired, tampered, for the other schema, or of an account closed since) is a 401
before any GraphQL runs; no token means an anonymous request, which may only reach the sign-in mutations.
"""

import json
import logging

from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.sessions import Audience, InvalidToken, Principal, access_ended
from startup.clients import Clients

log = logging.getLogger(__name__)

PRINCIPAL_KEY = "jike.principal"


def principal_of(scope: Scope) -> Principal | None:
    principal = scope.get(PRINCIPAL_KEY)
    return principal if isinstance(principal, Principal) else None


class Authenticated:
    def __init__(self, app: ASGIApp, audience: Audience) -> None:
        self.app = app
        self.audience = audience

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        if header:
            scheme, _, token = header.partition(" ")
            clients: Clients = scope["state"]["clients"]
            try:
                if scheme.lower() != "bearer" or not token:
                    raise InvalidToken("not a bearer token")
                principal = clients.signer.verify(token.strip(), self.audience)
            except InvalidToken:
                await self._unauthorized(send)
                return
            if await self._ended(clients, principal):
                await self._unauthorized(send)
                return
            scope[PRINCIPAL_KEY] = principal
        await self.app(scope, receive, send)

    @staticmethod
    async def _ended(clients: Clients, principal: Principal) -> bool:
        try:
            return await access_ended(redis=clients.redis, principal=principal)
        except RedisError as e:
            # Without Redis every signed-in request would fail; a closed account's data is already gone, and its
            # tokens expire within minutes on their own.
            log.warning("could not check whether %s's access was ended: %s", principal.subject_id, e)
            return False

    @staticmethod
    async def _unauthorized(send: Send) -> None:
        body = json.dumps(
            {"errors": [{"message": "invalid or expired access token", "extensions": {"code": "UNAUTHENTICATED"}}]}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b'Bearer error="invalid_token"'),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
