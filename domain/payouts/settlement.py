"""Settling transfer bills and their payouts. A bill's state comes from the create answer, a query or the
MCHTRANSFER.BILL.FINISHED notification, and all three go through `record_bill`, so they settle identically; a
final state is never changed again. When a payout's last bill is final the payout is settled in one transaction:

- every bill paid: PAID;
- none paid (failed, cancelled, expired unconfirmed, refused): FAILED with the reason; its commissions go back to
  AVAILABLE (CANCELLED if refunds took them to nothing meanwhile), the clawbacks it netted are owed again, and
  the rests it carried are free to be carried again;
- some paid: PARTIALLY_PAID; the unpaid rest goes back to available and joins the next payout.

A bill waiting for the member to confirm it announces PAYOUT_WAITING (once per payout); anything paid announces
PAYOUT_SENT through the outbox. Every money move is a ledger entry keyed by the payout.
"""

import logging
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.commissions.commission import CommissionStatus
from domain.commissions.ledger import Bucket, EntryKind, post
from domain.events import PayoutSent, PayoutWaiting
from domain.payouts.channel import Pacing, PayoutChannel
from domain.payouts.model import FINAL, PayoutStatus, TransferStatus
from payments.errors import NotificationRejected
from payments.wechatpay.transfers import TransferBill, TransferNotification, TransferState

log = logging.getLogger(__name__)

_NET = {"$subtract": ["$amount_fen", "$reversed_fen"]}
_FINAL_VALUES = [s.value for s in FINAL]


def _next_look(state: TransferState, now: datetime, pacing: Pacing) -> datetime:
    waiting = state is TransferState.WAIT_USER_CONFIRM
    return now + (pacing.poll_every if waiting else pacing.poll_moving_every)


def _disagrees(doc: Doc, bill: TransferBill) -> str | None:
    if bill.amount_fen is not None and bill.amount_fen != doc["amount_fen"]:
        return f"amount {bill.amount_fen} is not the bill's {doc['amount_fen']}"
    if bill.openid is not None and bill.openid != doc["openid"]:
        return "payee is not the bill's"
    return None


async def record_bill(*, mongo: Mongo, bill: TransferBill, now: datetime, pacing: Pacing) -> TransferStatus | None:
    """Applies what WeChat Pay says of one bill, settling its payout in the same transaction when that was its
    last open bill; returns the bill's status, or None when it is not one of ours or does not match ours (logged
    loudly, never applied)."""
    doc = await mongo.db[c.PAYOUT_TRANSFERS].find_one({"out_bill_no": bill.out_bill_no})
    if doc is None:
        log.error("TRANSFER BILL UNKNOWN", extra={"out_bill_no": bill.out_bill_no})
        return None
    if (problem := _disagrees(doc, bill)) is not None:
        log.error("TRANSFER BILL DISAGREES", extra={"out_bill_no": bill.out_bill_no, "problem": problem})
        return None
    status = TransferStatus(bill.state.value)
    change: dict[str, Any] = {
        "$set": {
            "status": status.value,
            "transfer_bill_no": bill.transfer_bill_no,
            "updated_at": now,
            **({"package_info": bill.package_info} if bill.package_info else {}),
            **({"fail_reason": bill.fail_reason} if bill.fail_reason else {}),
        }
    }
    if not status.final:
        # Still moving: nothing else changes with it, so no transaction; a final state is never overwritten.
        change["$set"]["due_at"] = _next_look(bill.state, now, pacing)
        await mongo.db[c.PAYOUT_TRANSFERS].update_one({"_id": doc["_id"], "status": {"$nin": _FINAL_VALUES}}, change)
        if status is TransferStatus.WAIT_USER_CONFIRM:
            # One message per payout, however many of its bills wait and however often they are looked at.
            await outbox.record_once(
                mongo=mongo,
                merchant_id=doc["merchant_id"],
                event=PayoutWaiting(payout_id=doc["payout_id"], member_id=doc["beneficiary_id"]),
                dedupe_key=f"payout.waiting:{doc['payout_id']}",
            )
        return status
    change["$set"]["settled_at"] = now
    change["$unset"] = {"due_at": ""}

    async def work(session: AsyncClientSession) -> TransferStatus:
        current = await mongo.db[c.PAYOUT_TRANSFERS].find_one({"_id": doc["_id"]}, {"status": 1}, session=session)
        assert current is not None
        if TransferStatus(current["status"]).final:
            # Already final (a notification after a query, a redelivery): only make sure the payout got settled.
            await settle_in(mongo, session, merchant_id=doc["merchant_id"], payout_id=doc["payout_id"], now=now)
            return TransferStatus(current["status"])
        await mongo.db[c.PAYOUT_TRANSFERS].update_one({"_id": doc["_id"]}, change, session=session)
        await bill_finished(
            mongo, session, merchant_id=doc["merchant_id"], payout_id=doc["payout_id"], failed=status.failed, now=now
        )
        return status

    return await transaction(mongo, work)


async def receive_notification(
    *, mongo: Mongo, channel: PayoutChannel, note: TransferNotification, now: datetime
) -> TransferStatus | None:
    """A verified MCHTRANSFER.BILL.FINISHED, applied like any other answer about the bill; one for another
    merchant account is logged and never applied."""
    try:
        note.check_merchant(channel.transfers.config.mchid)
    except NotificationRejected as e:
        log.error("TRANSFER NOTIFICATION REJECTED", extra={"reason": e.reason})
        return None
    return await record_bill(mongo=mongo, bill=note.bill, now=now, pacing=channel.pacing)


async def bill_finished(
    mongo: Mongo,
    session: AsyncClientSession,
    *,
    merchant_id: ObjectId,
    payout_id: ObjectId,
    failed: bool,
    now: datetime,
) -> PayoutStatus | None:
    """In the transaction that made a bill final: a failure stops the payout's bills not yet sent; then the payout
    is settled if that was its last open bill."""
    if failed:
        await mongo.db[c.PAYOUT_TRANSFERS].update_many(
            {"payout_id": payout_id, "status": TransferStatus.PLANNED.value},
            {"$set": {"status": TransferStatus.ABANDONED.value, "settled_at": now}, "$unset": {"due_at": ""}},
            session=session,
        )
    return await settle_in(mongo, session, merchant_id=merchant_id, payout_id=payout_id, now=now)


def _unheld(status: CommissionStatus) -> Doc:
    return {"$set": {"status": status.value, "payout_id": None, "paid_out_at": None}}


async def _return_commissions(mongo: Mongo, session: AsyncClientSession, payout: Doc) -> None:
    """FAILED: the held commissions, the netted clawbacks and the carried rests all as they were, except for what
    refunds took meanwhile (owed while held; now simply off the commissions themselves)."""
    commissions = mongo.db[c.COMMISSIONS]
    held = {
        "merchant_id": payout["merchant_id"],
        "status": CommissionStatus.PAID.value,
        "beneficiary_id": payout["beneficiary_id"],
        "payout_id": payout["_id"],
    }
    pipeline: list[Doc] = [{"$match": held}, {"$group": {"_id": None, "worth": {"$sum": _NET}}}]
    rows = await (await commissions.aggregate(pipeline, session=session)).to_list()
    worth = int(rows[0]["worth"]) if rows else 0
    refunded = payout["gross_fen"] - worth
    emptied = [
        d["_id"]
        async for d in commissions.find(held, {"amount_fen": 1, "reversed_fen": 1}, session=session)
        if d["amount_fen"] == d["reversed_fen"]
    ]
    if emptied:
        await commissions.update_many(
            {"merchant_id": payout["merchant_id"], "_id": {"$in": emptied}},
            _unheld(CommissionStatus.CANCELLED),
            session=session,
        )
    await commissions.update_many(held, _unheld(CommissionStatus.AVAILABLE), session=session)
    carried = payout["carried_fen"]
    await post(
        mongo,
        session,
        merchant_id=payout["merchant_id"],
        beneficiary_id=payout["beneficiary_id"],
        kind=EntryKind.PAYOUT_RETURN,
        deltas={
            Bucket.PAID: -(payout["gross_fen"] + carried),
            Bucket.AVAILABLE: worth + carried,
            Bucket.OWED: payout["netted_fen"] - refunded,
        },
        idempotency_key=f"payout:{payout['_id']}:return",
        detail={"payout_id": payout["_id"], "refunded_while_held_fen": refunded},
    )
    if payout["carried_from"]:
        await mongo.db[c.PAYOUTS].update_many(
            {"merchant_id": payout["merchant_id"], "_id": {"$in": payout["carried_from"]}},
            {"$set": {"carried_into": None}},
            session=session,
        )


async def _return_rest(mongo: Mongo, session: AsyncClientSession, payout: Doc, unpaid: int) -> None:
    await post(
        mongo,
        session,
        merchant_id=payout["merchant_id"],
        beneficiary_id=payout["beneficiary_id"],
        kind=EntryKind.PAYOUT_RETURN,
        deltas={Bucket.PAID: -unpaid, Bucket.AVAILABLE: unpaid},
        idempotency_key=f"payout:{payout['_id']}:rest",
        detail={"payout_id": payout["_id"], "unpaid_fen": unpaid},
    )


def _failure(bills: list[Doc]) -> str:
    failed = [b for b in bills if TransferStatus(b["status"]).failed]
    first = min(failed, key=lambda b: b["seq"])
    return str(first.get("fail_reason") or first["status"])


async def settle_in(
    mongo: Mongo, session: AsyncClientSession, *, merchant_id: ObjectId, payout_id: ObjectId, now: datetime
) -> PayoutStatus | None:
    """Settles the payout once all its bills are final; None while some are not (or once it is settled)."""
    processing = {"merchant_id": merchant_id, "_id": payout_id, "status": PayoutStatus.PROCESSING.value}
    payout = await mongo.db[c.PAYOUTS].find_one(processing, session=session)
    if payout is None:
        return None
    bills = await mongo.db[c.PAYOUT_TRANSFERS].find({"payout_id": payout_id}, session=session).to_list()
    if any(b["status"] not in _FINAL_VALUES for b in bills):
        return None
    paid = sum(b["amount_fen"] for b in bills if b["status"] == TransferStatus.SUCCESS.value)
    settled: dict[str, Any] = {"paid_fen": paid, "settled_at": now}
    if paid == payout["amount_fen"]:
        status = PayoutStatus.PAID
    elif paid == 0:
        status = PayoutStatus.FAILED
        settled["failure_reason"] = _failure(bills)
        await _return_commissions(mongo, session, payout)
    else:
        status = PayoutStatus.PARTIALLY_PAID
        settled |= {"unpaid_fen": payout["amount_fen"] - paid, "failure_reason": _failure(bills)}
        await _return_rest(mongo, session, payout, payout["amount_fen"] - paid)
    await mongo.db[c.PAYOUTS].update_one(
        processing,
        {"$set": {"status": status.value, **settled}, "$unset": {"open_key": ""}},
        session=session,
    )
    if paid > 0:
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=payout["merchant_id"],
            event=PayoutSent(payout_id=payout_id, member_id=payout["beneficiary_id"], paid_fen=paid, settled_at=now),
            dedupe_key=f"payout.sent:{payout_id}",
        )
    return status
