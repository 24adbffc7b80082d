"""Opaque global IDs (`base64("Type:hex")`) and connection cursors."""

import base64
import binascii

import strawberry
from bson import ObjectId
from bson.errors import InvalidId


def to_global_id(type_name: str, oid: ObjectId) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{oid}".encode()).decode().rstrip("="))


def from_global_id(type_name: str, gid: str) -> ObjectId | None:
    """The ObjectId inside `gid` if it is an ID of `type_name`, else None (never an exception)."""
    try:
        raw = base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()
        kind, _, hex_id = raw.partition(":")
        return ObjectId(hex_id) if kind == type_name else None
    except (binascii.Error, UnicodeDecodeError, InvalidId, ValueError):
        return None


def from_global_ids(type_name: str, gids: list[strawberry.ID]) -> list[ObjectId] | None:
    """Every ObjectId inside `gids`, in order, or None when any of them is not an ID of `type_name`."""
    parsed = [from_global_id(type_name, g) for g in gids]
    return None if None in parsed else [p for p in parsed if p is not None]


def to_cursor(oid: ObjectId) -> str:
    return to_global_id("Cursor", oid)


def from_cursor(cursor: str | None) -> ObjectId | None:
    return from_global_id("Cursor", cursor) if cursor else None
