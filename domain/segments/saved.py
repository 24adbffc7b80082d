"""Saved segments (MANAGER+): a name and a filter kept in `segments`, listed, renamed, refiltered and deleted;
campaigns and journeys read one by id (`get_segment`) and its members through domain.segments.selection.
"""

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.segments.errors import SegmentCode, SegmentError
from domain.segments.filters import SegmentFilter, from_doc, to_doc
from domain.segments.selection import checked_zone
from domain.tenancy import Role, Staff, audit

MAX_NAME = 30
MAX_SEGMENTS = 200


@dataclass(frozen=True)
class Segment:
    id: ObjectId
    merchant_id: ObjectId
    name: str
    flt: SegmentFilter
    created_at: datetime
    updated_at: datetime


def _segment(doc: Doc) -> Segment:
    return Segment(
        doc["_id"], doc["merchant_id"], doc["name"], from_doc(doc["filter"]), doc["created_at"], doc["updated_at"]
    )


def require_manager(actor: Staff) -> None:
    """Segments are for owners and managers."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


def _name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= MAX_NAME:
        raise SegmentError(SegmentCode.SEGMENT_NAME_INVALID, "name")
    return name


async def _checked(mongo: Mongo, actor: Staff, flt: SegmentFilter) -> Doc:
    await checked_zone(mongo=mongo, merchant_id=actor.merchant_id, flt=flt)
    return to_doc(flt)


async def get_segment(*, mongo: Mongo, merchant_id: ObjectId, segment_id: ObjectId) -> Segment:
    doc = await mongo.db[c.SEGMENTS].find_one({"merchant_id": merchant_id, "_id": segment_id})
    if doc is None:
        raise SegmentError(SegmentCode.SEGMENT_NOT_FOUND, "id")
    return _segment(doc)


async def list_segments(*, mongo: Mongo, actor: Staff) -> list[Segment]:
    require_manager(actor)
    docs = mongo.db[c.SEGMENTS].find({"merchant_id": actor.merchant_id}).sort("_id", 1).limit(MAX_SEGMENTS)
    return [_segment(d) for d in await docs.to_list()]


async def create_segment(*, mongo: Mongo, actor: Staff, name: str, flt: SegmentFilter, now: datetime) -> Segment:
    require_manager(actor)
    segment_id = ObjectId()
    doc = {
        "_id": segment_id,
        "merchant_id": actor.merchant_id,
        "name": _name(name),
        "filter": await _checked(mongo, actor, flt),
        "created_at": now,
        "updated_at": now,
        "created_by": actor.id,
    }
    await mongo.db[c.SEGMENTS].insert_one(doc)
    await audit(mongo=mongo, actor=actor, action="segment.create", target=segment_id)
    return _segment(doc)


async def update_segment(
    *,
    mongo: Mongo,
    actor: Staff,
    segment_id: ObjectId,
    name: str | None,
    flt: SegmentFilter | None,
    now: datetime,
) -> Segment:
    """A new name, a new filter, or both; the segment as it is after."""
    require_manager(actor)
    changes: Doc = {"updated_at": now}
    if name is not None:
        changes["name"] = _name(name)
    if flt is not None:
        changes["filter"] = await _checked(mongo, actor, flt)
    doc = await mongo.db[c.SEGMENTS].find_one_and_update(
        {"merchant_id": actor.merchant_id, "_id": segment_id}, {"$set": changes}, return_document=True
    )
    if doc is None:
        raise SegmentError(SegmentCode.SEGMENT_NOT_FOUND, "id")
    await audit(mongo=mongo, actor=actor, action="segment.update", target=segment_id)
    return _segment(doc)


async def delete_segment(*, mongo: Mongo, actor: Staff, segment_id: ObjectId) -> None:
    require_manager(actor)
    deleted = await mongo.db[c.SEGMENTS].delete_one({"merchant_id": actor.merchant_id, "_id": segment_id})
    if deleted.deleted_count == 0:
        raise SegmentError(SegmentCode.SEGMENT_NOT_FOUND, "id")
    await audit(mongo=mongo, actor=actor, action="segment.delete", target=segment_id)
