"""Keyset pages over `_id`, the shape every Relay connection in both schemas is built from."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bson import ObjectId

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[ObjectId, T]]
    has_next: bool


MAX_PAGE = 100


def clamp(first: int | None) -> int:
    return max(1, min(first or 20, MAX_PAGE))


def after_filter(after: ObjectId | None) -> dict[str, Any]:
    return {"_id": {"$gt": after}} if after is not None else {}
