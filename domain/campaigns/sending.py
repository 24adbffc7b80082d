"""Sending a campaign: the worker takes a due campaign under a lease and walks its segment in pages of member ids
after a persisted cursor, exactly once per member however often it is killed and restarted.

A page is decided in one transaction: a `campaign_sends` record per member (unique per campaign and member) with
the member's group and outcome, the frequency-cap slots, the coupons within the template's stock, the progress
figures and the cursor. Only then, outside it, each decided member is messaged (the notification's dedupe key is
the campaign and member, so a re-run finds the one it wrote) and touched for the effect figures (unique per
campaign and member), and the record is marked DONE. A run first finishes the records a killed run left PENDING.
So a crash before the commit redoes the page from scratch, and one after it finishes only what is left.

Outcomes, each counted once in the campaign's progress: a member who stopped marketing is skipped whichever group
they fall in; the control group gets nothing and is only recorded; the treatment group takes a slot of the weekly
cap (none left: skipped) and then a coupon while the template has stock (past it: skipped and counted, without a
message about a coupon they did not get).
"""

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.campaigns.model import CampaignState, group_of
from domain.coupons.gifts import gift_coupons, room_for_gifts
from domain.marketing.caps import take_message_slot
from domain.marketing.consent import MarketingConsent, consents_of
from domain.marketing.touches import Group, Touch, TouchSource, record_touches
from domain.notifications.delivery import Intent, Outlets, notify_many
from domain.notifications.topics import Topic
from domain.segments.filters import from_doc
from domain.segments.selection import member_ids as segment_member_ids

# A lease outlives a page by far; a worker that died leaves it to lapse, and the next run takes the send over.
LEASE = timedelta(minutes=2)
PAGE = 200
_COUPON_PAGE = "pages/coupons/detail?id={}"


class Outcome(StrEnum):
    SENT = "SENT"
    CONTROL = "CONTROL"
    OPTED_OUT = "OPTED_OUT"
    CAPPED = "CAPPED"
    OUT_OF_STOCK = "OUT_OF_STOCK"


# The progress figure each outcome counts in, besides `targeted`.
_FIGURE = {
    Outcome.SENT: "sent",
    Outcome.CONTROL: "control",
    Outcome.OPTED_OUT: "skipped_opted_out",
    Outcome.CAPPED: "skipped_capped",
    Outcome.OUT_OF_STOCK: "skipped_out_of_stock",
}


class SendState(StrEnum):
    # Decided and committed; the message and the touch may still be owed.
    PENDING = "PENDING"
    DONE = "DONE"


@dataclass(frozen=True)
class Lease:
    campaign_id: ObjectId
    merchant_id: ObjectId
    token: ObjectId


class LeaseLost(Exception):
    """Another run took the campaign over (this one outlived its lease): this page is theirs to decide."""


async def take_due(*, mongo: Mongo, now: datetime) -> Lease | None:
    """A SCHEDULED campaign whose send time came, or a SENDING one whose run died (its lease lapsed), now SENDING
    under a new lease; None when there is none. Across merchants: the one sweep of every merchant's campaigns."""
    token = ObjectId()
    doc = await mongo.db[c.CAMPAIGNS].find_one_and_update(
        {"state": {"$in": [CampaignState.SCHEDULED.value, CampaignState.SENDING.value]}, "due_at": {"$lte": now}},
        {"$set": {"state": CampaignState.SENDING.value, "lease": token, "due_at": now + LEASE}},
        sort=[("due_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        return None
    if doc.get("started_at") is None:
        await mongo.db[c.CAMPAIGNS].update_one(
            {"merchant_id": doc["merchant_id"], "_id": doc["_id"], "started_at": None}, {"$set": {"started_at": now}}
        )
    return Lease(doc["_id"], doc["merchant_id"], token)


async def send_due(*, out: Outlets, now: datetime, budget: timedelta, page: int = PAGE) -> int:
    """Due campaigns, one after another, until none is due or the budget is spent; how many members were decided.
    A campaign the budget interrupts is due again at once, for the next run."""
    deadline = time.monotonic() + budget.total_seconds()
    decided = 0
    while time.monotonic() < deadline:
        lease = await take_due(mongo=out.mongo, now=now)
        if lease is None:
            break
        decided += await send(out=out, lease=lease, deadline=deadline, page=page)
    return decided


def _held(lease: Lease) -> Doc:
    return {
        "merchant_id": lease.merchant_id,
        "_id": lease.campaign_id,
        "lease": lease.token,
        "state": CampaignState.SENDING.value,
    }


async def send(*, out: Outlets, lease: Lease, deadline: float, page: int = PAGE) -> int:
    """Pages of the leased campaign until its segment is exhausted (SENT) or the deadline passes; how many members
    were decided."""
    mongo = out.mongo
    sends = mongo.db[c.CAMPAIGN_SENDS]
    decided = 0
    while True:
        campaign = await mongo.db[c.CAMPAIGNS].find_one(_held(lease))
        if campaign is None:
            return decided
        if time.monotonic() >= deadline:
            await mongo.db[c.CAMPAIGNS].update_one(_held(lease), {"$set": {"due_at": datetime.now(UTC)}})
            return decided
        left = (
            await sends.find(
                {"merchant_id": lease.merchant_id, "campaign_id": lease.campaign_id, "state": SendState.PENDING.value}
            )
            .limit(page)
            .to_list()
        )
        if left:
            await _finish(out, campaign, left)
            continue
        member_ids = await segment_member_ids(
            mongo=mongo,
            merchant_id=lease.merchant_id,
            flt=from_doc(campaign["filter"]),
            after=campaign.get("cursor"),
            limit=page,
            now=campaign["started_at"],
        )
        if not member_ids:
            await mongo.db[c.CAMPAIGNS].update_one(
                _held(lease),
                {"$set": {"state": CampaignState.SENT.value, "finished_at": datetime.now(UTC), "due_at": None}},
            )
            return decided
        consents = await consents_of(mongo=mongo, merchant_id=lease.merchant_id, member_ids=member_ids)

        async def decide(
            s: AsyncClientSession,
            ids: list[ObjectId] = member_ids,
            doc: Doc = campaign,
            said: dict[ObjectId, MarketingConsent] = consents,
        ) -> list[Doc]:
            return await _decide_page(mongo, s, lease, doc, ids, said)

        try:
            records = await transaction(mongo, decide)
        except LeaseLost:
            return decided
        decided += len(records)
        await _finish(out, campaign, [r for r in records if r["state"] == SendState.PENDING.value])


async def _decide_page(
    mongo: Mongo,
    s: AsyncClientSession,
    lease: Lease,
    campaign: Doc,
    member_ids: list[ObjectId],
    consents: dict[ObjectId, MarketingConsent],
) -> list[Doc]:
    merchant_id, campaign_id, now = lease.merchant_id, lease.campaign_id, datetime.now(UTC)
    sends = mongo.db[c.CAMPAIGN_SENDS]
    known = await sends.find(
        {"merchant_id": merchant_id, "campaign_id": campaign_id, "member_id": {"$in": member_ids}},
        {"member_id": 1},
        session=s,
    ).to_list()
    seen = {d["member_id"] for d in known}
    outcomes: dict[ObjectId, Outcome] = {}
    treatment: list[ObjectId] = []
    for member_id in member_ids:
        if member_id in seen:
            continue
        consent = consents.get(member_id)
        if consent is not None and consent.stopped:
            outcomes[member_id] = Outcome.OPTED_OUT
        elif group_of(campaign_id, member_id, campaign["control_percent"]) is Group.CONTROL:
            outcomes[member_id] = Outcome.CONTROL
        else:
            treatment.append(member_id)
    coupons = await _treat(mongo, s, lease, campaign, treatment, outcomes, now)
    records = [
        _record(lease, member_id, outcome, coupons.get(member_id), consents, now)
        for member_id, outcome in outcomes.items()
    ]
    if records:
        await sends.insert_many(records, session=s)
    inc = {f"progress.{figure}": n for figure, n in Counter(_FIGURE[o] for o in outcomes.values()).items()}
    inc["progress.targeted"] = len(outcomes)
    inc["progress.coupons"] = len(coupons)
    moved = await mongo.db[c.CAMPAIGNS].update_one(
        {**_held(lease), "cursor": campaign.get("cursor")},
        {"$inc": inc, "$set": {"cursor": member_ids[-1], "due_at": now + LEASE}},
        session=s,
    )
    if moved.modified_count != 1:
        raise LeaseLost(str(campaign_id))
    return records


async def _treat(
    mongo: Mongo,
    s: AsyncClientSession,
    lease: Lease,
    campaign: Doc,
    treatment: list[ObjectId],
    outcomes: dict[ObjectId, Outcome],
    now: datetime,
) -> dict[ObjectId, ObjectId]:
    """The treatment members' outcomes, in member order: within the template's stock, a slot of the weekly cap,
    and then the coupon; the coupon id by member."""
    room: int | None = None
    template = None
    if campaign.get("template_id") is not None:
        found = await room_for_gifts(
            mongo=mongo, session=s, merchant_id=lease.merchant_id, template_id=campaign["template_id"], now=now
        )
        template, room = found if found is not None else (None, 0)
    lucky: list[ObjectId] = []
    for member_id in treatment:
        if room is not None and len(lucky) >= room:
            outcomes[member_id] = Outcome.OUT_OF_STOCK
        elif await take_message_slot(
            mongo=mongo,
            session=s,
            merchant_id=lease.merchant_id,
            member_id=member_id,
            week_cap=campaign["week_cap"],
            now=now,
        ):
            outcomes[member_id] = Outcome.SENT
            lucky.append(member_id)
        else:
            outcomes[member_id] = Outcome.CAPPED
    if template is None:
        return {}
    return await gift_coupons(
        mongo=mongo, session=s, template=template, member_ids=lucky, origin=f"campaign:{lease.campaign_id}", now=now
    )


def _record(
    lease: Lease,
    member_id: ObjectId,
    outcome: Outcome,
    coupon_id: ObjectId | None,
    consents: dict[ObjectId, MarketingConsent],
    now: datetime,
) -> Doc:
    owed = outcome in (Outcome.SENT, Outcome.CONTROL)
    consent = consents.get(member_id)
    return {
        "_id": ObjectId(),
        "merchant_id": lease.merchant_id,
        "campaign_id": lease.campaign_id,
        "member_id": member_id,
        "outcome": outcome.value,
        "state": (SendState.PENDING if owed else SendState.DONE).value,
        "coupon_id": coupon_id,
        "sms_agreed": consent is not None and consent.sms_agreed,
        "decided_at": now,
    }


def _fields(campaign: Doc, coupon_id: ObjectId | None) -> dict[str, str]:
    message = campaign.get("message")
    if message:
        title, body = message["title"], message["body"]
    else:
        title, body = "优惠券到账", f"送您一张{campaign.get('template_title', '优惠券')}"
    return {"title": title, "body": body, "page": _COUPON_PAGE.format(coupon_id) if coupon_id else ""}


async def _finish(out: Outlets, campaign: Doc, records: Sequence[Doc]) -> None:
    """The messages and touches owed to decided members; safe to run again for any of them."""
    merchant_id, campaign_id = campaign["merchant_id"], campaign["_id"]
    sent = [r for r in records if r["outcome"] == Outcome.SENT.value]
    intents = [
        Intent(
            member_id=r["member_id"],
            fields=_fields(campaign, r["coupon_id"]),
            dedupe_key=f"campaign:{campaign_id}:{r['member_id']}",
            sms=campaign.get("sms", False) and r["sms_agreed"],
        )
        for r in sent
    ]
    notes = await notify_many(out, merchant_id=merchant_id, topic=Topic.MARKETING, intents=intents)
    touches = [
        Touch(member_id=r["member_id"], group=Group.CONTROL, coupon_id=None, notification_id=None)
        if r["outcome"] == Outcome.CONTROL.value
        else Touch(
            member_id=r["member_id"],
            group=Group.TREATMENT,
            coupon_id=r["coupon_id"],
            notification_id=notes[r["member_id"]].id if r["member_id"] in notes else None,
        )
        for r in records
    ]
    await record_touches(
        mongo=out.mongo,
        merchant_id=merchant_id,
        source=TouchSource.CAMPAIGN,
        source_id=campaign_id,
        touches=touches,
        at=campaign["started_at"],
        window_days=campaign["window_days"],
    )
    await out.mongo.db[c.CAMPAIGN_SENDS].update_many(
        # By member, not _id: SecantusDB plans an index only when it holds every field of the filter.
        {
            "merchant_id": merchant_id,
            "campaign_id": campaign_id,
            "member_id": {"$in": [r["member_id"] for r in records]},
        },
        {"$set": {"state": SendState.DONE.value}},
    )
