"""`jike import-merchant`: an export checked against its manifest before anything is written, loaded in batches
into a database that does not hold the merchant, then read back at one snapshot and checked again, so a merchant
arrives exactly as it left or the operator is told which collection differs."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bson
from bson.raw_bson import RawBSONDocument
from pymongo.errors import BulkWriteError

from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo
from domain.merchant_export import manifest
from domain.merchant_export.errors import MoveCode, MoveError
from domain.merchant_export.reading import RAW, Progress, digests, one_snapshot, raw_collection, technique_for
from domain.merchant_export.scope import SCOPES

BATCH = 1000
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class Imported:
    manifest: manifest.Manifest
    documents: int


def _check_files(source: Path, expected: manifest.Manifest) -> None:
    """Every file hashes and counts as the manifest says, before the target is touched."""
    for name, counted in expected.collections.items():
        path = source / manifest.file_name(name)
        sha, count = hashlib.sha256(), 0
        try:
            with path.open("rb") as file:
                for doc in bson.decode_file_iter(file, codec_options=RAW):
                    sha.update(doc.raw)
                    count += 1
        except (OSError, bson.InvalidBSON) as e:
            raise MoveError(MoveCode.EXPORT_FILE_TAMPERED, name, reason=str(e)) from e
        if (count, sha.hexdigest()) != (counted.count, counted.sha256):
            raise MoveError(MoveCode.EXPORT_FILE_TAMPERED, name, count=count, expected=counted.count)


def _batches(path: Path, batch: int) -> Iterator[list[RawBSONDocument]]:
    with path.open("rb") as file:
        docs: list[RawBSONDocument] = []
        for doc in bson.decode_file_iter(file, codec_options=RAW):
            docs.append(doc)
            if len(docs) == batch:
                yield docs
                docs = []
        if docs:
            yield docs


async def _insert(mongo: Mongo, name: str, docs: list[RawBSONDocument]) -> None:
    try:
        await raw_collection(mongo, name).insert_many(docs, ordered=True)
    except BulkWriteError as e:
        errors = e.details.get("writeErrors") or []
        if errors and errors[0].get("code") == _DUPLICATE_KEY:
            # Globally unique keys (a staff phone, a provider's trade number) already held by another merchant here.
            raise MoveError(MoveCode.IMPORT_CONFLICT, name, detail=str(errors[0].get("errmsg"))[:300]) from e
        raise


async def import_merchant(
    *, mongo: Mongo, source: Path, batch: int = BATCH, progress: Progress | None = None
) -> Imported:
    expected = manifest.read(source)
    _check_files(source, expected)
    merchant_id = expected.merchant_id
    if await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"_id": 1}) is not None:
        raise MoveError(MoveCode.MERCHANT_ALREADY_THERE, "merchant")
    await ensure_indexes(mongo)
    total, done = sum(counted.count for counted in expected.collections.values()), 0
    # The merchant first: an import that stops half way leaves a merchant that a second import refuses, instead of
    # documents nobody can see that collide with it.
    for name in SCOPES:
        for docs in _batches(source / manifest.file_name(name), batch):
            await _insert(mongo, name, docs)
            done += len(docs)
            if progress is not None:
                progress(done, total)
    async with one_snapshot(mongo, await technique_for(mongo)) as session:
        found = await digests(mongo, session, merchant_id, batch=batch, progress=None)
    differ = sorted(
        name
        for name, counted in expected.collections.items()
        if (found[name].count, found[name].sha256) != (counted.count, counted.sha256)
    )
    if differ:
        raise MoveError(MoveCode.IMPORT_VERIFY_FAILED, differ[0], collections=differ)
    return Imported(expected, done)
