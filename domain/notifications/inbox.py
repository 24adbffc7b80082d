"""The member's in-app inbox: every notification they were sent, newest first, and marking them read."""

from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.marketing import touches
from domain.notifications.delivery import Notification, notification_from_doc
from domain.notifications.errors import NotificationCode, NotificationError
from domain.pagination import MAX_PAGE, Page, clamp


async def list_inbox(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    unread_only: bool,
    first: int | None,
    after: ObjectId | None,
) -> Page[Notification]:
    limit = clamp(first)
    query: Doc = {"member_id": member_id, "merchant_id": merchant_id}
    if unread_only:
        query["read_at"] = None
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.NOTIFICATIONS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], notification_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def unread_count(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> int:
    return await mongo.db[c.NOTIFICATIONS].count_documents(
        {"member_id": member_id, "read_at": None, "merchant_id": merchant_id}
    )


async def mark_read(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, notification_ids: list[ObjectId]
) -> list[Notification]:
    """All of them or none: an id that is not one of the member's own refuses the whole request. Marking an
    already read one again keeps its first read time."""
    ids = list(dict.fromkeys(notification_ids))
    if not ids or len(ids) > MAX_PAGE:
        raise NotificationError(NotificationCode.NOTIFICATION_IDS_INVALID, "notificationIds")
    mine: Doc = {"_id": {"$in": ids}, "member_id": member_id, "merchant_id": merchant_id}
    notes = mongo.db[c.NOTIFICATIONS]
    if await notes.count_documents(mine) != len(ids):
        raise NotificationError(NotificationCode.NOTIFICATION_NOT_FOUND, "notificationIds")
    await notes.update_many({**mine, "read_at": None}, {"$set": {"read_at": datetime.now(UTC)}})
    docs = await notes.find(mine).sort("_id", -1).to_list()
    touched = [d["_id"] for d in docs if d.get("touched")]
    if touched:
        # A campaign's or journey's message read: its effect counts it opened (once, however often read).
        await touches.mark_opened(mongo=mongo, merchant_id=merchant_id, notification_ids=touched)
    return [notification_from_doc(d) for d in docs]
