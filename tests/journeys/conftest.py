"""Journeys givens: members with paid days as the reports count them, rules switched on as the owner would, and
the daily evaluation at a chosen moment (noon in the shop's Shanghai time, after the send hour)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.coupons import claims
from domain.coupons.templates import Template
from domain.journeys import rules
from domain.journeys.rules import JourneyKind, JourneyRule
from domain.outbox import OutboxStatus
from domain.reports.visits import ALL, add_paid_days
from startup.clients import Clients
from tests.conftest import Shop
from tests.coupons.conftest import Customer, make_members
from tests.workers.conftest import coupon_template
from workers.events import DEFAULT_RETRY, HANDLERS, handle_event

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tomorrow noon, Shanghai time: after the send hour, and after the templates the tests make now.
TODAY = datetime.now(SHANGHAI).date() + timedelta(days=1)
NOW = datetime.combine(TODAY, time(12), SHANGHAI).astimezone(UTC)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


async def paid_on(mongo: Mongo, shop: Shop, member: Customer, days: Sequence[date]) -> None:
    """The member's paid visits, as the report rollups keep them (merchant-wide)."""
    await add_paid_days(
        mongo=mongo, merchant_id=shop.merchant.merchant.id, generation=0, paid={(ALL, member.id): list(days)}
    )


async def members_who_paid(mongo: Mongo, shop: Shop, histories: dict[str, Sequence[int]]) -> dict[str, Customer]:
    """One member per name, who paid on each of the given days ago."""
    made = {}
    for name, ago in histories.items():
        [member] = await make_members(mongo, shop, 1, prefix=name)
        await paid_on(mongo, shop, member, [days_ago(n) for n in ago])
        made[name] = member
    return made


async def switch_on(
    mongo: Mongo, shop: Shop, kind: JourneyKind, days: int, control_percent: int = 0, template: Template | None = None
) -> Template | None:
    """The owner switches the rule on (a coupon journey with a fresh template unless one is given)."""
    if kind is not JourneyKind.EXPIRY_REMINDER and template is None:
        template = await coupon_template(mongo, shop, title="回头客券")
    rule = JourneyRule(kind, True, days, control_percent, template.id if template else None)
    await rules.set_rules(mongo=mongo, actor=shop.merchant.owner, rules=[rule], now=NOW)
    return template


async def sends(mongo: Mongo, shop: Shop, kind: JourneyKind) -> dict[ObjectId, tuple[str, bool]]:
    """Each member the journey reached: their group, and whether they got a coupon."""
    found = mongo.db[c.JOURNEY_SENDS].find({"merchant_id": shop.merchant.merchant.id, "kind": kind.value})
    return {d["member_id"]: (d["group"], d["coupon_id"] is not None) async for d in found}


async def journey_coupons(mongo: Mongo, shop: Shop, kind: JourneyKind) -> list[ObjectId]:
    """The owners of the coupons the journey gave, one entry per coupon."""
    merchant_id = shop.merchant.merchant.id
    given = mongo.db[c.COUPONS].find({"merchant_id": merchant_id, "origin": {"$regex": f"^journey:{kind.value}:"}})
    return sorted([d["owner_id"] async for d in given])


async def gift(mongo: Mongo, shop: Shop, template: Template, member: Customer) -> None:
    """The member claims a coupon of the template."""
    await claims.claim_coupon(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        template_id=template.id,
        idempotency_key=uuid.uuid4().hex,
    )


async def run_handlers(clients: Clients, kinds: Sequence[str]) -> None:
    """The worker's handlers run for the outbox's pending events of these kinds, as the relay would have them run."""
    pending = {"status": OutboxStatus.PENDING.value, "kind": {"$in": list(kinds)}}
    ctx = {"clients": clients, "handlers": HANDLERS, "retry_policy": DEFAULT_RETRY}
    for doc in await clients.mongo.db[c.OUTBOX].find(pending).sort("_id", 1).to_list():
        assert await handle_event(ctx, str(doc["_id"])) == "done"
