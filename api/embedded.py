"""The embedded default: a SecantusDB (MongoDB wire protocol) and a real redis-server, each its own process.

SecantusDB is GPL-2.0 and only ever runs as a separate program here; nothing of ours imports it.
Used by `jike dev` with data kept under JIKE_DATA_DIR, and by the tests with throwaway storage.
"""

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM if the supervisor dies without cleaning up (kill -9, a crashed shell).
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 == PR_SET_PDEATHSIG


def spawn(args: list[str], *, supervised: bool, **kwargs: Any) -> subprocess.Popen[bytes]:
    """`supervised` children die with their parent; only for a parent in its main thread (`jike dev`). Each is
    its own process group, so a terminal's Ctrl-C reaches only the parent, which stops them in order."""
    if not supervised:
        return subprocess.Popen(args, **kwargs)
    hook = _die_with_parent if sys.platform == "linux" else None
    return subprocess.Popen(args, preexec_fn=hook, process_group=0, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found; run `make dev` or `make test`, which install it")
    return found


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout_s}s")


def mongo_command(port: int, storage: Path | None) -> list[str]:
    """`storage=None` is an ephemeral store, removed when the server stops."""
    if storage is not None:
        storage.mkdir(parents=True, exist_ok=True)
    return [
        _binary("secantusd-py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage) if storage else ":memory:",
        "--log-level",
        "WARNING",
    ]


def start_mongo(port: int, storage: Path | None) -> subprocess.Popen[bytes]:
    process = spawn(mongo_command(port, storage), supervised=False, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port, process)
    return process


def redis_command(port: int, directory: Path | None) -> list[str]:
    """With a directory, data survives restarts (append-only file); without, nothing is written."""
    args = [_binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
        return args + ["--dir", str(directory), "--appendonly", "yes"]
    return args + ["--appendonly", "no"]


def start_redis(port: int, directory: Path | None) -> subprocess.Popen[bytes]:
    process = spawn(
        redis_command(port, directory), supervised=False, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    wait_for_port(port, process)
    return process


def stop(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Throwaway:
    """A SecantusDB and a redis-server with nothing kept, for a bench run or a one-off script."""

    mongo: subprocess.Popen[bytes]
    redis: subprocess.Popen[bytes]
    mongodb_uri: str
    redis_url: str


@contextmanager
def throwaway_servers() -> Iterator[Throwaway]:
    mongo_port, redis_port = free_port(), free_port()
    with scratch_mongo(mongo_port) as mongo:
        redis = start_redis(redis_port, None)
        try:
            yield Throwaway(
                mongo,
                redis,
                f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true",
                f"redis://127.0.0.1:{redis_port}/0",
            )
        finally:
            stop(redis)


@contextmanager
def scratch_mongo(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A SecantusDB on a temporary directory, removed when it stops. On disk, not `:memory:`: an in-memory store
    keeps every page in its cache, and once a long run (the test suite, a 100k-order bench) has written most of
    the cache's 1 GB, each command waits on eviction: the suite's last databases took minutes to drop."""
    with tempfile.TemporaryDirectory(prefix="jike-mongo-") as storage:
        mongo = start_mongo(port, Path(storage))
        try:
            yield mongo
        finally:
            stop(mongo)
