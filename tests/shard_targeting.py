"""The whole suite's check that no command becomes a scatter-gather on a sharded cluster by accident: every query,
update and delete on a collection db/sharding.py shards names merchant_id, an upsert names its whole shard key,
and an insert carries merchant_id. tests/conftest.py installs the listener for the session and fails it at the end.
"""

import os
from dataclasses import dataclass, field
from typing import Any

from pymongo import monitoring

from db.sharding import CROSS_MERCHANT, SHARD_KEYS

# The field of each command that holds its filter; update and delete hold one per statement, aggregate its $match.
_FILTER_FIELD = {"find": "filter", "findAndModify": "query", "count": "query", "distinct": "query"}


def _names(query: Any, name: str) -> bool:
    if not isinstance(query, dict):
        return False
    return name in query or any(_names(part, name) for part in query.get("$and", ()))


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
    """Each offending command shape (collection, command, the filter's fields), with the first test that sent it."""

    offences: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        if name not in _FILTER_FIELD and name not in ("update", "delete", "aggregate", "insert"):
            return
        collection = event.command.get(name)
        key = SHARD_KEYS.get(collection) if isinstance(collection, str) else None
        if key is None:
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
        test = os.environ.get("PYTEST_CURRENT_TEST", "outside any test").rsplit(" ", 1)[0]
        self.offences.setdefault((collection, command, shape), test)

    def report(self) -> list[str]:
        return [f"{coll} {cmd} {shape}  (first sent by {test})" for (coll, cmd, shape), test in self.offences.items()]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
