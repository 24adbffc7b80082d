"""Payouts in words, once per payout however often an event runs: PAYOUT_WAITING asks the member to confirm the
transfer in the mini-program (分红待收款), PAYOUT_SENT says what reached their WeChat balance (分红已发放). The
payout is read first, so the message says what it is now: nothing is asked of a payout already settled.
"""

from datetime import datetime

from db import collections as c
from db.mongo import Doc
from domain.events import PayoutSent, PayoutWaiting
from domain.notifications.delivery import Outlets, notify
from domain.notifications.topics import Topic, local_time, yuan
from domain.outbox import OutboxEntry
from domain.payouts.model import PayoutStatus

DEFAULT_TIMEZONE = "Asia/Shanghai"
_PAID = (PayoutStatus.PAID.value, PayoutStatus.PARTIALLY_PAID.value)


async def payout_waiting(out: Outlets, entry: OutboxEntry, event: PayoutWaiting) -> None:
    payout = await out.mongo.db[c.PAYOUTS].find_one({"_id": event.payout_id, "merchant_id": entry.merchant_id})
    if payout is None or payout["status"] != PayoutStatus.PROCESSING.value:
        return
    await _tell(out, entry, payout, Topic.PAYOUT_WAITING, payout["amount_fen"], entry.created_at)


async def payout_sent(out: Outlets, entry: OutboxEntry, event: PayoutSent) -> None:
    payout = await out.mongo.db[c.PAYOUTS].find_one({"_id": event.payout_id, "merchant_id": entry.merchant_id})
    if payout is None or payout["status"] not in _PAID:
        return
    await _tell(out, entry, payout, Topic.PAYOUT_SENT, payout["paid_fen"], payout["settled_at"])


async def _tell(out: Outlets, entry: OutboxEntry, payout: Doc, topic: Topic, amount_fen: int, at: datetime) -> None:
    store = await out.mongo.db[c.STORES].find_one({"merchant_id": entry.merchant_id}, sort=[("_id", 1)])
    fields = {
        "amount": yuan(amount_fen),
        "time": local_time(at, store["timezone"] if store else DEFAULT_TIMEZONE),
        "payout_id": str(payout["_id"]),
    }
    await notify(
        out,
        merchant_id=entry.merchant_id,
        member_id=payout["beneficiary_id"],
        topic=topic,
        fields=fields,
        dedupe_key=f"outbox:{entry.id}:{topic.value}",
    )
