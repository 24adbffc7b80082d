"""Channel clients built the way startup/clients.py builds them, over an HTTP client that records every
upstream call, plus an impostor Alipay gateway that signs its answers with a key we do not trust.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from redis.asyncio import Redis

from api import embedded
from channels.alipay import AlipayClient
from channels.fake import FakeState, create_fake_app
from channels.wechat import WeChatClient
from startup.settings import Settings
from tests.conftest import ALIPAY_APP_ID, WECHAT_APPID, WECHAT_SECRET, Channels


@dataclass
class Upstream:
    """The paths of every request our client sent, in order."""

    paths: list[str] = field(default_factory=list)
    # Seconds to hold the next request to a path: a request still in flight while others complete.
    holds: dict[str, float] = field(default_factory=dict)

    async def record(self, request: httpx.Request) -> None:
        path = urlsplit(str(request.url)).path
        self.paths.append(path)
        if (seconds := self.holds.pop(path, None)) is not None:
            await asyncio.sleep(seconds)

    def count(self, path: str) -> int:
        return self.paths.count(path)


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
async def http(upstream: Upstream) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0, event_hooks={"request": [upstream.record]}) as client:
        yield client


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url.get_secret_value(), decode_responses=True)
    # The cache outlives a test in the shared redis-server; every test starts cold.
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def wechat(settings: Settings, http: httpx.AsyncClient, redis: Redis) -> WeChatClient:
    return WeChatClient(
        http=http,
        redis=redis,
        base_url=settings.wechat_api_base,
        appid=settings.wechat_appid,
        secret=settings.wechat_secret.get_secret_value(),
    )


def alipay_client(
    http: httpx.AsyncClient, gateway: str, app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPublicKey
) -> AlipayClient:
    return AlipayClient(
        http=http, gateway=gateway, app_id=ALIPAY_APP_ID, app_private_key=app_key, alipay_public_key=alipay_key
    )


@pytest.fixture(scope="session")
async def impostor(channels: Channels) -> AsyncIterator[str]:
    """The gateway URL of a fake that accepts our app's signature but signs with its own, unknown key."""
    state = FakeState(
        appid=WECHAT_APPID,
        secret=WECHAT_SECRET,
        alipay_app_id=ALIPAY_APP_ID,
        alipay_app_public_key=channels.app_private_key.public_key(),
        alipay_private_key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )
    port = embedded.free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_fake_app(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}/gateway.do"
    server.should_exit = True
    await task
