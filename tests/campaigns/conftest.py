"""Campaign givens: members and their segment facts inserted in bulk (a send of thousands tests the send, not
sign-up), a saved segment of them, a coupon template with a stock, a campaign scheduled through the domain, and
the worker's outlets (no subscribe templates configured, so the inbox carries every message)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.campaigns import editing
from domain.campaigns.model import Campaign, Message
from domain.campaigns.sending import LEASE, send_due
from domain.coupons import templates
from domain.coupons.templates import Benefit, Template, TemplateDraft, TemplateStatus, Validity
from domain.notifications.delivery import Outlets
from domain.pricing import CouponKind
from domain.segments import saved
from domain.segments.filters import SegmentFilter
from schema.ids import to_global_id
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.conftest import Shop
from tests.coupons.conftest import make_members

TAG = "常客"


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


@pytest.fixture
def out(clients: Clients) -> Outlets:
    return clients.outlets()


async def regulars(mongo: Mongo, shop: Shop, n: int) -> list[ObjectId]:
    """`n` members tagged 常客, with the facts segments read, inserted in bulk; ascending ids."""
    merchant_id = shop.merchant.merchant.id
    ids = [m.id for m in await make_members(mongo, shop, n, prefix="regular")]
    facts: list[dict[str, Any]] = [
        {
            "merchant_id": merchant_id,
            "member_id": member_id,
            "level": None,
            "tags": [TAG],
            "first_paid_day": None,
            "last_paid_day": None,
            "paid_days": [],
            "visits": 0,
            "lifetime_paid_fen": 0,
            "birthday_month": None,
            "source": "NONE",
            "brought_by": None,
            "home_store_id": None,
            "stored_value_fen": 0,
            "count_uses": 0,
            "rfm": None,
        }
        for member_id in ids
    ]
    for start in range(0, n, 1000):
        await mongo.db[c.MEMBER_FACTS].insert_many(facts[start : start + 1000])
    return sorted(ids)


async def regulars_segment(mongo: Mongo, shop: Shop) -> ObjectId:
    made = await saved.create_segment(
        mongo=mongo, actor=shop.merchant.owner, name="常客", flt=SegmentFilter(tags_all=(TAG,)), now=datetime.now(UTC)
    )
    return made.id


async def stocked_template(mongo: Mongo, shop: Shop, stock: int | None, title: str = "回店 20 元券") -> Template:
    owner = shop.merchant.owner
    draft = TemplateDraft(
        title=title,
        benefit=Benefit(kind=CouponKind.AMOUNT_OFF, value_fen=2000),
        validity=Validity(days=30),
        stock=stock,
    )
    created = await templates.create_template(mongo=mongo, actor=owner, draft=draft)
    return await templates.set_template_status(
        mongo=mongo, actor=owner, template_id=created.id, status=TemplateStatus.ACTIVE
    )


@dataclass(frozen=True)
class Plan:
    segment_id: ObjectId
    template_id: ObjectId | None
    control_percent: int = 10
    week_cap: int = 2
    message: Message | None = Message("好久不见", "送您 20 元回店券，本周内有效")


async def scheduled(mongo: Mongo, shop: Shop, plan: Plan, name: str = "回店礼") -> Campaign:
    """A campaign scheduled to send now, as the manager would make it."""
    owner, now = shop.merchant.owner, datetime.now(UTC)
    draft = editing.CampaignDraft(
        name=name,
        segment_id=plan.segment_id,
        template_id=plan.template_id,
        message=plan.message,
        control_percent=plan.control_percent,
        week_cap=plan.week_cap,
    )
    made = await editing.create_campaign(mongo=mongo, actor=owner, draft=draft, now=now)
    return await editing.schedule_campaign(mongo=mongo, actor=owner, campaign_id=made.id, now=now)


async def send_all(out: Outlets, *, after_lease: bool = False) -> int:
    """The worker's campaigns job run to the end; `after_lease` runs it as the next run would once a killed run's
    lease has lapsed."""
    now = datetime.now(UTC) + (LEASE + timedelta(seconds=5) if after_lease else timedelta())
    return await send_due(out=out, now=now, budget=timedelta(minutes=5))


async def furnish_campaigns(mongo: Mongo, shop: Shop) -> dict[str, str]:
    """For the tenancy isolation walk: a saved segment and a draft campaign to it."""
    segment_id = await regulars_segment(mongo, shop)
    draft = editing.CampaignDraft(
        name="回店礼", segment_id=segment_id, template_id=None, message=Message("你好", "回店")
    )
    made = await editing.create_campaign(mongo=mongo, actor=shop.merchant.owner, draft=draft, now=datetime.now(UTC))
    return {"campaign": to_global_id("Campaign", made.id), "campaign_segment": to_global_id("Segment", segment_id)}
