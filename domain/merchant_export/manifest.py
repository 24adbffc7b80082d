"""The manifest an export ends with: what it holds (each collection's count and SHA-256 over its BSON file, which
is its documents in `_id` order), the cut it was read at, and what stayed behind and why."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bson import ObjectId

from domain.merchant_export.errors import MoveCode, MoveError
from domain.merchant_export.scope import SCOPES

FORMAT = 1
NAME = "manifest.json"


@dataclass(frozen=True)
class Counted:
    count: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    merchant_id: ObjectId
    source_db: str
    technique: str
    # The cluster time of the snapshot (seconds, increment), when the server told one.
    cluster_time: tuple[int, int] | None
    exported_at: str
    collections: dict[str, Counted]
    not_exported: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "merchant_id": str(self.merchant_id),
            "source_db": self.source_db,
            "snapshot": {
                "technique": self.technique,
                "cluster_time": None if self.cluster_time is None else list(self.cluster_time),
            },
            "exported_at": self.exported_at,
            "collections": {
                name: {"file": file_name(name), "count": c.count, "sha256": c.sha256}
                for name, c in self.collections.items()
            },
            "not_exported": self.not_exported,
        }


def file_name(collection: str) -> str:
    """Concatenated BSON documents, as mongodump writes them (`bsondump` reads them)."""
    return f"{collection}.bson"


def write(directory: Path, manifest: Manifest) -> None:
    (directory / NAME).write_text(json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n")


def read(directory: Path) -> Manifest:
    """The manifest of an export, refused unless it is whole and names only collections an export writes."""
    try:
        data = json.loads((directory / NAME).read_text())
        if data["format"] != FORMAT:
            raise MoveError(MoveCode.MANIFEST_INVALID, "format", found=data["format"], expected=FORMAT)
        snapshot = data["snapshot"]
        collections = {name: Counted(int(c["count"]), str(c["sha256"])) for name, c in data["collections"].items()}
        manifest = Manifest(
            merchant_id=ObjectId(data["merchant_id"]),
            source_db=str(data["source_db"]),
            technique=str(snapshot["technique"]),
            cluster_time=tuple(snapshot["cluster_time"]) if snapshot["cluster_time"] else None,
            exported_at=str(data["exported_at"]),
            collections=collections,
            not_exported=dict(data["not_exported"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise MoveError(MoveCode.MANIFEST_INVALID, str(directory / NAME)) from e
    if set(manifest.collections) != set(SCOPES):
        odd = sorted(set(manifest.collections) ^ set(SCOPES))
        raise MoveError(MoveCode.MANIFEST_INVALID, "collections", odd=odd)
    return manifest
