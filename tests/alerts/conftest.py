"""Alerts givens: rules switched on as the owner would, the cron's evaluation at a chosen moment, and the alerts
list and badge read through the admin API as the staff app reads them.
"""

from datetime import UTC, datetime
from typing import Any

from db.mongo import Mongo
from domain.alerts import evaluation, rules
from domain.alerts.rules import AlertKind, AlertRule
from domain.sessions import Audience, Principal
from tests.conftest import Gql, Shop
from tests.coupons.conftest import SIGNER, Colleague

ALERTS = """
query {
  alerts { edges { node { kind store { name } period read message link figures { name value unit } } } }
  unreadAlertCount
}
"""


def owner(shop: Shop) -> Colleague:
    """The owner with a minted token (no argon2 sign-in)."""
    staff = shop.merchant.owner
    return Colleague(staff, SIGNER.sign(Principal(Audience.ADMIN, staff.id, staff.merchant_id), datetime.now(UTC))[0])


async def switch_on(mongo: Mongo, shop: Shop, kind: AlertKind, now: datetime | None = None, **params: int) -> None:
    rule = AlertRule(kind, enabled=True, **params)
    await rules.set_rules(mongo=mongo, actor=shop.merchant.owner, rules=[rule], now=now or datetime.now(UTC))


async def evaluate(mongo: Mongo, now: datetime | None = None) -> int:
    return await evaluation.evaluate_all(mongo=mongo, now=now or datetime.now(UTC))


async def alerts_of(gql: Gql, token: str, lang: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """The alerts a staff member is shown, newest first, and their badge."""
    body = await gql("admin", ALERTS, token=token, lang=lang)
    assert "errors" not in body, body
    return [e["node"] for e in body["data"]["alerts"]["edges"]], body["data"]["unreadAlertCount"]
