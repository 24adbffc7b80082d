"""Member sign-in helpers: fresh login codes for the fake WeChat/Alipay server, and a door onto an app
built from adjusted settings (a different trusted Alipay key, an unreachable WeChat).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from schema.ids import to_global_id
from startup.settings import Settings
from tests.conftest import Gql, Shop

LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) {
    created
    member { id nickname joinedAt }
    session { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    userErrors { field code message }
  }
}
"""


def fresh_code(user: str) -> str:
    """A login code the fake has never seen: every code works once, and the fake outlives a test."""
    return f"{user}.{uuid.uuid4().hex}"


def merchant_gid(shop: Shop) -> str:
    return to_global_id("Merchant", shop.merchant.merchant.id)


async def log_in(
    gql: Gql,
    shop: Shop,
    code: str,
    *,
    channel: str = "WECHAT",
    share_params: str | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {"code": code, "channel": channel, "merchantId": merchant_gid(shop), "shareParams": share_params}
    }
    body = await gql("member", LOGIN, variables, lang=lang)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["login"]
    return payload


@asynccontextmanager
async def door(settings: Settings) -> AsyncIterator[Gql]:
    """A second app on the same database, for settings the shared `gql` fixture does not have."""
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jike.test") as http:
            yield Gql(http)
