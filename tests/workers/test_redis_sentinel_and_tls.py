"""Redis as production runs it: a master found through a real redis-sentinel (with passwords on both), and a
Redis spoken to over TLS with a certificate of our own CA, by the API's clients and by the arq worker alike.
"""

import datetime as dt
import ipaddress
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from redis.exceptions import ConnectionError as RedisConnectionError

from api import embedded
from db.mongo import Mongo
from startup.clients import open_clients
from startup.redis_connection import redis_client
from startup.settings import Settings, SettingsRefused
from tests.conftest import Shop
from tests.workers.conftest import Recorder, event, run_worker, with_handler
from tests.workers.test_relay import statuses

MASTER_PASSWORD = "master-pass-7f3a"
SENTINEL_PASSWORD = "sentinel-pass-91c2"
MASTER_NAME = "jike-master"


def _redis(port: int, *args: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        ["redis-server", *args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    embedded.wait_for_port(port, process)
    return process


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[str]:
    """A password-protected master and a password-protected Sentinel watching it; the Sentinel's address."""
    master_port, sentinel_port = embedded.free_port(), embedded.free_port()
    master = _redis(master_port, "--port", str(master_port), "--requirepass", MASTER_PASSWORD)
    # Sentinel rewrites its configuration file as it learns, so it gets one of its own.
    config = tmp_path / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\n"
        f"requirepass {SENTINEL_PASSWORD}\n"
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 1\n"
        f"sentinel auth-pass {MASTER_NAME} {MASTER_PASSWORD}\n"
    )
    watcher = subprocess.Popen(
        ["redis-server", str(config), "--sentinel", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        embedded.wait_for_port(sentinel_port, watcher)
        yield f"127.0.0.1:{sentinel_port}"
    finally:
        embedded.stop(watcher)
        embedded.stop(master)


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A Redis listening only on TLS with a certificate for 127.0.0.1 from a throwaway CA; its port and the CA."""
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jike test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "server.pem").write_bytes(server.public_bytes(pem))
    (tmp_path / "server.key").write_bytes(
        server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    port = embedded.free_port()
    process = _redis(
        port, "--port", "0", "--tls-port", str(port),
        "--tls-cert-file", str(tmp_path / "server.pem"),
        "--tls-key-file", str(tmp_path / "server.key"),
        "--tls-ca-cert-file", str(tmp_path / "ca.pem"),
        "--tls-auth-clients", "no",
    )  # fmt: skip
    try:
        yield port, tmp_path / "ca.pem"
    finally:
        embedded.stop(process)


async def test_the_api_and_the_worker_reach_the_master_the_sentinel_names(
    settings: Settings, mongo: Mongo, shop: Shop, sentinel: str
) -> None:
    # Given settings that name only the Sentinel, the master's name and both passwords (the URL's host is unused)
    through_sentinel = settings.model_copy(
        update={
            "redis_url": SecretStr(f"redis://:{MASTER_PASSWORD}@unused.invalid/0"),
            "redis_sentinels": sentinel,
            "redis_sentinel_master": MASTER_NAME,
            "redis_sentinel_password": SecretStr(SENTINEL_PASSWORD),
        }
    )
    # When the API's clients write a key, it is on the master
    async with open_clients(through_sentinel) as clients:
        await clients.redis.set("jike:probe", "1")
        assert await clients.redis.get("jike:probe") == "1"
    # And an event's job goes through the worker's queue on that master and is handled once
    handler = Recorder(None)
    entry_id = await event(mongo, shop, "SENTINEL_EVENT")
    await run_worker(through_sentinel, handlers=with_handler("SENTINEL_EVENT", handler))
    assert handler.runs == [entry_id]
    assert await statuses(mongo, "SENTINEL_EVENT") == ["DONE"]


async def test_without_the_sentinel_password_redis_is_not_reached(settings: Settings, sentinel: str) -> None:
    # Given the Sentinel's address but not its password
    wrong = settings.model_copy(update={"redis_sentinels": sentinel, "redis_sentinel_master": MASTER_NAME})
    client = redis_client(wrong, ArqRedis)
    # Then no command reaches a master
    with pytest.raises(RedisConnectionError):
        await client.ping()
    await client.aclose()


async def test_a_rediss_url_speaks_tls_checked_against_the_configured_ca(
    settings: Settings, tls_redis: tuple[int, Path]
) -> None:
    port, ca = tls_redis
    # Given a rediss:// URL and the CA that signed the server's certificate
    over_tls = settings.model_copy(
        update={"redis_url": SecretStr(f"rediss://127.0.0.1:{port}/0"), "redis_tls_ca_file": ca}
    )
    # Then the API's client and arq's pool both talk to it
    async with open_clients(over_tls) as clients:
        assert await clients.redis.set("jike:probe", "tls")
    pool = redis_client(over_tls, ArqRedis)
    assert await pool.enqueue_job("handle_event", "x", _job_id="tls-job") is not None
    await pool.aclose()
    # And without that CA the certificate is refused
    untrusted = redis_client(over_tls.model_copy(update={"redis_tls_ca_file": None}), ArqRedis)
    with pytest.raises(RedisConnectionError):
        await untrusted.ping()
    await untrusted.aclose()


def test_a_sentinel_that_is_not_host_and_port_is_refused_by_name(settings: Settings) -> None:
    with pytest.raises(SettingsRefused) as refused:
        Settings(_env_file=None, secret_key="k", pii_key="p", redis_sentinels="sentinel-1:26379,sentinel-2")
    assert "JIKE_REDIS_SENTINELS: 'sentinel-2' is not host:port" in str(refused.value)
