"""A campaign from draft to scheduled or cancelled, as an OWNER or MANAGER makes it: the settings checked, edits
only while a draft, the segment's filter snapshotted when scheduled, cancelling only before it starts sending.

Every state change is one conditional update on the state it leaves, so a cancel racing the worker's start
(SCHEDULED → SENDING) has exactly one winner.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from db import collections as c
from db.mongo import Doc, Mongo
from domain.campaigns.errors import CampaignCode, CampaignError
from domain.campaigns.model import (
    DEFAULT_CONTROL_PERCENT,
    DEFAULT_WEEK_CAP,
    DEFAULT_WINDOW_DAYS,
    MAX_CONTROL_PERCENT,
    MAX_WEEK_CAP,
    MAX_WINDOW_DAYS,
    Campaign,
    CampaignState,
    Message,
    campaign_from_doc,
)
from domain.coupons.templates import Template, load_template, refusal
from domain.errors import PermissionDenied
from domain.pagination import Page, clamp
from domain.segments.errors import SegmentError
from domain.segments.filters import to_doc
from domain.segments.saved import Segment, get_segment
from domain.segments.selection import count
from domain.tenancy import Role, Staff, audit

MAX_NAME = 40
MAX_TITLE = 20
MAX_BODY = 200
# A send time a few seconds behind the clock is "now" (the form was filled a moment ago), not the past.
SEND_TIME_GRACE = timedelta(minutes=1)
_NOT_ACTIVE = (CampaignCode.CAMPAIGN_TEMPLATE_NOT_ACTIVE, "couponTemplateId")


@dataclass(frozen=True)
class CampaignDraft:
    """What the manager fills in; None for send_at means as soon as it is scheduled."""

    name: str
    segment_id: ObjectId
    template_id: ObjectId | None
    message: Message | None
    sms: bool = False
    send_at: datetime | None = None
    control_percent: int = DEFAULT_CONTROL_PERCENT
    week_cap: int = DEFAULT_WEEK_CAP
    window_days: int = DEFAULT_WINDOW_DAYS


def _manager(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


async def _segment(mongo: Mongo, merchant_id: ObjectId, segment_id: ObjectId) -> Segment:
    try:
        return await get_segment(mongo=mongo, merchant_id=merchant_id, segment_id=segment_id)
    except SegmentError as e:
        raise CampaignError(CampaignCode.CAMPAIGN_SEGMENT_NOT_FOUND, "segmentId") from e


async def _check_template(mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId, now: datetime) -> Template:
    template = await load_template(mongo=mongo, merchant_id=merchant_id, template_id=template_id)
    # Out of stock is no refusal: the members past the stock are counted when it sends.
    if template is None or refusal(template, now, n=0) is not None:
        raise CampaignError(*_NOT_ACTIVE)
    return template


def _checked(draft: CampaignDraft, now: datetime) -> CampaignDraft:
    name = draft.name.strip()
    if not name or len(name) > MAX_NAME:
        raise CampaignError(CampaignCode.CAMPAIGN_NAME_REQUIRED, "name")
    if draft.template_id is None and draft.message is None:
        raise CampaignError(CampaignCode.CAMPAIGN_ACTION_REQUIRED, "couponTemplateId")
    message = draft.message
    if message is not None:
        message = Message(message.title.strip(), message.body.strip())
        if not message.title or len(message.title) > MAX_TITLE:
            raise CampaignError(CampaignCode.CAMPAIGN_MESSAGE_INVALID, "message.title")
        if not message.body or len(message.body) > MAX_BODY:
            raise CampaignError(CampaignCode.CAMPAIGN_MESSAGE_INVALID, "message.body")
    if not 0 <= draft.control_percent <= MAX_CONTROL_PERCENT:
        raise CampaignError(CampaignCode.CAMPAIGN_CONTROL_SHARE_INVALID, "controlPercent")
    if not 1 <= draft.week_cap <= MAX_WEEK_CAP:
        raise CampaignError(CampaignCode.CAMPAIGN_WEEK_CAP_INVALID, "weekCap")
    if not 1 <= draft.window_days <= MAX_WINDOW_DAYS:
        raise CampaignError(CampaignCode.CAMPAIGN_WINDOW_INVALID, "windowDays")
    if draft.send_at is not None and draft.send_at < now - SEND_TIME_GRACE:
        raise CampaignError(CampaignCode.CAMPAIGN_SEND_TIME_PAST, "sendAt")
    return CampaignDraft(
        name,
        draft.segment_id,
        draft.template_id,
        message,
        draft.sms,
        draft.send_at,
        draft.control_percent,
        draft.week_cap,
        draft.window_days,
    )


async def _settings(mongo: Mongo, actor: Staff, draft: CampaignDraft, now: datetime) -> Doc:
    draft = _checked(draft, now)
    segment_name = (await _segment(mongo, actor.merchant_id, draft.segment_id)).name
    if draft.template_id is not None:
        await _check_template(mongo, actor.merchant_id, draft.template_id, now)
    msg = draft.message
    return {
        "name": draft.name,
        "segment_id": draft.segment_id,
        "segment_name": segment_name,
        "template_id": draft.template_id,
        "message": {"title": msg.title, "body": msg.body} if msg else None,
        "sms": draft.sms,
        "send_at": draft.send_at,
        "control_percent": draft.control_percent,
        "week_cap": draft.week_cap,
        "window_days": draft.window_days,
        "updated_at": now,
    }


async def create_campaign(*, mongo: Mongo, actor: Staff, draft: CampaignDraft, now: datetime) -> Campaign:
    """OWNER or MANAGER: a DRAFT campaign, audited."""
    _manager(actor)
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        **await _settings(mongo, actor, draft, now),
        "state": CampaignState.DRAFT.value,
        "created_at": now,
        "created_by": actor.id,
        "cursor": None,
        "due_at": None,
        "progress": {},
    }
    await mongo.db[c.CAMPAIGNS].insert_one(doc)
    await audit(mongo=mongo, actor=actor, action="campaign.create", target=doc["_id"])
    return campaign_from_doc(doc)


async def _move(mongo: Mongo, actor: Staff, campaign_id: ObjectId, states: list[CampaignState], update: Doc) -> Doc:
    """The campaign after `update`, applied only while it is in one of `states`."""
    doc = await mongo.db[c.CAMPAIGNS].find_one_and_update(
        {"merchant_id": actor.merchant_id, "_id": campaign_id, "state": {"$in": [s.value for s in states]}},
        update,
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        return doc
    await get_campaign(mongo=mongo, actor=actor, campaign_id=campaign_id)
    raise CampaignError(CampaignCode.CAMPAIGN_STATE_INVALID, "id")


async def update_campaign(
    *, mongo: Mongo, actor: Staff, campaign_id: ObjectId, draft: CampaignDraft, now: datetime
) -> Campaign:
    """OWNER or MANAGER: a draft's settings replaced; any other state is CAMPAIGN_STATE_INVALID."""
    _manager(actor)
    await get_campaign(mongo=mongo, actor=actor, campaign_id=campaign_id)
    settings = await _settings(mongo, actor, draft, now)
    doc = await _move(mongo, actor, campaign_id, [CampaignState.DRAFT], {"$set": settings})
    await audit(mongo=mongo, actor=actor, action="campaign.update", target=campaign_id)
    return campaign_from_doc(doc)


async def schedule_campaign(*, mongo: Mongo, actor: Staff, campaign_id: ObjectId, now: datetime) -> Campaign:
    """OWNER or MANAGER: a draft becomes SCHEDULED for its send time (now when it has none), its segment's filter
    kept as it is now; the segment, template and send time are checked again, since time passed since the draft."""
    _manager(actor)
    campaign = await get_campaign(mongo=mongo, actor=actor, campaign_id=campaign_id)
    if campaign.state is not CampaignState.DRAFT:
        raise CampaignError(CampaignCode.CAMPAIGN_STATE_INVALID, "id")
    if campaign.send_at is not None and campaign.send_at < now - SEND_TIME_GRACE:
        raise CampaignError(CampaignCode.CAMPAIGN_SEND_TIME_PAST, "sendAt")
    segment = await _segment(mongo, actor.merchant_id, campaign.segment_id)
    template_title = None
    if campaign.template_id is not None:
        template_title = (await _check_template(mongo, actor.merchant_id, campaign.template_id, now)).title
    update: dict[str, Any] = {
        "state": CampaignState.SCHEDULED.value,
        "filter": to_doc(segment.flt),
        "segment_name": segment.name,
        "template_title": template_title,
        "scheduled_at": now,
        "scheduled_by": actor.id,
        "due_at": campaign.send_at or now,
    }
    doc = await _move(mongo, actor, campaign_id, [CampaignState.DRAFT], {"$set": update})
    await audit(mongo=mongo, actor=actor, action="campaign.schedule", target=campaign_id)
    return campaign_from_doc(doc)


async def cancel_campaign(*, mongo: Mongo, actor: Staff, campaign_id: ObjectId, now: datetime) -> Campaign:
    """OWNER or MANAGER: a DRAFT or SCHEDULED campaign is CANCELLED; once the worker started it,
    CAMPAIGN_STATE_INVALID."""
    _manager(actor)
    update = {"$set": {"state": CampaignState.CANCELLED.value, "cancelled_at": now, "due_at": None}}
    doc = await _move(mongo, actor, campaign_id, [CampaignState.DRAFT, CampaignState.SCHEDULED], update)
    await audit(mongo=mongo, actor=actor, action="campaign.cancel", target=campaign_id)
    return campaign_from_doc(doc)


async def audience(*, mongo: Mongo, actor: Staff, segment_id: ObjectId, now: datetime) -> int:
    """OWNER or MANAGER: how many members a saved segment holds now, which a campaign to it would reach."""
    _manager(actor)
    segment = await _segment(mongo, actor.merchant_id, segment_id)
    return await count(mongo=mongo, merchant_id=actor.merchant_id, flt=segment.flt, now=now)


async def get_campaign(*, mongo: Mongo, actor: Staff, campaign_id: ObjectId) -> Campaign:
    _manager(actor)
    doc = await mongo.db[c.CAMPAIGNS].find_one({"merchant_id": actor.merchant_id, "_id": campaign_id})
    if doc is None:
        raise CampaignError(CampaignCode.CAMPAIGN_NOT_FOUND, "id")
    return campaign_from_doc(doc)


async def list_campaigns(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Campaign]:
    """OWNER or MANAGER: newest first, one query."""
    _manager(actor)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    docs = await mongo.db[c.CAMPAIGNS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], campaign_from_doc(d)) for d in docs[:limit]], len(docs) > limit)
