"""The access log (PIPL): who among the staff saw a member's unmasked phone, exported data, adjusted a balance or
closed an account, from which store and when. Append-only: this module only ever inserts, and offers no way to
change or remove an entry; the OWNER reads it, newest first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import DomainError, PermissionDenied
from domain.members import display_name
from domain.pagination import Page, clamp
from domain.tenancy import Role, Staff


class AccessAction(StrEnum):
    PHONE_VIEWED = "PHONE_VIEWED"
    EXPORTED = "EXPORTED"
    BALANCE_ADJUSTED = "BALANCE_ADJUSTED"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"


class AccessLogCode(StrEnum):
    ACCESS_LOG_RANGE_INVALID = "ACCESS_LOG_RANGE_INVALID"
    # A filter naming a member, staff member or store the merchant does not have.
    ACCESS_LOG_FILTER_NOT_FOUND = "ACCESS_LOG_FILTER_NOT_FOUND"


class AccessLogError(DomainError):
    pass


@dataclass(frozen=True)
class Accessor:
    """Who acted: a staff member with their role, or (staff_id None) the member themself or the platform."""

    staff_id: ObjectId | None
    role: str
    store_id: ObjectId | None = None

    @classmethod
    def of(cls, staff: Staff) -> "Accessor":
        # A staff member of one store acts from it; one of several or of every store names none.
        store = staff.store_ids[0] if not staff.all_stores and len(staff.store_ids) == 1 else None
        return cls(staff.id, staff.role.value, store)


MEMBER_SELF = Accessor(None, "MEMBER")
PLATFORM = Accessor(None, "SYSTEM")


@dataclass(frozen=True)
class AccessEntry:
    id: ObjectId
    staff_id: ObjectId | None
    role: str
    action: AccessAction
    member_id: ObjectId | None
    store_id: ObjectId | None
    detail: dict[str, Any]
    at: datetime
    # As the OWNER's screen names them: the staff member's name, the member's display name (已注销 once closed).
    staff_name: str | None = None
    member_name: str | None = None


def _doc(merchant_id: ObjectId, who: Accessor, action: AccessAction, member_id: ObjectId | None, detail: Doc) -> Doc:
    return {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "staff_id": who.staff_id,
        "role": who.role,
        "action": action.value,
        "member_id": member_id,
        "store_id": who.store_id,
        "detail": detail,
        "at": datetime.now(UTC),
    }


async def record(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    who: Accessor,
    action: AccessAction,
    member_id: ObjectId | None = None,
    session: AsyncClientSession | None = None,
    **detail: Any,
) -> None:
    """One entry; inside `session` when the act is a transaction's, so the entry and the act stand or fall together."""
    await mongo.db[c.ACCESS_LOG].insert_one(_doc(merchant_id, who, action, member_id, detail), session=session)


async def record_many(
    *, mongo: Mongo, merchant_id: ObjectId, who: Accessor, action: AccessAction, member_ids: Sequence[ObjectId]
) -> None:
    """One entry per member in one command: a page of members whose phones were shown in full."""
    if member_ids:
        await mongo.db[c.ACCESS_LOG].insert_many([_doc(merchant_id, who, action, m, {}) for m in member_ids])


@dataclass(frozen=True)
class AccessFilter:
    action: AccessAction | None = None
    staff_id: ObjectId | None = None
    member_id: ObjectId | None = None
    store_id: ObjectId | None = None
    since: datetime | None = None
    until: datetime | None = None


def _entry(doc: Doc, staff: dict[ObjectId, str], members: dict[ObjectId, str]) -> AccessEntry:
    return AccessEntry(
        id=doc["_id"],
        staff_id=doc.get("staff_id"),
        role=doc["role"],
        action=AccessAction(doc["action"]),
        member_id=doc.get("member_id"),
        store_id=doc.get("store_id"),
        detail=dict(doc.get("detail") or {}),
        at=doc["at"],
        staff_name=staff.get(doc["staff_id"]) if doc.get("staff_id") else None,
        member_name=members.get(doc["member_id"]) if doc.get("member_id") else None,
    )


async def _own(mongo: Mongo, merchant_id: ObjectId, where: AccessFilter) -> None:
    """Another merchant's id in a filter is refused like an unknown one, never answered with an empty page."""
    for collection, value, field in (
        (c.MEMBERS, where.member_id, "memberId"),
        (c.STAFF, where.staff_id, "staffMemberId"),
        (c.STORES, where.store_id, "storeId"),
    ):
        if (
            value is not None
            and await mongo.db[collection].find_one({"merchant_id": merchant_id, "_id": value}, {"_id": 1}) is None
        ):
            raise AccessLogError(AccessLogCode.ACCESS_LOG_FILTER_NOT_FOUND, field)


async def list_entries(
    *, mongo: Mongo, actor: Staff, where: AccessFilter, first: int | None, before: ObjectId | None
) -> Page[AccessEntry]:
    """OWNER only: what the log holds, newest first; one query whatever the filter."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    if where.since is not None and where.until is not None and where.since >= where.until:
        raise AccessLogError(AccessLogCode.ACCESS_LOG_RANGE_INVALID, "from")
    await _own(mongo, actor.merchant_id, where)
    query: Doc = {"merchant_id": actor.merchant_id}
    for field, value in (
        ("action", where.action.value if where.action else None),
        ("staff_id", where.staff_id),
        ("member_id", where.member_id),
        ("store_id", where.store_id),
    ):
        if value is not None:
            query[field] = value
    at: Doc = {}
    if where.since is not None:
        at["$gte"] = where.since
    if where.until is not None:
        at["$lt"] = where.until
    if at:
        query["at"] = at
    if before is not None:
        query["_id"] = {"$lt": before}
    limit = clamp(first)
    docs = await mongo.db[c.ACCESS_LOG].find(query).sort("_id", -1).limit(limit + 1).to_list()
    shown = docs[:limit]
    staff = await _names(mongo, actor.merchant_id, c.STAFF, {d["staff_id"] for d in shown if d.get("staff_id")}, "name")
    members = await _names(
        mongo, actor.merchant_id, c.MEMBERS, {d["member_id"] for d in shown if d.get("member_id")}, "nickname"
    )
    members = {k: display_name(v) for k, v in members.items()}
    return Page([(d["_id"], _entry(d, staff, members)) for d in shown], len(docs) > limit)


async def _names(
    mongo: Mongo, merchant_id: ObjectId, collection: str, ids: set[ObjectId], field: str
) -> dict[ObjectId, str]:
    if not ids:
        return {}
    docs = (
        await mongo.db[collection].find({"merchant_id": merchant_id, "_id": {"$in": list(ids)}}, {field: 1}).to_list()
    )
    return {d["_id"]: d.get(field) or "" for d in docs}
