"""The frequency cap: at most `week_cap` marketing messages per member per week, across every campaign and journey.
A week is an ISO week on Beijing time (Monday to Sunday, as the merchants' staff count it); one counter document
per member and week, taken by a conditional increment so racing senders never pass the cap together.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Mongo

DEFAULT_WEEK_CAP = 2
_ZONE = ZoneInfo("Asia/Shanghai")
# A week's counter is kept a little past its week, then removed by its TTL index.
_KEPT = timedelta(days=21)


def week_of(now: datetime) -> str:
    year, week, _ = now.astimezone(_ZONE).isocalendar()
    return f"{year}-W{week:02d}"


async def take_message_slot(
    *,
    mongo: Mongo,
    session: AsyncClientSession | None = None,
    merchant_id: ObjectId,
    member_id: ObjectId,
    week_cap: int,
    now: datetime,
) -> bool:
    """True when the member had a slot left this week, and it is now taken; False (nothing changed) otherwise.
    Pass `session` to take it in the sender's transaction, so an aborted send gives it back."""
    if week_cap <= 0:
        return False
    key = {"merchant_id": merchant_id, "member_id": member_id, "week": week_of(now)}
    slots = mongo.db[c.MARKETING_SLOTS]
    # The counter exists first (an upsert that changes nothing when it does), so the taking update below never
    # inserts: a full week then matches nothing instead of colliding with the unique index.
    try:
        await slots.update_one(key, {"$setOnInsert": {"n": 0, "expires_at": now + _KEPT}}, upsert=True, session=session)
    except DuplicateKeyError:
        # A racing first taker inserted it; inside a transaction the error ends it, and the caller retries.
        if session is not None:
            raise
    taken = await slots.update_one({**key, "n": {"$lt": week_cap}}, {"$inc": {"n": 1}}, session=session)
    return taken.modified_count == 1
