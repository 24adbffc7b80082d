"""The coupon funnel's events (发送 → 转发 → 领取 → 到店): one document per step, written by the coupon
operations themselves (a claim, a forward, a pack, a redemption, a gift). domain.coupon_funnel reads them back.

ISSUED counts coupons put into circulation (a direct claim, or every coupon of a granted pack); FORWARDED the
coupons passed on to a friend (a forward when it is sent, a pack's coupon when a friend takes it: sharing a
pack's link hands nothing over by itself); CLAIMED the coupons a member received (a direct claim, an accepted
forward, a take from a pack); REDEEMED the ones used in store.
Each event carries the attribution of its coupon (the sharing member, the source's staff member), so the
same events group by sharer or by staff. A coupon claimed from the claim page writes no event, keeping the
claim at two commands: it carries `claimed_at` and is its own record of that ISSUED and CLAIMED, shared by
nobody (domain.coupons.claims); claims made before coupons carried it have their events.
"""

from datetime import datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.templates import Template
from domain.coupons.touch import Sharer


class Step(StrEnum):
    ISSUED = "ISSUED"
    FORWARDED = "FORWARDED"
    CLAIMED = "CLAIMED"
    REDEEMED = "REDEEMED"


def event_docs(
    template: Template,
    steps: list[tuple[Step, int]],
    *,
    attribution: Sharer,
    at: datetime,
    coupon_id: ObjectId | None = None,
    pack_id: ObjectId | None = None,
) -> list[Doc]:
    return [
        {
            "merchant_id": template.merchant_id,
            "template_id": template.id,
            "step": step.value,
            "n": n,
            "sharer_id": attribution.member_id,
            "staff_id": attribution.staff_id,
            "coupon_id": coupon_id,
            "pack_id": pack_id,
            "at": at,
        }
        for step, n in steps
    ]


async def record(
    mongo: Mongo,
    template: Template,
    steps: list[tuple[Step, int]],
    *,
    attribution: Sharer,
    at: datetime,
    coupon_id: ObjectId | None = None,
    pack_id: ObjectId | None = None,
    session: AsyncClientSession | None = None,
) -> None:
    """Written after the step itself: a crash in between undercounts the funnel, never the coupons. Inside a
    transaction (`session`) it is written with the step, exactly once."""
    docs = event_docs(template, steps, attribution=attribution, at=at, coupon_id=coupon_id, pack_id=pack_id)
    await mongo.db[c.COUPON_EVENTS].insert_many(docs, ordered=False, session=session)
