"""What a staff member is shown of the alerts: the OWNER every one, a MANAGER those of the stores in their scope and
the merchant-wide ones, newest first; which of them they have read, their unread count (the app's badge, one
indexed count) and marking them read.
"""

from collections.abc import Sequence

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.alerts.errors import AlertCode, AlertError
from domain.alerts.firing import Alert, alert_from_doc
from domain.errors import PermissionDenied
from domain.pagination import MAX_PAGE, Page, clamp
from domain.tenancy import Role, Staff


def _scope(actor: Staff) -> Doc:
    if actor.all_stores:
        return {"merchant_id": actor.merchant_id}
    return {"merchant_id": actor.merchant_id, "store_id": {"$in": [None, *actor.store_ids]}}


def _unread(actor: Staff) -> Doc:
    """Field order is the (merchant_id, unread_by, store_id) index's: a MANAGER whose scope shrank is not counted
    the alerts of a store they no longer see."""
    query: Doc = {"merchant_id": actor.merchant_id, "unread_by": actor.id}
    if not actor.all_stores:
        query["store_id"] = {"$in": [None, *actor.store_ids]}
    return query


def _require(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


async def list_alerts(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Alert]:
    """OWNER or MANAGER: newest first."""
    _require(actor)
    limit = clamp(first)
    query = _scope(actor)
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.ALERTS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], alert_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def unread_count(*, mongo: Mongo, actor: Staff) -> int:
    """OWNER or MANAGER: the alerts they have not read; 0 for every other role, who are shown none."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        return 0
    return await mongo.db[c.ALERTS].count_documents(_unread(actor))


async def mark_read(*, mongo: Mongo, actor: Staff, ids: Sequence[ObjectId] | None) -> int:
    """OWNER or MANAGER: the given alerts (None: every one) are read by them. An id of an alert they are not shown
    (another merchant's, another store's, nobody's) is ALERT_NOT_FOUND, and nothing changes. Returns their unread
    count after."""
    _require(actor)
    query = _unread(actor)
    if ids is not None:
        wanted = list(set(ids))
        if not 1 <= len(ids) <= MAX_PAGE:
            raise AlertError(AlertCode.ALERT_IDS_INVALID, "ids")
        if await mongo.db[c.ALERTS].count_documents({**_scope(actor), "_id": {"$in": wanted}}) != len(wanted):
            raise AlertError(AlertCode.ALERT_NOT_FOUND, "ids")
        query["_id"] = {"$in": wanted}
    await mongo.db[c.ALERTS].update_many(query, {"$pull": {"unread_by": actor.id}})
    return await unread_count(mongo=mongo, actor=actor)
