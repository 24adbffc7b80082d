"""A member's marketing consent: whether they stopped all marketing messages, and whether they agreed to SMS.
Separate from the privacy policy and revocable at any time; every change keeps its time and channel in the
document's history. A member with no document has stopped nothing and agreed to no SMS.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.marketing.errors import MarketingCode, MarketingError
from domain.pii import PiiCipher, normalize_phone
from domain.privacy import consent as privacy_consent

# The latest changes kept per member: enough to show who changed what, bounded however often they toggle.
HISTORY_KEPT = 50
# An SMS reply that stops marketing (回T退订), compared without case and spaces.
_STOP_REPLIES = frozenset({"T", "TD", "N", "退订"})


class ConsentChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"
    SMS = "SMS"
    STAFF = "STAFF"


@dataclass(frozen=True)
class MarketingConsent:
    # The member stopped all marketing (the mini-program switch, or SMS 回T退订).
    stopped: bool
    # SMS goes only to members who agreed.
    sms_agreed: bool


NONE_GIVEN = MarketingConsent(stopped=False, sms_agreed=False)


def _consent_of(doc: Doc | None) -> MarketingConsent:
    if doc is None:
        return NONE_GIVEN
    return MarketingConsent(stopped=bool(doc.get("stopped")), sms_agreed=bool(doc.get("sms_agreed")))


async def set_marketing(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    stopped: bool | None,
    sms_agreed: bool | None,
    channel: str,
    now: datetime,
) -> MarketingConsent:
    """Changes what is named (None leaves it); a call that changes nothing leaves no history, so a replayed
    request or a repeated 退订 reply is harmless."""
    how = ConsentChannel(channel)
    if stopped is None and sms_agreed is None:
        raise MarketingError(MarketingCode.MARKETING_CONSENT_EMPTY, "stopped")
    if sms_agreed and how is ConsentChannel.MINI_PROGRAM:
        # Marketing SMS uses their phone: personal data beyond the openid, so the privacy policy comes first.
        # Stopping never waits for it.
        await privacy_consent.require(
            mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=now, field="smsAgreed"
        )
    key: Doc = {"merchant_id": merchant_id, "member_id": member_id}
    consents = mongo.db[c.MARKETING_CONSENTS]
    current = _consent_of(await consents.find_one(key, {"stopped": 1, "sms_agreed": 1}))
    wanted = MarketingConsent(
        stopped=current.stopped if stopped is None else stopped,
        sms_agreed=current.sms_agreed if sms_agreed is None else sms_agreed,
    )
    if wanted == current:
        return current
    change: Doc = {"at": now, "channel": how.value, "stopped": wanted.stopped, "sms_agreed": wanted.sms_agreed}
    update: Doc = {
        "$set": {"stopped": wanted.stopped, "sms_agreed": wanted.sms_agreed, "updated_at": now},
        "$push": {"history": {"$each": [change], "$slice": -HISTORY_KEPT}},
    }
    try:
        doc = await consents.find_one_and_update(key, update, upsert=True, return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:
        # Two first changes at once: the other inserted the document, so this one updates it.
        doc = await consents.find_one_and_update(key, update, return_document=ReturnDocument.AFTER)
    return _consent_of(doc)


async def consents_of(
    *, mongo: Mongo, merchant_id: ObjectId, member_ids: Sequence[ObjectId]
) -> dict[ObjectId, MarketingConsent]:
    """Every named member's consent in one query; members without a document get NONE_GIVEN."""
    ids = list(dict.fromkeys(member_ids))
    found: dict[ObjectId, MarketingConsent] = dict.fromkeys(ids, NONE_GIVEN)
    if not ids:
        return found
    cursor = mongo.db[c.MARKETING_CONSENTS].find(
        {"merchant_id": merchant_id, "member_id": {"$in": ids}}, {"member_id": 1, "stopped": 1, "sms_agreed": 1}
    )
    async for doc in cursor:
        found[doc["member_id"]] = _consent_of(doc)
    return found


@dataclass(frozen=True)
class Consented:
    """A consent with the history of its changes, newest last, for the member's own copy and for staff."""

    consent: MarketingConsent
    history: tuple[tuple[datetime, ConsentChannel, MarketingConsent], ...]


async def consent_with_history(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> Consented:
    doc = await mongo.db[c.MARKETING_CONSENTS].find_one({"merchant_id": merchant_id, "member_id": member_id})
    changes = (doc or {}).get("history") or []
    return Consented(
        _consent_of(doc),
        tuple(
            (h["at"], ConsentChannel(h["channel"]), MarketingConsent(h["stopped"], h["sms_agreed"])) for h in changes
        ),
    )


def is_stop_reply(text: str) -> bool:
    return "".join(text.split()).upper() in _STOP_REPLIES


async def stop_by_sms_reply(
    *, mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, phone: str, text: str, now: datetime
) -> int:
    """A member replied to the merchant's SMS: a stop reply (回T退订) stops marketing for every member of the
    merchant with that phone. Returns how many members that was; other replies and unknown phones change nothing."""
    normalized = normalize_phone(phone)
    if normalized is None or not is_stop_reply(text):
        return 0
    cards = mongo.db[c.CARDS].find(
        {"merchant_id": merchant_id, "phone_hash": pii.lookup_hash(normalized)}, {"member_id": 1}
    )
    members = [card["member_id"] async for card in cards]
    for member_id in members:
        await set_marketing(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=member_id,
            stopped=True,
            sms_agreed=None,
            channel=ConsentChannel.SMS,
            now=now,
        )
    return len(members)
