"""The one way a Redis client is made from the settings, for the API's clients bundle and for arq's pool alike: a
plain or TLS (`rediss://`) connection to JIKE_REDIS_URL, or, with JIKE_REDIS_SENTINELS set, the master that those
Sentinels name, found again after a failover. The class is the caller's (redis-py's `Redis`, arq's `ArqRedis`).
"""

from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from startup.settings import Settings

# Redis answers in well under a millisecond when it is there; no command here blocks on the server side.
CONNECT_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_S = 5.0

R = TypeVar("R", bound=Redis)


def redis_client(settings: Settings, redis_class: type[R], **options: Any) -> R:
    """A client of `redis_class` for the Redis the settings name; nothing connects until the first command.
    `options` go to every connection to the master (`decode_responses`, say)."""
    master = {**connection_options(settings), **options}
    sentinels = settings.sentinel_addresses
    if not sentinels:
        url = urlsplit(settings.redis_url.get_secret_value())
        return redis_class(host=url.hostname or "localhost", port=url.port or 6379, **master)
    sentinel = Sentinel(sentinels, sentinel_kwargs=sentinel_options(settings), **master)  # type: ignore[no-untyped-call]
    client = sentinel.master_for(
        settings.redis_sentinel_master, redis_class=redis_class, connection_pool_class=_SentinelPool
    )
    assert isinstance(client, redis_class)
    return client


def connection_options(settings: Settings) -> dict[str, Any]:
    """What each connection to the master needs: database, credentials, timeouts and, for `rediss://`, TLS."""
    url = urlsplit(settings.redis_url.get_secret_value())
    path = url.path.lstrip("/")
    options: dict[str, Any] = {
        "db": int(path) if path else 0,
        "username": unquote(url.username) if url.username else None,
        "password": unquote(url.password) if url.password else None,
        # Without timeouts a Redis that stops answering (a partition, a paused host) holds a request for ever.
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": COMMAND_TIMEOUT_S,
    }
    return options | _tls(settings)


def sentinel_options(settings: Settings) -> dict[str, Any]:
    """What each connection to a Sentinel needs: its own password (Sentinels do not share the master's), the same
    timeouts, and TLS when the master is reached by TLS (a deployment encrypts both or neither)."""
    password = settings.redis_sentinel_password.get_secret_value()
    return {
        "password": password or None,
        "socket_connect_timeout": CONNECT_TIMEOUT_S,
        "socket_timeout": COMMAND_TIMEOUT_S,
    } | _tls(settings)


def _tls(settings: Settings) -> dict[str, Any]:
    if not settings.redis_tls:
        return {}
    ca = settings.redis_tls_ca_file
    return {
        "ssl": True,
        "ssl_cert_reqs": "required",
        # None: the system's trust store, for a managed Redis whose certificate a public CA signed.
        "ssl_ca_certs": str(ca) if ca else None,
        "ssl_check_hostname": settings.redis_tls_check_hostname,
    }


class _SentinelPool(SentinelConnectionPool):
    """Closing the client closes its connections to the Sentinels too; redis-py's own pool leaves them open."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        for sentinel in self.sentinel_manager.sentinels:
            await sentinel.aclose()
