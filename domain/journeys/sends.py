"""A journey's send records: one per member, rule and period (a unique index), in the treatment group or held
back in the control group, drawn deterministically per rule, member and period, so every evaluation that meets
the member draws alike and the second one to record it meets the index.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo
from domain.journeys.rules import JourneyRule
from domain.marketing.touches import Group

_BASIS = 10_000


@dataclass(frozen=True)
class Reached:
    """What one evaluation did: members sent to, and members held back as the control group."""

    sent: int = 0
    held_back: int = 0

    def __add__(self, other: "Reached") -> "Reached":
        return Reached(self.sent + other.sent, self.held_back + other.held_back)


def group_of(rule_id: ObjectId, member_id: ObjectId, period: str, percent: int) -> Group:
    """A member's draw for one rule and period: the same on every evaluation, independent across periods."""
    digest = hashlib.sha256(f"{rule_id}:{member_id}:{period}".encode()).digest()
    held_back = int.from_bytes(digest[:8], "big") % _BASIS < percent * _BASIS // 100
    return Group.CONTROL if held_back else Group.TREATMENT


async def record_send(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    rule: JourneyRule,
    merchant_id: ObjectId,
    member_id: ObjectId,
    period: str,
    group: Group,
    now: datetime,
) -> ObjectId:
    """The member's record for this rule and period; DuplicateKeyError when another evaluation made it."""
    send_id = ObjectId()
    await mongo.db[c.JOURNEY_SENDS].insert_one(
        {
            "_id": send_id,
            "merchant_id": merchant_id,
            "kind": rule.kind.value,
            "rule_id": rule.id,
            "member_id": member_id,
            "period": period,
            "group": group.value,
            "coupon_id": None,
            "at": now,
        },
        session=session,
    )
    return send_id
