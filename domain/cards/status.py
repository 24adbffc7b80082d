"""Card status, changed by staff: reported LOST (挂失) it spends nothing; a reissue (补卡) puts a new number on
the same card document, active again, so every balance stays exactly as it was. Both go to the audit log.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Mongo
from domain.cards.card import NUMBER_ATTEMPTS, new_card_number, number_taken
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import CardStatus
from domain.cards.views import CardView, card_view
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff, audit

MAX_REASON = 200


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise CardError(CardCode.REASON_REQUIRED, "reason", max_length=MAX_REASON)
    return reason


async def _view(mongo: Mongo, actor: Staff, member_id: ObjectId) -> CardView:
    view = await card_view(mongo=mongo, merchant_id=actor.merchant_id, member_id=member_id)
    if view is None:
        raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    return view


async def report_lost(*, mongo: Mongo, actor: Staff, member_id: ObjectId, reason: str) -> CardView:
    """挂失 at the counter (OWNER, MANAGER, CASHIER): from now on the card spends nothing."""
    if not actor.has_role(Role.OWNER, Role.MANAGER, Role.CASHIER):
        raise PermissionDenied()
    reason = check_reason(reason)
    doc = await mongo.db[c.CARDS].find_one_and_update(
        {"merchant_id": actor.merchant_id, "member_id": member_id, "status": {"$ne": CardStatus.CLOSED.value}},
        {"$set": {"status": CardStatus.LOST.value, "lost_at": datetime.now(UTC)}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    await audit(mongo=mongo, actor=actor, action="card.lost", target=doc["_id"], number=doc["number"], reason=reason)
    return await _view(mongo, actor, member_id)


async def reissue(
    *, mongo: Mongo, actor: Staff, member_id: ObjectId, reason: str, numbers: Callable[[], str] = new_card_number
) -> CardView:
    """补卡 (OWNER, MANAGER): a new number on the same card, active again, balances untouched."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    reason = check_reason(reason)
    for _ in range(NUMBER_ATTEMPTS):
        number = numbers()
        try:
            doc = await mongo.db[c.CARDS].find_one_and_update(
                # A closed account's card stays closed.
                {"merchant_id": actor.merchant_id, "member_id": member_id, "status": {"$ne": CardStatus.CLOSED.value}},
                {
                    "$set": {"number": number, "status": CardStatus.ACTIVE.value, "reissued_at": datetime.now(UTC)},
                    "$push": {"numbers": number},
                },
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as e:
            if number_taken(e):
                continue
            raise
        if doc is None:
            raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
        await audit(
            mongo=mongo,
            actor=actor,
            action="card.reissue",
            target=doc["_id"],
            old_number=doc["number"],
            number=number,
            reason=reason,
        )
        return await _view(mongo, actor, member_id)
    raise RuntimeError("no free card number after several draws")
