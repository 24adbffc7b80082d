"""A merchant's documents read at one snapshot: each collection in `_id` order as the server's own BSON bytes, so
a collection's hash is the same over the export's file and over the database it is imported into.

How one snapshot is had depends on the server. MongoDB (5.0+) reads a snapshot session at one cluster time,
bounded by `minSnapshotHistoryWindowInSeconds`, not by a transaction's 60 s lifetime. SecantusDB accepts such a
session but reads the latest data (a write between two reads shows), while a transaction with read concern
snapshot sees one point in time from its first read on, across every collection: there the export is a
transaction that writes nothing and is aborted.
"""

import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

from bson import ObjectId, Timestamp
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.read_concern import ReadConcern

from db.mongo import Doc, Mongo
from domain.merchant_export.scope import SCOPES, Owned, Referenced

RAW: CodecOptions[RawBSONDocument] = CodecOptions(document_class=RawBSONDocument)
# Values of a referenced field per `$in`, so that a chain's every payment never makes one huge query.
IN_CHUNK = 5000

# Told (done, total) documents after each batch; the total grows once the referenced collections are counted.
Progress = Callable[[int, int], None]


class Technique(StrEnum):
    SNAPSHOT_SESSION = "SNAPSHOT_SESSION"
    READ_ONLY_TRANSACTION = "READ_ONLY_TRANSACTION"


@dataclass
class Digest:
    """A collection's documents as read: how many, and the SHA-256 of their BSON in `_id` order."""

    count: int = 0
    sha: Any = field(default_factory=hashlib.sha256)

    def add(self, docs: list[RawBSONDocument]) -> None:
        self.count += len(docs)
        for doc in docs:
            self.sha.update(doc.raw)

    @property
    def sha256(self) -> str:
        return str(self.sha.hexdigest())


def raw_collection(mongo: Mongo, name: str) -> AsyncCollection[RawBSONDocument]:
    # The database is typed for dicts; these options make it hand out RawBSONDocument instead.
    return cast(AsyncCollection[RawBSONDocument], mongo.db.get_collection(name, codec_options=RAW))


async def technique_for(mongo: Mongo) -> Technique:
    info = await mongo.client.admin.command("buildInfo")
    return Technique.READ_ONLY_TRANSACTION if "secantusVersion" in info else Technique.SNAPSHOT_SESSION


@asynccontextmanager
async def one_snapshot(mongo: Mongo, technique: Technique) -> AsyncIterator[AsyncClientSession]:
    if technique is Technique.SNAPSHOT_SESSION:
        async with mongo.client.start_session(snapshot=True) as session:
            yield session
        return
    async with mongo.client.start_session() as session:
        await session.start_transaction(read_concern=ReadConcern("snapshot"))
        try:
            yield session
        finally:
            await session.abort_transaction()


def operation_time(session: AsyncClientSession) -> Timestamp | None:
    """The cluster time the session's reads were answered at: the cut the export is."""
    return session.operation_time


@dataclass
class _Reader:
    mongo: Mongo
    session: AsyncClientSession
    merchant_id: ObjectId
    batch: int
    progress: Progress | None
    done: int = 0
    total: int = 0
    values: dict[tuple[str, str], list[Any]] = field(default_factory=dict)

    def _filters(self, scope: Owned | Referenced) -> list[Doc]:
        if isinstance(scope, Owned):
            return [{scope.field: self.merchant_id}]
        wanted = self.values[(scope.source, scope.source_field)]
        return [{scope.field: {"$in": wanted[i : i + IN_CHUNK]}} for i in range(0, len(wanted), IN_CHUNK)]

    async def count(self, name: str, scope: Owned | Referenced) -> int:
        coll = self.mongo.db[name]
        return sum([await coll.count_documents(f, session=self.session) for f in self._filters(scope)])

    def _tell(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _keep_references(self, name: str, docs: list[RawBSONDocument]) -> None:
        for (source, source_field), values in self.values.items():
            if source == name:
                values.extend(d[source_field] for d in docs if d.get(source_field) is not None)

    async def read(self, name: str, scope: Owned | Referenced) -> AsyncIterator[list[RawBSONDocument]]:
        coll = raw_collection(self.mongo, name)
        if isinstance(scope, Referenced):
            # Several `$in` queries, each sorted on its own, so the whole is put in `_id` order here.
            found: list[RawBSONDocument] = []
            for query in self._filters(scope):
                found += await coll.find(query, session=self.session).to_list()
            found.sort(key=lambda d: d["_id"])
            self._tell(len(found))
            yield found
            return
        cursor = coll.find(self._filters(scope)[0], session=self.session).sort("_id", 1).batch_size(self.batch)
        docs: list[RawBSONDocument] = []
        async for doc in cursor:
            docs.append(doc)
            if len(docs) == self.batch:
                self._keep_references(name, docs)
                self._tell(len(docs))
                yield docs
                docs = []
        self._keep_references(name, docs)
        self._tell(len(docs))
        yield docs


async def read_merchant(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, *, batch: int, progress: Progress | None
) -> AsyncIterator[tuple[str, list[RawBSONDocument]]]:
    """(collection, documents) batches of every exported collection in `SCOPES` order, at least one per collection
    (empty when it holds nothing of the merchant's), all read through `session`."""
    reader = _Reader(mongo, session, merchant_id, batch, progress)
    for scope in SCOPES.values():
        if isinstance(scope, Referenced):
            reader.values[(scope.source, scope.source_field)] = []
    reader.total = sum([await reader.count(name, s) for name, s in SCOPES.items() if isinstance(s, Owned)])
    for name, scope in SCOPES.items():
        if isinstance(scope, Referenced):
            reader.total += await reader.count(name, scope)
        async for docs in reader.read(name, scope):
            yield name, docs


async def digests(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, *, batch: int, progress: Progress | None
) -> dict[str, Digest]:
    out: dict[str, Digest] = {}
    async for name, docs in read_merchant(mongo, session, merchant_id, batch=batch, progress=progress):
        out.setdefault(name, Digest()).add(docs)
    return out
