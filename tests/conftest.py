"""Real servers, started once per session: SecantusDB (MongoDB protocol), redis-server and the fake
WeChat/Alipay HTTP server. Every test gets a fresh database, an empty Redis and its own app instance.
"""

import asyncio
import gc
import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from pymongo import monitoring
from redis.asyncio import Redis

from api import embedded
from api.app import create_app
from channels.fake import FakeState, create_fake_app
from db import collections
from db.mongo import Mongo, open_mongo
from domain import tenancy
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from startup.settings import Env, Settings
from tests.databases import Databases
from tests.shard_targeting import ShardTargeting

PII_KEY = "test-pii-key-" + "x" * 32
SECRET_KEY = "test-secret-key-" + "y" * 32
OWNER_PASSWORD = "owner-password-1"
# argon2id at its least: at the production cost, hashing each test's owner and signing them in took 0.35 s of a
# test's set-up (the cost itself is production's to hold: startup/settings.py refuses less there).
PASSWORD_COST = PasswordCost(time_cost=1, memory_kib=1024)
PASSWORDS = Passwords(PASSWORD_COST)


class CommandCounter(monitoring.CommandListener):
    """Counts the commands sent to one database, so a screen's query count is a tested number."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.commands: list[str] = []
        # The same commands with the collection each names, for tests that must show what was not touched.
        self.targets: list[tuple[str, str]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.database is not None and event.database_name == self.database:
            self.commands.append(event.command_name)
            self.targets.append((event.command_name, str(event.command.get(event.command_name))))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


COUNTER = CommandCounter()
SHARD_TARGETING = ShardTargeting()
DATABASES = Databases()
# Registered before any client exists: PyMongo applies global listeners to clients made afterwards.
monitoring.register(COUNTER)
monitoring.register(SHARD_TARGETING)
monitoring.register(DATABASES)
# Under xdist the controller gathers every worker's offences (each worker watched its own share of the tests).
WORKERS_OFFENCES: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    WORKERS_OFFENCES.extend(node.workeroutput.get("shard_offences", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session fails when a command on a sharded collection did not name merchant_id (see db/sharding.py)."""
    offences = SHARD_TARGETING.report()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["shard_offences"] = offences
        return
    offences += WORKERS_OFFENCES
    if not offences:
        return
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "commands a sharded cluster would send to every shard (db/sharding.py)", red=True)
        for line in sorted(set(offences)):
            reporter.write_line(line)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The slow tests are handed out first, and the short ones fill in around them: in collection order, the
    # scale-out test (two minutes) came near the end, and one worker ran it alone while the other sat idle.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@dataclass(frozen=True)
class Servers:
    mongo_uri: str
    redis_port: int


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    mongo_port, redis_port = embedded.free_port(), embedded.free_port()
    with embedded.scratch_mongo(mongo_port):
        redis = embedded.start_redis(redis_port, None)
        try:
            yield Servers(f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true", redis_port)
        finally:
            embedded.stop(redis)


# pymongo 4.20 closes the socket of a connection attempt on OSError only, so an attempt that a client's close()
# cancels (its monitor reconnecting to a server a test stopped) leaves an open socket to the garbage collector.
# Tests that stop servers ignore that warning, and their server fixtures collect such sockets before the test
# ends, so that none can fail a later test.
IGNORE_CANCELLED_CONNECT = "ignore:unclosed <socket.socket:ResourceWarning"


@dataclass
class OwnServer:
    """A MongoDB or Redis process of the test's own on a port of its own, so stopping it (an outage) leaves the
    session's servers alone; `start` again brings it back on the same port. The fixture stops whatever runs."""

    url: str
    port: int
    launch: Callable[[int], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        assert self.process is None, "already running"
        self.process = await asyncio.to_thread(self.launch, self.port)

    async def stop(self) -> None:
        if self.process is not None:
            await asyncio.to_thread(embedded.stop, self.process)
            self.process = None


async def eventually(condition: Callable[[], Awaitable[bool]], within_s: float, every_s: float = 0.1) -> bool:
    """Whether `condition` comes true within `within_s` (a server coming back, a worker draining)."""
    for _ in range(int(within_s / every_s)):
        if await condition():
            return True
        await asyncio.sleep(every_s)
    return await condition()


@pytest.fixture
async def mongo_server(tmp_path: Path) -> AsyncIterator[OwnServer]:
    """Not started yet. Its data is kept on disk, so it is all there again after a restart."""
    port = embedded.free_port()
    storage = tmp_path / "mongo"
    server = OwnServer(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", port, lambda p: embedded.start_mongo(p, storage)
    )
    try:
        yield server
    finally:
        await server.stop()
        gc.collect()


@pytest.fixture
async def redis_server() -> AsyncIterator[OwnServer]:
    """Not started yet; keeps nothing across a restart."""
    port = embedded.free_port()
    server = OwnServer(f"redis://127.0.0.1:{port}/0", port, lambda p: embedded.start_redis(p, None))
    try:
        yield server
    finally:
        await server.stop()
        gc.collect()


WECHAT_APPID = "wxtest000000000000"
WECHAT_SECRET = "wechat-test-secret"
ALIPAY_APP_ID = "2021000000009999"


@dataclass(frozen=True)
class Channels:
    base_url: str
    state: FakeState
    app_private_key: rsa.RSAPrivateKey
    alipay_private_key: rsa.RSAPrivateKey


@pytest.fixture(scope="session")
async def channels() -> AsyncIterator[Channels]:
    app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    alipay_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    port = embedded.free_port()
    state = FakeState(
        appid=WECHAT_APPID,
        secret=WECHAT_SECRET,
        alipay_app_id=ALIPAY_APP_ID,
        alipay_app_public_key=app_key.public_key(),
        alipay_private_key=alipay_key,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_fake_app(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    yield Channels(f"http://127.0.0.1:{port}", state, app_key, alipay_key)
    server.should_exit = True
    await task


@pytest.fixture
def settings(servers: Servers, channels: Channels, request: pytest.FixtureRequest) -> Settings:
    new = f"t_{uuid.uuid4().hex[:12]}"
    alipay_public = (
        channels.alipay_private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=servers.mongo_uri,
        # A used database only for a test whose `mongo` fixture checks and empties it; any other gets a new one.
        mongodb_db=DATABASES.name(new) if "mongo" in request.fixturenames else new,
        redis_url=f"redis://127.0.0.1:{servers.redis_port}/0",
        secret_key=SECRET_KEY,
        pii_key=PII_KEY,
        wechat_api_base=channels.base_url,
        wechat_appid=WECHAT_APPID,
        wechat_secret=WECHAT_SECRET,
        alipay_api_base=f"{channels.base_url}/gateway.do",
        alipay_app_id=ALIPAY_APP_ID,
        alipay_app_private_key=_pem(channels.app_private_key),
        alipay_public_key=alipay_public,
        password_time_cost=PASSWORD_COST.time_cost,
        password_memory_kib=PASSWORD_COST.memory_kib,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The test's settings as the JIKE_* variables a `jike` process reads (a worker, a verb)."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        elif isinstance(value, dict):
            value = json.dumps(value)
        env[f"JIKE_{name.upper()}"] = str(value)
    return env


@pytest.fixture
async def mongo(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[Mongo]:
    """The test's own database, empty and indexed as db/indexes.py says (tests/databases.py); Redis is emptied
    before each test. A test that leaves a dead letter fails, unless it is marked `dead_letters` (it makes them on
    purpose): an event the worker could not handle is a bug somewhere, even when the test's own assertions pass."""
    handle = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    redis = Redis.from_url(settings.redis_url.get_secret_value())
    await redis.flushdb()
    await redis.aclose()
    await DATABASES.prepare(handle)
    yield handle
    dead = await handle.db[collections.DEAD_LETTERS].find({}, {"kind": 1, "error": 1}).to_list()
    await DATABASES.release(handle)
    await handle.close()
    if request.node.get_closest_marker("dead_letters") is None:
        assert dead == [], "the test left dead letters it did not expect"


@pytest.fixture
def pii() -> PiiCipher:
    return PiiCipher(PII_KEY)


@pytest.fixture
async def client(settings: Settings, mongo: Mongo) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://jike.test") as http:
            yield http


@contextmanager
def count_commands(mongo: Mongo) -> Iterator[list[str]]:
    COUNTER.database = mongo.db.name
    COUNTER.commands = []
    COUNTER.targets = []
    try:
        yield COUNTER.commands
    finally:
        COUNTER.database = None


@contextmanager
def count_commands_on(mongo: Mongo) -> Iterator[list[tuple[str, str]]]:
    """Like `count_commands`, each command with the collection it names: `("find", "coupons")`."""
    with count_commands(mongo):
        yield COUNTER.targets


@dataclass(frozen=True)
class Gql:
    http: httpx.AsyncClient

    async def __call__(
        self,
        door: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        response = await self.raw(door, query, variables, token=token, lang=lang)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def raw(
        self,
        door: str,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        lang: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        if lang:
            headers["accept-language"] = lang
        return await self.http.post(
            f"/graphql/{door}", json={"query": query, "variables": variables or {}}, headers=headers
        )


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Gql:
    return Gql(client)


@dataclass(frozen=True)
class Shop:
    merchant: tenancy.NewMerchant
    owner_phone: str


async def open_shop(mongo: Mongo, pii: PiiCipher, owner_phone: str, name: str = "甲店") -> Shop:
    created = await tenancy.create_merchant(
        mongo=mongo,
        pii=pii,
        passwords=PASSWORDS,
        name=name,
        store_name=f"{name}一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone=owner_phone,
        owner_password=OWNER_PASSWORD,
    )
    return Shop(created, owner_phone)


@pytest.fixture
async def shop(mongo: Mongo, pii: PiiCipher) -> Shop:
    return await open_shop(mongo, pii, "13900000001")


STAFF_LOGIN = """
mutation($phone: String!, $password: String!) {
  staffLogin(input: {phone: $phone, password: $password}) {
    session { accessToken refreshToken }
    userErrors { field code message }
  }
}
"""


async def staff_token(gql: Gql, phone: str, password: str = OWNER_PASSWORD) -> str:
    body = await gql("admin", STAFF_LOGIN, {"phone": phone, "password": password})
    session = body["data"]["staffLogin"]["session"]
    assert session, body
    return str(session["accessToken"])


@pytest.fixture
async def owner_token(gql: Gql, shop: Shop) -> str:
    return await staff_token(gql, shop.owner_phone)
