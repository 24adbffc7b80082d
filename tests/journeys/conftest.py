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
from domain.events import CouponReceived, OrderPaid
from domain.journeys import daily, rules
from domain.journeys.rules import JourneyKind, JourneyRule
from domain.journeys.sends import group_of
from domain.marketing import effect
from domain.marketing.touches import Group
from domain.notifications import inbox
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


async def drawn(mongo: Mongo, shop: Shop, rule_id: ObjectId, period: str, treated: int, held: int) -> list[Customer]:
    """Members made until the rule's draw for the period has put `treated` in the treatment group and `held` in
    the control group, in that order: the world is the same whatever id the rule was given."""
    groups: dict[Group, list[Customer]] = {Group.TREATMENT: [], Group.CONTROL: []}
    while len(groups[Group.TREATMENT]) < treated or len(groups[Group.CONTROL]) < held:
        [member] = await make_members(mongo, shop, 1, prefix="m")
        groups[group_of(rule_id, member.id, period, 50)].append(member)
    return groups[Group.TREATMENT][:treated] + groups[Group.CONTROL][:held]


def paid(shop: Shop, member: Customer, hours_after: float, fen: int) -> OrderPaid:
    return OrderPaid(
        order_id=ObjectId(),
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        store_id=shop.merchant.store.id,
        paid_at=NOW + timedelta(hours=hours_after),
        consumption_paid_fen=fen,
    )


async def won_back(mongo: Mongo, shop: Shop, clients: Clients) -> list[Customer]:
    """Win-back after 30 days holding back half, two members drawn into each group (t1, t2, k1, k2), all lapsed 30
    days ago. The journey runs and the worker tells the treatment group; t1 reads the message in the inbox; t1 pays
    100.00 an hour later, t2 pays 50.00 after the 14-day window, k1 (control) pays 30.00 two days later."""
    await switch_on(mongo, shop, JourneyKind.WIN_BACK, days=30, control_percent=50)
    rule = (await rules.rules_of(mongo=mongo, merchant_id=shop.merchant.merchant.id))[JourneyKind.WIN_BACK]
    assert rule.id is not None
    t1, t2, k1, k2 = await drawn(mongo, shop, rule.id, days_ago(30).isoformat(), treated=2, held=2)
    for member in (t1, t2, k1, k2):
        await paid_on(mongo, shop, member, [days_ago(30)])
    await daily.evaluate_all(mongo=mongo, now=NOW)
    await run_handlers(clients, [CouponReceived.KIND])
    merchant_id = shop.merchant.merchant.id
    [note] = await mongo.db[c.NOTIFICATIONS].find({"merchant_id": merchant_id, "member_id": t1.id}).to_list()
    await inbox.mark_read(mongo=mongo, merchant_id=merchant_id, member_id=t1.id, notification_ids=[note["_id"]])
    for order in (paid(shop, t1, 1, 10_000), paid(shop, t2, 24 * 15, 5_000), paid(shop, k1, 48, 3_000)):
        await effect.on_order_paid(mongo=mongo, event=order)
    return [t1, t2, k1, k2]
