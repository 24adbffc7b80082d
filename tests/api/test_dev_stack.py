"""`jike dev` as a developer runs it: the whole stack (embedded SecantusDB and redis-server, the fakes, the API, the
worker) in a fresh data dir on free ports. A child that dies comes back and works again; Ctrl-C stops everything,
in order, quickly, leaving no process behind.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.embedded import free_port

JIKE = str(Path(sys.executable).parent / "jike")
# Generous: the whole stack starts from nothing, on a machine shared with other test runs.
UP_WITHIN_S = 240
BACK_WITHIN_S = 120


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@dataclass
class DevStack:
    process: subprocess.Popen[bytes]
    port: int
    output: Path

    def said(self) -> str:
        return self.output.read_text(errors="replace")

    def processes(self) -> list[int]:
        """Every process under the supervisor, whatever its depth."""
        found, todo = [], [self.process.pid]
        while todo:
            for child in _children(todo.pop()):
                found.append(child)
                todo.append(child)
        return found

    def child(self, verb: str) -> int | None:
        """The pid of the `jike <verb>` child (serve, worker), if one is running."""
        return next((p for p in _children(self.process.pid) if f"api.cli {verb}" in _command(p) and _alive(p)), None)

    def wait_for(self, what: str, done: Callable[[], bool], within_s: float) -> None:
        deadline = time.monotonic() + within_s
        while not done():
            assert self.process.poll() is None, (
                f"jike dev exited ({self.process.returncode}) while waiting for {what}:\n{self.said()[-3000:]}"
            )
            assert time.monotonic() < deadline, f"no {what} after {within_s} s:\n{self.said()[-3000:]}"
            time.sleep(0.2)

    def answers(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
def dev_stack(tmp_path: Path) -> Iterator[DevStack]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIKE_")}
    port = free_port()
    env |= {"JIKE_DATA_DIR": str(tmp_path / "data"), "JIKE_HTTP_PORT": str(port)}
    output = tmp_path / "jike-dev.out"
    with output.open("wb") as out:
        # Its own session, as a terminal's foreground job: SIGINT to its group is the developer's Ctrl-C.
        process = subprocess.Popen(
            [JIKE, "dev"], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack = DevStack(process, port, output)
    seen: set[int] = set()
    try:
        stack.wait_for("'Jike is up'", lambda: "Jike is up" in stack.said(), UP_WITHIN_S)
        yield stack
    finally:
        seen.update(stack.processes())
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in seen:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_killed_api_comes_back_and_answers(dev_stack: DevStack) -> None:
    # given the dev stack up and its API answering
    killed = dev_stack.child("serve")
    assert killed is not None and dev_stack.answers()

    # when the API process is killed outright
    os.kill(killed, signal.SIGKILL)

    # then jike dev says so and starts another, which answers on the same port
    dev_stack.wait_for("new API process", lambda: dev_stack.child("serve") not in (None, killed), BACK_WITHIN_S)
    dev_stack.wait_for("answer from the new API", dev_stack.answers, BACK_WITHIN_S)
    said = dev_stack.said()
    assert "jike dev: the API was killed by SIGKILL" in said and "restarting it" in said, said[-3000:]


@pytest.mark.slow
def test_a_killed_worker_comes_back_and_runs_jobs_again(dev_stack: DevStack) -> None:
    # given the dev stack up, its worker running the relay cron
    killed = dev_stack.child("worker")
    assert killed is not None

    # when the worker process is killed outright
    os.kill(killed, signal.SIGKILL)

    # then jike dev says so and starts another, which runs the relay again
    dev_stack.wait_for("new worker process", lambda: dev_stack.child("worker") not in (None, killed), BACK_WITHIN_S)
    line = "jike dev: the worker was killed by SIGKILL"

    def relayed_since_restart() -> bool:
        _, restarted, after = dev_stack.said().partition(line)
        return bool(restarted) and "← relay_outbox" in after

    dev_stack.wait_for("relay run by the new worker", relayed_since_restart, BACK_WITHIN_S)


@pytest.mark.slow
def test_ctrl_c_stops_everything_in_seconds_leaving_no_process(dev_stack: DevStack) -> None:
    # given the dev stack up
    running = dev_stack.processes()
    assert len(running) >= 6, [_command(p) for p in running]

    # when the developer presses Ctrl-C (the terminal signals the whole foreground process group)
    started = time.monotonic()
    os.killpg(dev_stack.process.pid, signal.SIGINT)
    dev_stack.process.wait(60)
    took = time.monotonic() - started

    # then jike dev is gone, and so is every process it started. It takes about 1-2 s here (printed; the issue's
    # target is 3 s); the bound is looser because a shared, loaded machine stretches any timing, while the
    # supervisor's own kill deadlines (2 s for the API and worker, then 3 s for the servers) cap it by design and
    # the stall this replaced took 11-13 s
    print(f"Ctrl-C to exit: {took:.2f} s")
    assert took < 8.0, f"{took:.2f} s:\n{dev_stack.said()[-3000:]}"
    assert [_command(p) for p in running if _alive(p)] == []
