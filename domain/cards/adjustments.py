"""Manual balance adjustments by a manager (补偿, corrections): a reason is required, the entry is an
ADJUSTMENT carrying the staff member's id, and the act goes to the audit log.

A stored-value adjustment names the part it changes; it defaults to the bonus part, so a goodwill credit
never becomes refundable cash by accident.
"""

from enum import StrEnum

from bson import ObjectId

from db.mongo import Mongo
from domain import access_log
from domain.access_log import AccessAction, Accessor
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import Account, Actor, ActorKind, Entry, EntryKind, Parts, Posting, check_key, post_alone
from domain.cards.status import check_reason
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff, audit


class StoredValuePart(StrEnum):
    PAID = "PAID"
    BONUS = "BONUS"


async def adjust_balance(
    *,
    mongo: Mongo,
    actor: Staff,
    member_id: ObjectId,
    account: Account,
    amount: int,
    part: StoredValuePart,
    reason: str,
    idempotency_key: str,
) -> Entry:
    """OWNER or MANAGER. A debit may not take the balance below zero, like every other posting."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    if account is Account.COUNT:
        raise CardError(CardCode.INVALID_AMOUNT, "account")
    if amount == 0:
        raise CardError(CardCode.INVALID_AMOUNT, "amount")
    reason = check_reason(reason)
    parts = None
    if account is Account.STORED_VALUE:
        parts = Parts(amount, 0) if part is StoredValuePart.PAID else Parts(0, amount)
    entry = await post_alone(
        mongo=mongo,
        posting=Posting(
            merchant_id=actor.merchant_id,
            member_id=member_id,
            account=account,
            kind=EntryKind.ADJUSTMENT,
            amount=amount,
            parts=parts,
            reference=f"staff:{actor.id}",
            actor=Actor(ActorKind.STAFF, actor.id),
            reason=reason,
            idempotency_key=check_key(idempotency_key),
        ),
    )
    if not entry.replayed:
        await audit(
            mongo=mongo,
            actor=actor,
            action="ledger.adjust",
            target=entry.id,
            member_id=member_id,
            account=account.value,
            amount=amount,
            reason=reason,
        )
        await access_log.record(
            mongo=mongo,
            merchant_id=actor.merchant_id,
            who=Accessor.of(actor),
            action=AccessAction.BALANCE_ADJUSTED,
            member_id=member_id,
            account=account.value,
            amount=amount,
            reason=reason,
        )
    return entry
