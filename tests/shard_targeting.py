"""The whole suite's check that no command becomes a scatter-gather on a sharded cluster by accident: every query,
update and delete on a collection db/sharding.py shards names merchant_id, an upsert names its whole shard key,
and an insert carries merchant_id. tests/conftest.py installs the listener for the session and fails it at the end.
"""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from pymongo import monitoring

from db.sharding import CROSS_MERCHANT, SHARD_KEYS

_ROOT = str(Path(__file__).parent.parent) + os.sep
_VENV = os.sep + ".venv" + os.sep

# The field of each command that holds its filter; update and delete hold one per statement, aggregate its $match.
_FILTER_FIELD = {"find": "filter", "findAndModify": "query", "count": "query", "distinct": "query"}


def _names(query: Any, name: str) -> bool:
    """Whether `query` pins `name`: at its top, in a clause of its $and, or in every branch of its $or."""
    if not isinstance(query, dict):
        return False
    branches = query.get("$or") or ()
    return (
        name in query
        or any(_names(part, name) for part in query.get("$and", ()))
        or (bool(branches) and all(_names(part, name) for part in branches))
    )


def _sender() -> str | None:
    """Where in our code the command was sent from (file:line), or None when a test sent it itself: a test reading
    the database to check an outcome is not a request. Walked only for an offence, so it costs nothing otherwise."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(_ROOT) and _VENV not in path and path != __file__:
            where = path[len(_ROOT) :]
            if where.startswith("tests" + os.sep):
                return None
            # db/'s helpers (required_doc, field_by_id) are handed their filter: their caller is the sender.
            if not where.startswith("db" + os.sep):
                return f"{where}:{frame.f_lineno}"
        frame = frame.f_back
    return "(not our code)"


def _statements(command_name: str, command: Any) -> list[tuple[Any, bool]]:
    """Each filter the command runs, and whether it may insert (an upsert)."""
    if command_name in _FILTER_FIELD:
        return [(command.get(_FILTER_FIELD[command_name]) or {}, bool(command.get("upsert")))]
    if command_name == "update":
        return [(u.get("q"), bool(u.get("upsert"))) for u in command.get("updates", ())]
    if command_name == "delete":
        return [(d.get("q"), False) for d in command.get("deletes", ())]
    if command_name == "aggregate":
        pipeline = command.get("pipeline") or [{}]
        return [(pipeline[0].get("$match"), False)]
    return []


@dataclass
class ShardTargeting(monitoring.CommandListener):
    """Each offending command (collection, command, the filter's fields, where it was sent from), with the first
    test that sent it."""

    offences: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name not in _FILTER_FIELD and name not in ("update", "delete", "aggregate", "insert"):
            return
        collection = event.command.get(name)
        if not isinstance(collection, str) or (key := SHARD_KEYS.get(collection)) is None:
            return
        if name == "insert":
            if not all("merchant_id" in doc for doc in event.command.get("documents", ())):
                self._offence(collection, name, "a document without merchant_id")
            return
        for query, upsert in _statements(name, event.command):
            fields = ",".join(sorted(query)) if isinstance(query, dict) else "(no $match first)"
            if upsert and not all(_names(query, part) for part in key):
                self._offence(collection, name, f"upsert on {{{fields}}} without the whole shard key")
            elif not _names(query, "merchant_id") and (collection, frozenset(query or ())) not in CROSS_MERCHANT:
                self._offence(collection, name, f"{{{fields}}}")

    def _offence(self, collection: str, command: str, shape: str) -> None:
        sender = _sender()
        if sender is not None:
            test = os.environ.get("PYTEST_CURRENT_TEST", "outside any test").rsplit(" ", 1)[0]
            self.offences.setdefault((collection, command, shape, sender), test)

    def report(self) -> list[str]:
        return [f"{at}: {coll} {cmd} {shape}  (in {test})" for (coll, cmd, shape, at), test in self.offences.items()]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
