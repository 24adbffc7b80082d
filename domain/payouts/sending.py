"""Sending transfer bills, and finding out what became of them. Each due bill is taken one step:

- PLANNED: claimed for today within the provider's limits (quota counters per payee and per day, in the claim's
  transaction, a page of bills at a time), then created at WeChat Pay. Over a limit it waits for the next day:
  never a failure.
- REQUESTED (sent, no answer recorded): the outcome is unknown, so its out_bill_no is queried first; only a bill
  WeChat Pay never saw is sent again, under the same number.
- waiting for the payee or moving: queried now and then, in case its notification never comes.

A bill is claimed (REQUESTED) before it is sent, so a worker killed at any point leaves either a PLANNED bill
(sent by the next run) or a REQUESTED one (queried by the next run): never one sent twice.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, any_of, transaction
from domain.payouts.channel import PayoutChannel
from domain.payouts.model import PayoutStatus, TransferLimits, TransferStatus, next_provider_day, provider_day
from domain.payouts.settlement import bill_finished, record_bill
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.wechatpay.transfers import TransferRequest

log = logging.getLogger(__name__)

BATCH = 100
# Bills created at once: WeChat Pay answers each in a few hundred milliseconds.
CONCURRENCY = 8
# Refusals that pass: the day's quota (tomorrow), or a busy or underfunded merchant account (soon).
QUOTA_CODES = frozenset({"QUOTA_EXCEED"})
BUSY_CODES = frozenset({"NOT_ENOUGH", "FREQUENCY_LIMITED"})
_FAILED = [TransferStatus.FAIL.value, TransferStatus.CANCELLED.value, TransferStatus.REFUSED.value]
_CLAIM_ATTEMPTS = 3


def _quota_keys(day: str, doc: Doc, limits: TransferLimits) -> list[tuple[str, int]]:
    """The day's counters a bill counts against: its payee's and the account's, those with a limit."""
    keys = [(f"{day}:{doc['openid']}", limits.per_payee_daily_fen), (f"{day}:*", limits.daily_fen)]
    return [(key, limit) for key, limit in keys if limit > 0]


async def _release(mongo: Mongo, session: AsyncClientSession, doc: Doc) -> None:
    """A bill that was never created gives back what its claim counted."""
    for key in doc.get("quota_keys") or ():
        await mongo.db[c.PAYOUT_QUOTAS].update_one(
            {"_id": key}, {"$inc": {"used_fen": -doc["amount_fen"]}}, session=session
        )


@dataclass
class _Claims:
    claimed: list[Doc] = field(default_factory=list)
    updates: list[UpdateOne] = field(default_factory=list)
    abandoned: set[ObjectId] = field(default_factory=set)
    used: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)


def _sort_out(
    docs: list[Doc], live: set[ObjectId], used: dict[str, int], channel: PayoutChannel, now: datetime
) -> _Claims:
    """Which bills go out today, oldest first, each against the quotas as the ones before it left them."""
    day, out = provider_day(now).isoformat(), _Claims(used=used)
    for doc in docs:
        if doc["payout_id"] not in live:
            out.abandoned.add(doc["payout_id"])
            out.updates.append(
                UpdateOne(
                    {"_id": doc["_id"]},
                    {"$set": {"status": TransferStatus.ABANDONED.value, "settled_at": now}, "$unset": {"due_at": ""}},
                )
            )
            continue
        keys = _quota_keys(day, doc, channel.limits)
        if any(out.used.get(key, 0) + doc["amount_fen"] > limit for key, limit in keys):
            out.updates.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"due_at": next_provider_day(now)}}))
            continue
        for key, _limit in keys:
            out.used[key] = out.used.get(key, 0) + doc["amount_fen"]
            out.counted[key] = out.counted.get(key, 0) + doc["amount_fen"]
        claim = {
            "status": TransferStatus.REQUESTED.value,
            "requested_at": now,
            "quota_keys": [key for key, _limit in keys],
            "due_at": now + channel.pacing.unknown_after,
        }
        out.updates.append(UpdateOne({"_id": doc["_id"]}, {"$set": claim, "$inc": {"attempts": 1}}))
        out.claimed.append({**doc, **claim})
    return out


async def _claim(mongo: Mongo, channel: PayoutChannel, docs: list[Doc], now: datetime) -> list[Doc]:
    """Claims PLANNED bills for sending today, in one transaction: each within what the day's quotas have left
    (or it waits for tomorrow), none of a payout that has failed meanwhile (abandoned). Returns those claimed."""
    ids, day = [d["_id"] for d in docs], provider_day(now).isoformat()

    async def work(session: AsyncClientSession) -> list[Doc]:
        bills, quotas = mongo.db[c.PAYOUT_TRANSFERS], mongo.db[c.PAYOUT_QUOTAS]
        current = await bills.find({"_id": {"$in": ids}}, session=session).sort("due_at", 1).to_list()
        planned = [d for d in current if d["status"] == TransferStatus.PLANNED.value and d["due_at"] <= now]
        merchant_of = {d["payout_id"]: d["merchant_id"] for d in planned}
        payout_ids = list(merchant_of)
        of_them = {"merchant_id": any_of(set(merchant_of.values())), "_id": {"$in": payout_ids}}
        payouts = await mongo.db[c.PAYOUTS].find(of_them, {"status": 1}, session=session).to_list()
        siblings = await bills.find(
            {"payout_id": {"$in": payout_ids}}, {"payout_id": 1, "status": 1}, session=session
        ).to_list()
        failing = {b["payout_id"] for b in siblings if b["status"] in _FAILED}
        live = {p["_id"] for p in payouts if p["status"] == PayoutStatus.PROCESSING.value} - failing
        keys = list({key for d in planned for key, _limit in _quota_keys(day, d, channel.limits)})
        used = {q["_id"]: int(q["used_fen"]) async for q in quotas.find({"_id": {"$in": keys}}, session=session)}
        out = _sort_out(planned, live, used, channel, now)
        if out.updates:
            await bills.bulk_write(out.updates, session=session)
        if out.counted:
            counters = [UpdateOne({"_id": k}, {"$inc": {"used_fen": n}}, upsert=True) for k, n in out.counted.items()]
            await quotas.bulk_write(counters, session=session)
        for payout_id in out.abandoned:
            await bill_finished(
                mongo, session, merchant_id=merchant_of[payout_id], payout_id=payout_id, failed=True, now=now
            )
        return out.claimed

    for attempt in range(_CLAIM_ATTEMPTS):
        try:
            return await transaction(mongo, work)
        except DuplicateKeyError:
            # Two claims created the same day's quota counter at once; the counter exists now.
            if attempt == _CLAIM_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _request(channel: PayoutChannel, doc: Doc) -> TransferRequest:
    return TransferRequest(
        out_bill_no=doc["out_bill_no"],
        openid=doc["openid"],
        amount_fen=doc["amount_fen"],
        remark=doc.get("remark") or "推广分红",
        scene_id=channel.scene_id,
        perception=channel.perception,
        reports=channel.reports,
        notify_url=channel.notify_url,
    )


async def _note(mongo: Mongo, doc: Doc, error: str, retry_at: datetime) -> None:
    await mongo.db[c.PAYOUT_TRANSFERS].update_one(
        {"_id": doc["_id"], "status": doc["status"]}, {"$set": {"last_error": error[:300], "due_at": retry_at}}
    )


async def _refused(mongo: Mongo, channel: PayoutChannel, doc: Doc, code: str, now: datetime) -> None:
    """Nothing was created: the quota goes back; a passing refusal waits, any other fails the bill for good."""
    if code in QUOTA_CODES:
        change: dict[str, Any] = {"$set": {"status": TransferStatus.PLANNED.value, "due_at": next_provider_day(now)}}
    elif code in BUSY_CODES:
        retry_at = now + channel.pacing.provider_busy_retry
        change = {"$set": {"status": TransferStatus.PLANNED.value, "due_at": retry_at}}
    else:
        change = {"$set": {"status": TransferStatus.REFUSED.value, "fail_reason": code, "settled_at": now}}
        change["$unset"] = {"due_at": ""}
    change["$set"]["last_error"] = code

    async def work(session: AsyncClientSession) -> None:
        moved = await mongo.db[c.PAYOUT_TRANSFERS].update_one(
            {"_id": doc["_id"], "status": TransferStatus.REQUESTED.value}, change, session=session
        )
        if moved.modified_count == 0:
            return
        await _release(mongo, session, doc)
        if code not in QUOTA_CODES | BUSY_CODES:
            await bill_finished(
                mongo, session, merchant_id=doc["merchant_id"], payout_id=doc["payout_id"], failed=True, now=now
            )

    await transaction(mongo, work)


async def _create(mongo: Mongo, channel: PayoutChannel, doc: Doc, now: datetime) -> None:
    """Sends a claimed (REQUESTED) bill and records the answer."""
    try:
        bill = await channel.transfers.create_transfer_bill(_request(channel, doc))
    except ProviderRefused as e:
        log.warning("transfer bill refused", extra={"out_bill_no": doc["out_bill_no"], "code": e.code})
        await _refused(mongo, channel, doc, e.code, now)
        return
    except ProviderUnavailable as e:
        # Maybe made, maybe not: the bill stays REQUESTED and is queried once `unknown_after` has passed.
        log.warning("transfer bill outcome unknown", extra={"out_bill_no": doc["out_bill_no"], "error": str(e)})
        await _note(mongo, doc, str(e), now + channel.pacing.unknown_after)
        return
    await record_bill(mongo=mongo, bill=bill, now=now, pacing=channel.pacing)


async def _settle_unknown(mongo: Mongo, channel: PayoutChannel, doc: Doc, now: datetime) -> None:
    """A bill sent without a recorded answer: ask before anything is sent again."""
    try:
        found = await channel.transfers.query_transfer_bill(doc["out_bill_no"])
    except (ProviderUnavailable, ProviderRefused) as e:
        await _note(mongo, doc, str(e), now + channel.pacing.unknown_after)
        return
    if found is not None:
        await record_bill(mongo=mongo, bill=found, now=now, pacing=channel.pacing)
        return
    # WeChat Pay never saw it: sending it again, under the same number, cannot pay twice.
    resent = await mongo.db[c.PAYOUT_TRANSFERS].update_one(
        {"_id": doc["_id"], "status": TransferStatus.REQUESTED.value, "requested_at": doc["requested_at"]},
        {"$set": {"requested_at": now, "due_at": now + channel.pacing.unknown_after}, "$inc": {"attempts": 1}},
    )
    if resent.modified_count == 1:
        await _create(mongo, channel, doc, now)


async def _poll(mongo: Mongo, channel: PayoutChannel, doc: Doc, now: datetime) -> None:
    try:
        found = await channel.transfers.query_transfer_bill(doc["out_bill_no"])
    except (ProviderUnavailable, ProviderRefused) as e:
        await _note(mongo, doc, str(e), now + channel.pacing.poll_moving_every)
        return
    if found is None:
        log.error("TRANSFER BILL LOST AT PROVIDER", extra={"out_bill_no": doc["out_bill_no"]})
        await _note(mongo, doc, "not found at WeChat Pay", now + channel.pacing.poll_every)
        return
    await record_bill(mongo=mongo, bill=found, now=now, pacing=channel.pacing)


async def _step(mongo: Mongo, channel: PayoutChannel, doc: Doc, now: datetime) -> None:
    """One step for a bill that was sent: settle an unknown outcome, or ask after one waiting or moving."""
    fresh = await mongo.db[c.PAYOUT_TRANSFERS].find_one({"_id": doc["_id"]})
    # Not due any more: another worker took it a step since it was listed (a bill it is sending must not look
    # like one whose answer was lost).
    if fresh is None or fresh.get("due_at") is None or fresh["due_at"] > now:
        return
    status = TransferStatus(fresh["status"])
    if status is TransferStatus.REQUESTED:
        await _settle_unknown(mongo, channel, fresh, now)
    elif not status.final and status is not TransferStatus.PLANNED:
        await _poll(mongo, channel, fresh, now)


async def _sending(mongo: Mongo, channel: PayoutChannel, docs: list[Doc], now: datetime) -> None:
    """Creates the claimed bills, a few at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(doc: Doc) -> None:
        async with gate:
            await _create(mongo, channel, doc, now)

    await asyncio.gather(*(one(doc) for doc in docs))


async def send_due(*, mongo: Mongo, channel: PayoutChannel, now: datetime, budget: timedelta) -> int:
    """Takes every bill due by `now` one step, oldest due first, until none is left or the budget is spent:
    PLANNED ones a page at a time (claimed together, then created), the others one by one. Returns how many
    bills it looked at. Every step moves its bill's next look past `now` (or ends it)."""
    deadline = time.monotonic() + budget.total_seconds()
    seen: set[ObjectId] = set()
    while time.monotonic() < deadline:
        due = (
            await mongo.db[c.PAYOUT_TRANSFERS].find({"due_at": {"$lte": now}}).sort("due_at", 1).limit(BATCH).to_list()
        )
        fresh = [d for d in due if d["_id"] not in seen]
        if not fresh:
            break
        seen.update(d["_id"] for d in fresh)
        planned = [d for d in fresh if d["status"] == TransferStatus.PLANNED.value]
        if planned:
            await _sending(mongo, channel, await _claim(mongo, channel, planned, now), now)
        for doc in fresh:
            if doc["status"] != TransferStatus.PLANNED.value and time.monotonic() < deadline:
                await _step(mongo, channel, doc, now)
    return len(seen)
