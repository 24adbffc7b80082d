"""The campaign document: its settings, its state and progress figures, and which group (treatment or control)
each member falls in.

The group is a keyed hash of the campaign and member ids, not a coin toss, so a send resumed after a crash, or
run twice, puts every member in the same group.
"""

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bson import ObjectId

from db.mongo import Doc
from domain.marketing.touches import Group

DEFAULT_CONTROL_PERCENT = 10
MAX_CONTROL_PERCENT = 50
DEFAULT_WEEK_CAP = 2
DEFAULT_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 90
MAX_WEEK_CAP = 14
# Hash buckets per percent: the control share is drawn in hundredths of a percent.
_BUCKETS = 10_000


class CampaignState(StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    SENDING = "SENDING"
    SENT = "SENT"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True)
class Progress:
    """Every member the send has reached is in exactly one of control, sent and the skipped figures."""

    targeted: int = 0
    sent: int = 0
    control: int = 0
    coupons: int = 0
    skipped_opted_out: int = 0
    skipped_capped: int = 0
    skipped_out_of_stock: int = 0


PROGRESS_FIELDS = tuple(f.name for f in dataclasses.fields(Progress))


@dataclass(frozen=True)
class Campaign:
    id: ObjectId
    merchant_id: ObjectId
    name: str
    segment_id: ObjectId
    segment_name: str
    template_id: ObjectId | None
    message: Message | None
    sms: bool
    send_at: datetime | None
    control_percent: int
    week_cap: int
    window_days: int
    state: CampaignState
    progress: Progress
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None


def campaign_from_doc(doc: Doc) -> Campaign:
    msg = doc.get("message")
    progress = doc.get("progress") or {}
    return Campaign(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        name=doc["name"],
        segment_id=doc["segment_id"],
        segment_name=doc.get("segment_name", ""),
        template_id=doc.get("template_id"),
        message=Message(msg["title"], msg["body"]) if msg else None,
        sms=doc.get("sms", False),
        send_at=doc.get("send_at"),
        control_percent=doc["control_percent"],
        week_cap=doc["week_cap"],
        window_days=doc["window_days"],
        state=CampaignState(doc["state"]),
        progress=Progress(**{name: progress.get(name, 0) for name in PROGRESS_FIELDS}),
        created_at=doc["created_at"],
        scheduled_at=doc.get("scheduled_at"),
        started_at=doc.get("started_at"),
        finished_at=doc.get("finished_at"),
        cancelled_at=doc.get("cancelled_at"),
    )


def group_of(campaign_id: ObjectId, member_id: ObjectId, control_percent: int) -> Group:
    digest = hashlib.blake2b(member_id.binary, key=campaign_id.binary, digest_size=8).digest()
    bucket = int.from_bytes(digest, "big") % _BUCKETS
    return Group.CONTROL if bucket < control_percent * _BUCKETS // 100 else Group.TREATMENT
