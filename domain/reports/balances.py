"""What the merchant owes right now (balanceReport): stored value (paid and bonus parts), points, unused
count-card uses, and commissions pending, available and owed back. Each is one grouping over the balance
documents the ledgers keep (one per card, count card or commission account), never over orders or entries.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.reports.figures import stored_value_owed
from domain.tenancy import Role, Staff


@dataclass(frozen=True)
class Balances:
    stored_value_paid_fen: int
    stored_value_bonus_fen: int
    points: int
    count_card_uses: int
    commissions_pending_fen: int
    commissions_available_fen: int
    commissions_owed_back_fen: int


async def _sums(mongo: Mongo, collection: str, match: Doc, fields: tuple[str, ...]) -> dict[str, int]:
    group: Doc = {"_id": None, **{f: {"$sum": f"${f}"} for f in fields}}
    rows = await (await mongo.db[collection].aggregate([{"$match": match}, {"$group": group}])).to_list()
    row = rows[0] if rows else {}
    return {f: int(row.get(f, 0)) for f in fields}


async def balances(*, mongo: Mongo, actor: Staff, now: datetime | None = None) -> Balances:
    """OWNER or an all-stores MANAGER (else PermissionDenied): balances are merchant-wide money."""
    if not actor.has_role(Role.OWNER, Role.MANAGER) or not actor.all_stores:
        raise PermissionDenied()
    merchant_id: ObjectId = actor.merchant_id
    stored = await stored_value_owed(mongo=mongo, merchant_id=merchant_id)
    points = await _sums(mongo, c.CARDS, {"merchant_id": merchant_id}, ("points",))
    # An expired count card's uses can no longer be had: nothing is owed on them.
    unexpired = {"merchant_id": merchant_id, "expires_at": {"$gt": now or datetime.now(UTC)}}
    uses = await _sums(mongo, c.COUNT_CARDS, unexpired, ("remaining",))
    commissions = await _sums(
        mongo, c.COMMISSION_ACCOUNTS, {"merchant_id": merchant_id}, ("pending_fen", "available_fen", "owed_fen")
    )
    return Balances(
        stored_value_paid_fen=stored.paid_fen,
        stored_value_bonus_fen=stored.bonus_fen,
        points=points["points"],
        count_card_uses=uses["remaining"],
        commissions_pending_fen=commissions["pending_fen"],
        commissions_available_fen=commissions["available_fen"],
        commissions_owed_back_fen=commissions["owed_fen"],
    )
