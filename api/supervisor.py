"""`jike dev`'s child processes: started in dependency order, restarted when one dies (with backoff, giving up on
one that keeps dying as soon as it starts), and stopped in the reverse order on Ctrl-C or SIGTERM: the API and the
worker first, while the servers they talk to still answer, then those servers.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import IO, TextIO

from api import embedded


class Stage(IntEnum):
    """Stages stop highest first, the children of one stage together."""

    # MongoDB, Redis, the payments sandbox, the fake WeChat/Alipay server: what the service talks to.
    SERVERS = 0
    # The API and the worker.
    SERVICE = 1


# How long a stage may take to stop before its children are killed. The servers get longer: MongoDB writes data.
GRACE_S = {Stage.SERVICE: 2.0, Stage.SERVERS: 3.0}
# A child that dies within this long of starting died "at once"; that many times in a row and we give up.
QUICK_DEATH_S = 10.0
GIVE_UP_AFTER = 5
# Wait before restarting, by the number of deaths at once in a row (a child that ran a while waits the first).
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)
_POLL_S = 0.1


@dataclass(frozen=True)
class ChildSpec:
    name: str  # as the developer knows it: "the API", "MongoDB"
    command: list[str]
    stage: Stage
    env: Mapping[str, str] | None = None
    # Its first start waits until something listens here.
    port: int | None = None
    # Where its output goes (appended); None: this terminal.
    log: Path | None = None
    # SecantusDB notices its stop only when its accept() returns (closing a listening socket does not wake it on
    # Linux), else it waits out a 2 s join: a connection to its port while it stops saves those 2 s.
    knock_to_stop: bool = False


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes]
    started: float
    log: IO[bytes] | None
    deaths_at_once: int = 0
    restart_at: float | None = None


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived while the stack was still starting."""


class GaveUp(SystemExit):
    """A child could not be kept running; the message says which and where its output is."""


def _how(returncode: int) -> str:
    if returncode < 0:
        return f"was killed by {signal.Signals(-returncode).name}"
    return f"exited with status {returncode}"


class Supervisor:
    def __init__(self, out: TextIO = sys.stderr) -> None:
        self._out = out
        self._children: list[_Child] = []
        self._stopping = False

    @contextmanager
    def handling_signals(self) -> Iterator[None]:
        """Ctrl-C and SIGTERM only ask to stop; the supervisor stops its children itself, in order."""

        def ask_to_stop(signum: int, frame: object) -> None:
            self._stopping = True

        previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def start(self, spec: ChildSpec) -> None:
        """Starts the child and, if it has a port, waits until it listens. A child that exits meanwhile ends
        `jike dev`: what fails on its first start is configuration, which a restart cannot fix."""
        if self._stopping:
            raise Interrupted
        child = self._spawn(spec)
        self._children.append(child)
        while spec.port is not None and not _listening(spec.port):
            if child.process.poll() is not None:
                raise GaveUp(f"jike dev: {spec.name} {_how(child.process.returncode)} while starting. {_where(spec)}")
            if self._stopping:
                raise Interrupted
            time.sleep(_POLL_S)

    def watch(self) -> None:
        """Keeps every child running until asked to stop; raises GaveUp for a child that keeps dying at once."""
        while not self._stopping:
            now = time.monotonic()
            for child in self._children:
                if child.restart_at is None and child.process.poll() is not None:
                    self._died(child, now)
                elif child.restart_at is not None and now >= child.restart_at:
                    self._restart(child)
            time.sleep(_POLL_S)

    def stop(self) -> None:
        """Stage by stage, last started first: SIGTERM to each child's process group, SIGKILL after the grace."""
        self._stopping = True
        began = time.monotonic()
        for stage in sorted(Stage, reverse=True):
            group = [c for c in self._children if c.spec.stage is stage]
            for child in group:
                _signal_group(child.process, signal.SIGTERM)
            deadline = time.monotonic() + GRACE_S[stage]
            while any(c.process.poll() is None for c in group) and time.monotonic() < deadline:
                for child in group:
                    if child.spec.knock_to_stop and child.spec.port is not None and child.process.poll() is None:
                        _listening(child.spec.port)
                time.sleep(_POLL_S / 2)
            for child in group:
                if child.process.poll() is None:
                    print(
                        f"jike dev: {child.spec.name} did not stop in {GRACE_S[stage]} s; killing it",
                        file=self._out,
                        flush=True,
                    )
                    _signal_group(child.process, signal.SIGKILL)
                    child.process.wait()
                if child.log is not None:
                    child.log.close()
        if self._children:
            print(f"jike dev: stopped everything in {time.monotonic() - began:.1f} s", file=self._out, flush=True)

    def _spawn(self, spec: ChildSpec) -> _Child:
        log = spec.log.open("ab") if spec.log is not None else None
        process = embedded.spawn(
            spec.command, supervised=True, env=spec.env, stdout=log, stderr=subprocess.STDOUT if log else None
        )
        return _Child(spec, process, time.monotonic(), log)

    def _died(self, child: _Child, now: float) -> None:
        lived = now - child.started
        how = _how(child.process.returncode)
        child.deaths_at_once = child.deaths_at_once + 1 if lived < QUICK_DEATH_S else 0
        if child.deaths_at_once >= GIVE_UP_AFTER:
            raise GaveUp(
                f"jike dev: {child.spec.name} died {child.deaths_at_once} times in a row, each within "
                f"{QUICK_DEATH_S:.0f} s of starting (last: {how}); giving up and stopping everything. "
                f"{_where(child.spec)}"
            )
        delay = BACKOFF_S[min(child.deaths_at_once, len(BACKOFF_S) - 1)]
        print(
            f"jike dev: {child.spec.name} {how} after {lived:.0f} s; restarting it in {delay} s",
            file=self._out,
            flush=True,
        )
        child.restart_at = now + delay

    def _restart(self, child: _Child) -> None:
        if child.log is not None:
            child.log.close()
        fresh = self._spawn(child.spec)
        child.process, child.started, child.log, child.restart_at = fresh.process, fresh.started, fresh.log, None
        print(f"jike dev: {child.spec.name} restarted (pid {child.process.pid})", file=self._out, flush=True)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _where(spec: ChildSpec) -> str:
    return f"Its output is in {spec.log}." if spec.log is not None else "Its output is above."


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            # No such group: the child has just exited (send_signal then does nothing) or leads none.
            process.send_signal(sig)
