"""The Mongo client and database handle, and the transaction helper every money move goes through."""

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ServerSelectionTimeoutError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

Doc = dict[str, Any]
T = TypeVar("T")

# How long an operation waits for a server it can use before it fails: pymongo's 30 s would hold every request
# that long while MongoDB is down; a few seconds ride out a restart and answer UNAVAILABLE soon otherwise.
SERVER_SELECTION_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Mongo:
    client: AsyncMongoClient[Doc]
    db: AsyncDatabase[Doc]

    async def close(self) -> None:
        await self.client.close()


def open_mongo(
    uri: str, db_name: str, *, server_selection_timeout_ms: int = SERVER_SELECTION_TIMEOUT_MS, **kwargs: Any
) -> Mongo:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=server_selection_timeout_ms, **kwargs
    )
    return Mongo(client=client, db=client[db_name])


async def transaction(mongo: Mongo, fn: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Run `fn` in a multi-document transaction.

    `with_transaction` is the driver's documented retry loop: it re-runs the whole callback on
    TransientTransactionError and re-commits on UnknownTransactionCommitResult, so `fn` must be
    safe to run more than once (it only talks to the database through the session).
    """

    async def attempt(session: AsyncClientSession) -> T:
        try:
            return await fn(session)
        except ServerSelectionTimeoutError as e:
            # The driver labels this transient and would run the transaction again for up to two minutes; but no
            # server answered for the whole selection timeout, so MongoDB is down and the caller is better told
            # now. The unlabelled copy ends the retries; the transaction was aborted, nothing was written.
            raise ServerSelectionTimeoutError(str(e)) from e

    async with mongo.client.start_session() as session:
        return await session.with_transaction(
            attempt,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )


async def required_doc(mongo: Mongo, collection: str, query: Doc, session: AsyncClientSession | None = None) -> Doc:
    """The one document `query` names, which the caller knows exists (it wrote or read it moments ago)."""
    doc = await mongo.db[collection].find_one(query, session=session)
    if doc is None:
        raise RuntimeError(f"{collection} {query} is missing")
    return doc


def any_of(values: Collection[ObjectId]) -> Any:
    """A filter value matching any of `values`: an equality for one, which SecantusDB can plan on an index (it plans
    none for a $in beside another $in), else $in."""
    return next(iter(values)) if len(values) == 1 else {"$in": list(values)}


async def field_by_id(
    mongo: Mongo, collection: str, merchant_ids: set[ObjectId], ids: set[ObjectId], field: str
) -> dict[ObjectId, Any]:
    """One field of each document in `ids` (of the merchants named), by id, in one query (the names a list shows
    beside its rows)."""
    if not ids:
        return {}
    query = {"merchant_id": any_of(merchant_ids), "_id": {"$in": list(ids)}}
    docs = await mongo.db[collection].find(query, {field: 1}).to_list()
    return {d["_id"]: d.get(field) for d in docs}
