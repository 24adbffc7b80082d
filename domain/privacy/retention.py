"""How long a merchant keeps the personal data of members who stopped coming (an OWNER's setting, in years), and
the monthly sweep that applies it: members with no paid order, sign-in or booking for that long are anonymized
exactly as a closing does (domain.privacy.erasure), unless something is unsettled, and notification bodies and
sign-in records older than that are deleted.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.access_log import PLATFORM
from domain.errors import DomainError, PermissionDenied
from domain.pii import PiiCipher
from domain.privacy.erasure import ErasureError, close_account
from domain.tenancy import Role, Staff, audit

DEFAULT_YEARS = 3
MIN_YEARS = 1
MAX_YEARS = 10
# Members looked at per read: an $in of candidates against orders and bookings.
_BATCH = 500


class RetentionCode(StrEnum):
    RETENTION_YEARS_INVALID = "RETENTION_YEARS_INVALID"


class RetentionError(DomainError):
    pass


@dataclass(frozen=True)
class Retention:
    years: int


@dataclass(frozen=True)
class Swept:
    anonymized: int
    # Inactive, but with something unsettled (stored value to refund, a payout in flight...): left for a later run.
    skipped: int
    notifications_deleted: int
    sessions_deleted: int


def _years(doc: dict[str, object] | None) -> int:
    years = (doc or {}).get("retention_years")
    return years if isinstance(years, int) else DEFAULT_YEARS


async def retention_of(*, mongo: Mongo, merchant_id: ObjectId) -> Retention:
    doc = await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"retention_years": 1})
    return Retention(_years(doc))


async def set_retention(*, mongo: Mongo, actor: Staff, years: int) -> Retention:
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    if not MIN_YEARS <= years <= MAX_YEARS:
        raise RetentionError(RetentionCode.RETENTION_YEARS_INVALID, "retentionYears", min=MIN_YEARS, max=MAX_YEARS)
    await mongo.db[c.MERCHANTS].update_one({"_id": actor.merchant_id}, {"$set": {"retention_years": years}})
    await audit(mongo=mongo, actor=actor, action="privacy.retention", target=actor.merchant_id, years=years)
    return Retention(years)


def cutoff_of(now: datetime, years: int) -> datetime:
    return now - timedelta(days=365 * years)


async def _inactive(mongo: Mongo, merchant_id: ObjectId, cutoff: datetime, after: ObjectId | None) -> list[ObjectId]:
    """The next batch of members who joined and last signed in before the cutoff, without the ones who paid an
    order or had a booking since: three reads per batch."""
    query: dict[str, object] = {
        "merchant_id": merchant_id,
        "closed_at": None,
        "created_at": {"$lt": cutoff},
        "$or": [{"last_login_at": {"$lt": cutoff}}, {"last_login_at": None}],
    }
    if after is not None:
        query["_id"] = {"$gt": after}
    members = await mongo.db[c.MEMBERS].find(query, {"_id": 1}).sort("_id", 1).limit(_BATCH).to_list()
    ids = [m["_id"] for m in members]
    if not ids:
        return []
    mine = {"merchant_id": merchant_id, "member_id": {"$in": ids}}
    paid = await mongo.db[c.ORDERS].distinct("member_id", {**mine, "paid_at": {"$gte": cutoff}})
    booked = await mongo.db[c.BOOKINGS].distinct("member_id", {**mine, "start": {"$gte": cutoff}})
    active = set(paid) | set(booked)
    # The last id read goes first, so the caller pages on even when every member of the batch was active.
    return [ids[-1], *(i for i in ids if i not in active)]


async def sweep_merchant(*, mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, now: datetime) -> Swept:
    cutoff = cutoff_of(now, (await retention_of(mongo=mongo, merchant_id=merchant_id)).years)
    anonymized = skipped = 0
    after: ObjectId | None = None
    while batch := await _inactive(mongo, merchant_id, cutoff, after):
        after, inactive = batch[0], batch[1:]
        for member_id in inactive:
            try:
                await close_account(
                    mongo=mongo,
                    pii=pii,
                    merchant_id=merchant_id,
                    member_id=member_id,
                    who=PLATFORM,
                    detail={"reason": "retention"},
                    now=now,
                )
                anonymized += 1
            except ErasureError:
                skipped += 1
    notes = await mongo.db[c.NOTIFICATIONS].delete_many({"merchant_id": merchant_id, "created_at": {"$lt": cutoff}})
    tokens = await mongo.db[c.REFRESH_TOKENS].delete_many({"merchant_id": merchant_id, "created_at": {"$lt": cutoff}})
    return Swept(anonymized, skipped, notes.deleted_count, tokens.deleted_count)


async def sweep(*, mongo: Mongo, pii: PiiCipher, now: datetime) -> Swept:
    """Every merchant, each by its own setting; run twice, the second run finds nothing left to do."""
    total = Swept(0, 0, 0, 0)
    async for merchant in mongo.db[c.MERCHANTS].find({}, {"_id": 1}).sort("_id", 1):
        done = await sweep_merchant(mongo=mongo, pii=pii, merchant_id=merchant["_id"], now=now)
        total = Swept(
            total.anonymized + done.anonymized,
            total.skipped + done.skipped,
            total.notifications_deleted + done.notifications_deleted,
            total.sessions_deleted + done.sessions_deleted,
        )
    return total
