"""`jike export-merchant`: every exported collection of one merchant written at one snapshot into a directory,
one BSON file per collection, and the manifest last, so a directory without one is an export that did not end."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import access_log
from domain.access_log import PLATFORM, AccessAction
from domain.merchant_export import manifest
from domain.merchant_export.errors import MoveCode, MoveError
from domain.merchant_export.reading import Digest, Progress, one_snapshot, operation_time, read_merchant, technique_for
from domain.merchant_export.scope import NOT_EXPORTED

BATCH = 1000


@dataclass(frozen=True)
class Exported:
    manifest: manifest.Manifest

    @property
    def documents(self) -> int:
        return sum(counted.count for counted in self.manifest.collections.values())


def _empty_dir(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise MoveError(MoveCode.EXPORT_DIR_NOT_EMPTY, "out", path=str(out))


async def export_merchant(
    *, mongo: Mongo, merchant_id: ObjectId, out: Path, batch: int = BATCH, progress: Progress | None = None
) -> Exported:
    _empty_dir(out)
    if await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"_id": 1}) is not None:
        # Logged before the snapshot, so the export carries the record of itself.
        await access_log.record(
            mongo=mongo, merchant_id=merchant_id, who=PLATFORM, action=AccessAction.EXPORTED, export="merchant"
        )
    technique = await technique_for(mongo)
    found: dict[str, Digest] = {}
    files: dict[str, BinaryIO] = {}
    try:
        async with one_snapshot(mongo, technique) as session:
            # The first read fixes the snapshot: the merchant is looked for in it.
            if await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"_id": 1}, session=session) is None:
                raise MoveError(MoveCode.EXPORT_MERCHANT_NOT_FOUND, "merchant")
            at = operation_time(session)
            async for name, docs in read_merchant(mongo, session, merchant_id, batch=batch, progress=progress):
                if name not in files:
                    files[name] = (out / manifest.file_name(name)).open("wb")
                    found[name] = Digest()
                files[name].writelines(doc.raw for doc in docs)
                found[name].add(docs)
    finally:
        for file in files.values():
            file.close()
    written = manifest.Manifest(
        merchant_id=merchant_id,
        source_db=mongo.db.name,
        technique=technique.value,
        cluster_time=None if at is None else (at.time, at.inc),
        exported_at=datetime.now(UTC).isoformat(),
        collections={name: manifest.Counted(d.count, d.sha256) for name, d in found.items()},
        not_exported=NOT_EXPORTED,
    )
    manifest.write(out, written)
    return Exported(written)
