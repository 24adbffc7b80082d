"""Alerts givens: rules switched on as the owner would, the cron's evaluation at a chosen moment, and the alerts
list and badge read through the admin API as the staff app reads them.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.alerts import evaluation, rules
from domain.alerts.rules import AlertKind, AlertRule
from domain.events import BalanceChanged, OrderPaid, OrderRefunded
from domain.jobs import dead_letters
from domain.outbox import OutboxStatus, entry_from_doc
from domain.sessions import Audience, Principal
from schema.ids import to_global_id
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.conftest import Gql, Shop
from tests.coupons.conftest import SIGNER, Colleague
from tests.workers.conftest import event
from workers.events import DEFAULT_RETRY, HANDLERS, handle_event

ALERTS = """
query {
  alerts { edges { node { kind store { name } period read message link figures { name value unit } } } }
  unreadAlertCount
}
"""


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def handle_sales(clients: Clients) -> None:
    """The worker's handlers run for every payment and refund in the outbox, as the relay would have them run:
    they keep the report rollups the takings rules read."""
    await _handle(clients, [OrderPaid.KIND, OrderRefunded.KIND])


async def handle_balance_changes(clients: Clients) -> None:
    """The worker's handlers run for every card ledger entry in the outbox: they keep the running totals the stored
    value rule reads."""
    await _handle(clients, [BalanceChanged.KIND])


async def _handle(clients: Clients, kinds: list[str]) -> None:
    pending = {"status": OutboxStatus.PENDING.value, "kind": {"$in": kinds}}
    ctx = {"clients": clients, "handlers": HANDLERS, "retry_policy": DEFAULT_RETRY}
    for doc in await clients.mongo.db[c.OUTBOX].find(pending).sort("_id", 1).to_list():
        assert await handle_event(ctx, str(doc["_id"])) == "done"


def shop_zone(shop: Shop) -> ZoneInfo:
    return ZoneInfo(shop.merchant.store.timezone)


async def dead_letter(mongo: Mongo, shop: Shop) -> None:
    entry = await mongo.db[c.OUTBOX].find_one({"_id": await event(mongo, shop, "TEST_BUGGY")})
    assert entry is not None
    await dead_letters.bury(mongo=mongo, entry=entry_from_doc(entry), error="KeyError: 'x'", now=datetime.now(UTC))


async def furnish_alerts(mongo: Mongo, shop: Shop) -> dict[str, str]:
    """For the tenancy isolation walk: an alert of the shop's, fired by its dead letter (furnish_jobs' one)."""
    await switch_on(mongo, shop, AlertKind.DEAD_LETTERS, count=1)
    merchant_id = shop.merchant.merchant.id
    kept = await mongo.db[c.ALERT_RULES].find_one({"_id": merchant_id})
    now = datetime.now(UTC)
    await evaluation.evaluate_merchant(mongo=mongo, merchant_id=merchant_id, rules=rules.rules_from_doc(kept), now=now)
    alert = await mongo.db[c.ALERTS].find_one({"merchant_id": merchant_id})
    assert alert is not None
    return {"alert": to_global_id("Alert", alert["_id"])}


def owner(shop: Shop) -> Colleague:
    """The owner with a minted token (no argon2 sign-in)."""
    staff = shop.merchant.owner
    return Colleague(staff, SIGNER.sign(Principal(Audience.ADMIN, staff.id, staff.merchant_id), datetime.now(UTC))[0])


async def switch_on(
    mongo: Mongo,
    shop: Shop,
    kind: AlertKind,
    *,
    percent: int | None = None,
    hour: int | None = None,
    count: int | None = None,
    amount_fen: int | None = None,
    now: datetime | None = None,
) -> None:
    rule = AlertRule(kind, True, percent, hour, count, amount_fen)
    await rules.set_rules(mongo=mongo, actor=shop.merchant.owner, rules=[rule], now=now or datetime.now(UTC))


async def evaluate(mongo: Mongo, now: datetime | None = None) -> int:
    return await evaluation.evaluate_all(mongo=mongo, now=now or datetime.now(UTC))


async def alerts_of(gql: Gql, token: str, lang: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """The alerts a staff member is shown, newest first, and their badge."""
    body = await gql("admin", ALERTS, token=token, lang=lang)
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["alerts"]["edges"]], body["data"]["unreadAlertCount"]
