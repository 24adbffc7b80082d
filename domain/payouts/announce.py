"""PAYOUT_SENT in words: the member is told what reached their WeChat balance (分红已发放), once per payout,
however often the event runs. The payout is read first, so the message says what it is now.
"""

from db import collections as c
from domain.notifications.delivery import Outlets, notify
from domain.notifications.topics import Topic, local_time, yuan
from domain.outbox import OutboxEntry
from domain.payouts.model import PayoutStatus

DEFAULT_TIMEZONE = "Asia/Shanghai"
_PAID = (PayoutStatus.PAID.value, PayoutStatus.PARTIALLY_PAID.value)


async def payout_sent(out: Outlets, entry: OutboxEntry) -> None:
    """PAYOUT_SENT {payout_id, member_id, paid_fen, settled_at}."""
    p = entry.payload
    payout = await out.mongo.db[c.PAYOUTS].find_one({"_id": p["payout_id"], "merchant_id": entry.merchant_id})
    if payout is None or payout["status"] not in _PAID:
        return
    store = await out.mongo.db[c.STORES].find_one({"merchant_id": entry.merchant_id}, sort=[("_id", 1)])
    fields = {
        "amount": yuan(payout["paid_fen"]),
        "time": local_time(payout["settled_at"], store["timezone"] if store else DEFAULT_TIMEZONE),
        "payout_id": str(payout["_id"]),
    }
    await notify(
        out,
        merchant_id=entry.merchant_id,
        member_id=payout["beneficiary_id"],
        topic=Topic.PAYOUT_SENT,
        fields=fields,
        dedupe_key=f"outbox:{entry.id}:{Topic.PAYOUT_SENT.value}",
    )
