"""A member's agreement to the privacy policy: which version, when, through which mini-program platform; and the
gate every operation that stores personal data beyond the openid passes (a phone, a birthday, a nickname), which
asks for an agreement to the version in effect now, so a new version asks again.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.privacy import policy
from domain.privacy.errors import PrivacyCode, PrivacyError
from domain.privacy.policy import Policy


@dataclass(frozen=True)
class ConsentStatus:
    policy: Policy
    # When the member agreed to `policy`; None while they have not.
    agreed_at: datetime | None

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None


async def _agreed_at(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, version: str) -> datetime | None:
    doc = await mongo.db[c.PRIVACY_CONSENTS].find_one(
        {"merchant_id": merchant_id, "member_id": member_id, "version": version}, {"agreed_at": 1}
    )
    return doc["agreed_at"].replace(tzinfo=UTC) if doc else None


async def status(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime) -> ConsentStatus:
    current = await policy.current(mongo=mongo, merchant_id=merchant_id, now=now)
    return ConsentStatus(current, await _agreed_at(mongo, merchant_id, member_id, current.version))


async def agree(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, version: str, now: datetime
) -> ConsentStatus:
    """Records the member's agreement to `version`, which must be the one in effect (an older one is what they are
    being asked to move on from; a future one they cannot have been shown). Agreeing twice keeps the first time."""
    current = await policy.current(mongo=mongo, merchant_id=merchant_id, now=now)
    if version.strip() != current.version:
        raise PrivacyError(PrivacyCode.POLICY_VERSION_NOT_CURRENT, "version", current=current.version)
    member = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id}, {"channel": 1})
    if member is None:
        raise RuntimeError("a signed-in member without a member document")
    await mongo.db[c.PRIVACY_CONSENTS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id, "version": current.version},
        {"$setOnInsert": {"agreed_at": now, "channel": member["channel"], "policy_id": current.id}},
        upsert=True,
    )
    return await status(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=now)


async def require(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime, field: str) -> None:
    """Refuses (PRIVACY_CONSENT_REQUIRED on `field`) until the member agreed to the version in effect now."""
    if not (await status(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=now)).agreed:
        raise PrivacyError(PrivacyCode.PRIVACY_CONSENT_REQUIRED, field)
