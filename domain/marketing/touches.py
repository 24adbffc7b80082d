"""Who a campaign or journey touched, in which group (treatment, or the control group that gets nothing and is
measured the same way), with the coupon and the notification it sent them. One document per source and member
(a unique index), and the source's rollup per group counted in the same transaction, so recording twice counts
once. The signals that are one flag per touch (delivered, opened, redeemed) are set here by a conditional update
that counts in the rollup only when it changed the flag; money is domain.marketing.effect.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction

# A first touch of a source, raced by another first touch, meets the rollup's unique index: tried again.
_UPSERT_RACES = 3
_DELIVERED = "SENT"


class TouchSource(StrEnum):
    CAMPAIGN = "CAMPAIGN"
    JOURNEY = "JOURNEY"


class Group(StrEnum):
    TREATMENT = "TREATMENT"
    CONTROL = "CONTROL"


@dataclass(frozen=True)
class Touch:
    member_id: ObjectId
    group: Group
    coupon_id: ObjectId | None
    notification_id: ObjectId | None


def rollup_key(merchant_id: ObjectId, source_id: ObjectId, group: str) -> Doc:
    return {"merchant_id": merchant_id, "source_id": source_id, "group": group}


async def _delivered(
    mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, notification_ids: list[ObjectId]
) -> set[ObjectId]:
    """Marks the notifications as a touch's (so their delivery reports back here, domain.notifications.delivery)
    and returns those a channel already delivered. Marked before the read: a delivery finishing meanwhile either
    is seen here or sees the mark."""
    if not notification_ids:
        return set()
    query: Doc = {"merchant_id": merchant_id, "_id": {"$in": notification_ids}}
    notes = mongo.db[c.NOTIFICATIONS]
    await notes.update_many(query, {"$set": {"touched": True}}, session=session)
    found = notes.find(query, {"wechat.status": 1, "sms.status": 1}, session=session)
    return {
        n["_id"]
        async for n in found
        if _DELIVERED in ((n.get("wechat") or {}).get("status"), (n.get("sms") or {}).get("status"))
    }


async def record_touches(
    *,
    mongo: Mongo,
    session: AsyncClientSession | None = None,
    merchant_id: ObjectId,
    source: TouchSource,
    source_id: ObjectId,
    touches: Sequence[Touch],
    at: datetime,
    window_days: int,
) -> int:
    """Records who the source touched at `at`; their paid orders count for `window_days` from then. Members already
    touched by this source are left as they were. Returns how many touches were new. Pass `session` to record them
    in the sender's transaction (with the coupons and notifications they name)."""
    until = at + timedelta(days=window_days)

    async def work(s: AsyncClientSession) -> int:
        new = await _not_yet_touched(mongo, s, merchant_id, source_id, touches)
        if not new:
            return 0
        delivered = await _delivered(mongo, s, merchant_id, [t.notification_id for t in new if t.notification_id])
        coupons = [t.coupon_id for t in new if t.coupon_id]
        if coupons:
            # A marked coupon announces its redemption (COUPON_REDEEMED); others write nothing more.
            await mongo.db[c.COUPONS].update_many(
                {"merchant_id": merchant_id, "_id": {"$in": coupons}}, {"$set": {"touched": True}}, session=s
            )
        docs = [_touch_doc(merchant_id, source, source_id, t, at, until, t.notification_id in delivered) for t in new]
        await mongo.db[c.MARKETING_TOUCHES].insert_many(docs, session=s)
        await _count_touched(mongo, s, merchant_id, source, source_id, docs)
        return len(new)

    if session is not None:
        return await work(session)
    for attempt in range(_UPSERT_RACES):
        try:
            return await transaction(mongo, work)
        except DuplicateKeyError:
            if attempt == _UPSERT_RACES - 1:
                raise
    raise AssertionError("unreachable")


async def _not_yet_touched(
    mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, source_id: ObjectId, touches: Sequence[Touch]
) -> list[Touch]:
    """The touches of members the source has not touched yet, each member once."""
    ids = list(dict.fromkeys(t.member_id for t in touches))
    old = mongo.db[c.MARKETING_TOUCHES].find(
        {"merchant_id": merchant_id, "source_id": source_id, "member_id": {"$in": ids}}, {"member_id": 1}, session=s
    )
    seen = {d["member_id"] async for d in old}
    new: list[Touch] = []
    for t in touches:
        if t.member_id not in seen:
            seen.add(t.member_id)
            new.append(t)
    return new


async def _count_touched(
    mongo: Mongo,
    s: AsyncClientSession,
    merchant_id: ObjectId,
    source: TouchSource,
    source_id: ObjectId,
    docs: list[Doc],
) -> None:
    for group in Group:
        mine = [d for d in docs if d["group"] == group.value]
        if not mine:
            continue
        inc = {
            "members": len(mine),
            "sent": sum(1 for d in mine if d["notification_id"] is not None),
            "delivered": sum(1 for d in mine if d["delivered_at"] is not None),
        }
        await mongo.db[c.MARKETING_EFFECTS].update_one(
            rollup_key(merchant_id, source_id, group.value),
            {"$inc": inc, "$setOnInsert": {"source": source.value}},
            upsert=True,
            session=s,
        )


def _touch_doc(
    merchant_id: ObjectId,
    source: TouchSource,
    source_id: ObjectId,
    touch: Touch,
    at: datetime,
    until: datetime,
    delivered: bool,
) -> Doc:
    return {
        "merchant_id": merchant_id,
        "source": source.value,
        "source_id": source_id,
        "member_id": touch.member_id,
        "group": touch.group.value,
        "coupon_id": touch.coupon_id,
        "notification_id": touch.notification_id,
        "at": at,
        "until": until,
        "delivered_at": at if delivered else None,
        "opened_at": None,
        "redeemed_at": None,
        # Money inside the window (domain.marketing.effect): what each paid order credited, each refund took back.
        "revenue_fen": 0,
        "orders": {},
        "refunds": {},
    }


async def _flag(mongo: Mongo, merchant_id: ObjectId, query: Doc, flag: str, counter: str) -> bool:
    """Sets the touch's `flag` once and counts it in its rollup's `counter` in the same transaction."""
    now = datetime.now(UTC)

    async def work(s: AsyncClientSession) -> bool:
        touch = await mongo.db[c.MARKETING_TOUCHES].find_one_and_update(
            {**query, "merchant_id": merchant_id, flag: None},
            {"$set": {flag: now}},
            projection={"source_id": 1, "group": 1},
            session=s,
        )
        if touch is None:
            return False
        await mongo.db[c.MARKETING_EFFECTS].update_one(
            rollup_key(merchant_id, touch["source_id"], touch["group"]), {"$inc": {counter: 1}}, session=s
        )
        return True

    return await transaction(mongo, work)


async def mark_delivered(*, mongo: Mongo, merchant_id: ObjectId, notification_id: ObjectId) -> None:
    """A channel delivered the touch's notification (a push or an SMS was sent); counted once however many."""
    await _flag(mongo, merchant_id, {"notification_id": notification_id}, "delivered_at", "delivered")


async def mark_opened(*, mongo: Mongo, merchant_id: ObjectId, notification_ids: Sequence[ObjectId]) -> None:
    """The member read touches' notifications in their inbox; each counted once."""
    for notification_id in notification_ids:
        await _flag(mongo, merchant_id, {"notification_id": notification_id}, "opened_at", "opened")


async def mark_redeemed(*, mongo: Mongo, merchant_id: ObjectId, coupon_id: ObjectId) -> None:
    """A touch's coupon was used in store (COUPON_REDEEMED); counted once."""
    await _flag(mongo, merchant_id, {"coupon_id": coupon_id}, "redeemed_at", "redeemed")
