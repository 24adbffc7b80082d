"""Staff sign-in givens: one app reached from as many client addresses as a test needs (directly, or through a
proxy that says whom it forwards for), since the lockout counts failures per phone and address.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from api.app import create_app
from db.mongo import Mongo
from startup.settings import Settings
from tests.conftest import Gql


class Doors:
    """The app as seen from client addresses: each `at` is its own HTTP client, closed with the app."""

    def __init__(self, app: ASGIApp, stack: AsyncExitStack) -> None:
        self.app = app
        self.stack = stack

    async def at(self, address: str, *, forwarded_for: str | None = None) -> Gql:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
        headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
        http = httpx.AsyncClient(transport=transport, base_url="http://jike.test", headers=headers)
        return Gql(await self.stack.enter_async_context(http))


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[Doors]:
    app = create_app(settings)
    async with LifespanManager(app) as manager, AsyncExitStack() as stack:
        yield Doors(manager.app, stack)


@pytest.fixture
async def doors(settings: Settings, mongo: Mongo) -> AsyncIterator[Doors]:
    async with serve(settings) as served:
        yield served
