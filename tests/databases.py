"""The test databases on the session's SecantusDB: a finished test's database is emptied of what the test wrote and
handed to a later test, instead of building every collection's indexes anew (a quarter of a second of each test's
set-up: SecantusDB runs in Python, and a new database is 67 createIndexes)."""

from collections import deque
from dataclasses import dataclass, field

from pymongo import monitoring

from db.indexes import INDEXES, ensure_indexes
from db.mongo import Mongo

# A database is handed out again only after this many others were: a stray write of a test's leftover task lands
# in a database no running test reads, and is found by the next check.
REUSED_AFTER = 20
# The indexes db/indexes.py defines beyond each collection's _id index. A collection it defines none for (merchants)
# has only its _id index, so an emptied database has no documents and these beyond its collections' _id indexes.
_DEFINED = sum(len(models) for models in INDEXES.values())

_WRITES = {"insert", "update", "delete", "findAndModify"}
# Commands after which the database is not reused at all: its collections or indexes may differ from the definitions.
_RESHAPES = {"create", "createIndexes", "dropIndexes", "drop", "dropDatabase", "renameCollection", "collMod"}


@dataclass
class _Written:
    collections: set[str] = field(default_factory=set)
    reshaped: bool = False


class Databases(monitoring.CommandListener):
    """Watches what this process writes to each database (a test's own `jike` processes write unseen: the check
    before reuse finds that), and keeps the databases ready to be used again."""

    def __init__(self) -> None:
        self._written: dict[str, _Written] = {}
        self._ready: deque[str] = deque()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        written = self._written.get(event.database_name)
        if written is None:
            return
        if event.command_name in _RESHAPES:
            written.reshaped = True
        elif event.command_name in _WRITES:
            written.collections.add(str(event.command.get(event.command_name)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def name(self, new: str) -> str:
        return self._ready.popleft() if len(self._ready) > REUSED_AFTER else new

    async def prepare(self, mongo: Mongo) -> None:
        """The database empty, with every index as db/indexes.py defines it; what it writes is watched from now."""
        name = mongo.db.name
        stats = await mongo.db.command("dbStats")
        if stats["objects"] or stats["indexes"] - stats["collections"] != _DEFINED:
            await mongo.client.drop_database(name)
            await ensure_indexes(mongo)
        self._written[name] = _Written()

    async def release(self, mongo: Mongo) -> None:
        """Empties what the test wrote, and keeps the database for a later test; one reshaped is dropped."""
        name = mongo.db.name
        written = self._written.pop(name, _Written(reshaped=True))
        if written.reshaped:
            await mongo.client.drop_database(name)
            return
        # One after another, from tests/: the suite's shard-targeting check exempts what a test file sends.
        for collection in sorted(written.collections):
            await mongo.db[collection].delete_many({})
        self._ready.append(name)
