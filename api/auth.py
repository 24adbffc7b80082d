"""Bearer-token authentication at the door of each GraphQL endpoint.

A token that is present but bad (expired, tampered, or for the other schema) is a 401 before any GraphQL
runs; no token means an anonymous request, which may only reach the sign-in mutations.
"""

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from domain.sessions import Audience, InvalidToken, Principal
from startup.clients import Clients

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
                scope[PRINCIPAL_KEY] = clients.signer.verify(token.strip(), self.audience)
            except InvalidToken:
                await self._unauthorized(send)
                return
        await self.app(scope, receive, send)

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
