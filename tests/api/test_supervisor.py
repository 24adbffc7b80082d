"""`jike dev`'s supervisor with small real child processes: it gives up on a child that keeps dying as it starts
(backing off between tries, and saying so) instead of looping hot, and it stops the service before the servers
it talks to, each child in its own process group.
"""

import io
import sys
from pathlib import Path

import pytest

from api.embedded import free_port
from api.supervisor import BACKOFF_S, GIVE_UP_AFTER, ChildSpec, GaveUp, Stage, Supervisor

# A child that listens on a port (so its start is awaited), notes its process group, and on SIGTERM notes that,
# takes `linger` seconds to finish, and notes that too.
LISTENER = """
import os, signal, socket, sys, time
name, port, notes, linger = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
def note(line):
    with open(notes, "a") as f:
        f.write(line + "\\n")
def on_term(signum, frame):
    note(f"TERM {name}")
    time.sleep(linger)
    note(f"gone {name}")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
note(f"group {name} {os.getpid() == os.getpgid(0)}")
server = socket.socket()
server.bind(("127.0.0.1", port))
server.listen()
while True:
    time.sleep(1)
"""


@pytest.mark.slow
def test_a_child_that_keeps_dying_as_it_starts_is_given_up_on_with_a_clear_message(tmp_path: Path) -> None:
    # given a child that exits with status 3 as soon as it starts, noting each start
    starts = tmp_path / "starts"
    crashing = ChildSpec("the crashing thing", ["/bin/sh", "-c", f"echo start >> {starts}; exit 3"], Stage.SERVICE)
    out = io.StringIO()
    supervisor = Supervisor(out)

    # when jike dev supervises it
    supervisor.start(crashing)
    try:
        with pytest.raises(GaveUp) as gave_up:
            supervisor.watch()
    finally:
        supervisor.stop()

    # then it tried a bounded number of times, waiting longer each time and saying so, then gave up naming it
    assert starts.read_text().count("start") == GIVE_UP_AFTER
    said = out.getvalue()
    assert said.count("jike dev: the crashing thing exited with status 3 after") == GIVE_UP_AFTER - 1, said
    for delay in BACKOFF_S[1:GIVE_UP_AFTER]:
        assert f"restarting it in {delay} s" in said, said
    message = str(gave_up.value.code)
    assert f"the crashing thing died {GIVE_UP_AFTER} times in a row" in message, message
    assert "exited with status 3" in message and "giving up" in message, message


def test_the_service_stops_before_the_servers_each_child_in_its_own_group(tmp_path: Path) -> None:
    # given a server and a service that takes a moment to shut down, both listening
    notes = tmp_path / "notes"

    def child(name: str, stage: Stage, linger: float) -> ChildSpec:
        port = free_port()
        return ChildSpec(
            name, [sys.executable, "-c", LISTENER, name, str(port), str(notes), str(linger)], stage, port=port
        )

    supervisor = Supervisor(io.StringIO())
    try:
        supervisor.start(child("server", Stage.SERVERS, 0.0))
        supervisor.start(child("service", Stage.SERVICE, 0.5))
    finally:
        # when jike dev stops
        supervisor.stop()

    # then each child led its own process group, and the server was asked to stop only once the service had gone
    lines = notes.read_text().splitlines()
    assert sorted(lines[:2]) == ["group server True", "group service True"]
    assert lines[2:] == ["TERM service", "gone service", "TERM server", "gone server"]
