"""Who is shown which alerts and what they have read: the owner every alert, a manager those of their stores and
the merchant-wide ones, each staff member their own unread badge, nothing across merchants, and the screen's
commands the same however many alerts there are.
"""

from typing import Any

import pytest

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.alerts.rules import AlertKind
from domain.orders.model import FlagKind, flag_order
from domain.pii import PiiCipher
from tests.alerts.conftest import ALERTS, alerts_of, dead_letter, evaluate, owner, switch_on
from tests.checkout.conftest import counter_sale
from tests.conftest import Gql, Shop, count_commands, open_shop
from tests.coupons.conftest import make_staff

MARK_READ = """
mutation($ids: [ID!]) {
  markAlertsRead(ids: $ids) { unreadAlertCount userErrors { field code } }
}
"""
ALERTS_PAGE = ALERTS.replace("unreadAlertCount", "")
IDS = "query { alerts { edges { node { id store { name } } } } }"


async def _flag(mongo: Mongo, shop: Shop, store_id: Any, key: str) -> None:
    order = await counter_sale(mongo, shop, store_id, 1_000)
    await flag_order(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        order_id=order,
        code=FlagKind.AMOUNT_MISMATCH,
        detail="x",
        key=key,
    )


async def _mark(gql: Gql, token: str, ids: list[str] | None) -> dict[str, Any]:
    body = await gql("admin", MARK_READ, {"ids": ids}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["markAlertsRead"]
    return payload


@pytest.mark.dead_letters
async def test_a_manager_sees_their_stores_and_merchant_wide_alerts_and_each_reads_their_own(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given flagged payments at two stores and dead letters waiting, alerted; a manager of the second store only,
    # a cashier, and another merchant's owner
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000051", store_ids=[second.id])
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000052")
    await switch_on(mongo, shop, AlertKind.PAYMENT_FLAGGED)
    await switch_on(mongo, shop, AlertKind.DEAD_LETTERS, count=1)
    await _flag(mongo, shop, shop.merchant.store.id, "amount:first")
    await _flag(mongo, shop, second.id, "amount:second")
    await dead_letter(mongo, shop)
    assert await evaluate(mongo) == 3
    other = owner(await open_shop(mongo, pii, "13900000002", "乙店"))
    boss = owner(shop)

    # when each looks
    seen = {who: await alerts_of(gql, c.token) for who, c in (("owner", boss), ("manager", manager), ("other", other))}

    # then the owner sees all three, the manager the second store's and the merchant-wide one, the other merchant
    # none; each has their unread ones, and a cashier's badge is 0
    def stores(who: str) -> list[str | None]:
        return sorted((a["store"] or {"name": "-"})["name"] for a in seen[who][0])

    assert stores("owner") == ["-", "二号店", "甲店一号店"] and seen["owner"][1] == 3
    assert stores("manager") == ["-", "二号店"] and seen["manager"][1] == 2
    assert seen["other"] == ([], 0)
    assert (await gql("admin", "query { unreadAlertCount }", token=cashier.token))["data"] == {"unreadAlertCount": 0}

    # when the manager reads all theirs, the owner reads one, and the other merchant names our alerts
    listed = _nodes(await gql("admin", IDS, token=boss.token))
    ids = {a["store"]["name"] if a["store"] else "-": a["id"] for a in listed}
    read = [
        await _mark(gql, manager.token, None),
        await _mark(gql, boss.token, [ids["二号店"]]),
        await _mark(gql, other.token, list(ids.values())),
    ]

    # then each reads their own: the manager 0 left, the owner 2, and the other merchant is told there are no such
    # alerts, changing nothing
    assert [r["unreadAlertCount"] for r in read[:2]] == [0, 2]
    assert read[2]["userErrors"] == [{"field": "ids", "code": "ALERT_NOT_FOUND"}]
    owner_view, unread = await alerts_of(gql, boss.token)
    assert unread == 2 and [a["read"] for a in owner_view].count(True) == 1
    assert all(a["read"] for a in (await alerts_of(gql, manager.token))[0])
    # and the manager naming the first store's alert, or too many ids, are refused
    hidden = await _mark(gql, manager.token, [ids["甲店一号店"]])
    assert hidden["userErrors"] == [{"field": "ids", "code": "ALERT_NOT_FOUND"}]
    too_many = await _mark(gql, boss.token, [ids["-"]] * 101)
    assert too_many["userErrors"] == [{"field": "ids", "code": "ALERT_IDS_INVALID"}]


async def _screen(gql: Gql, token: str) -> tuple[list[Any], int]:
    """The alerts page and the badge, asked one after the other (asked together, both fields would read who asks
    at the same moment, once or twice)."""
    page = _nodes(await gql("admin", ALERTS_PAGE, token=token))
    badge = await gql("admin", "query { unreadAlertCount }", token=token)
    return page, badge["data"]["unreadAlertCount"]


def _nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["alerts"]["edges"]]


async def test_the_alerts_screen_costs_the_same_commands_for_one_alert_and_for_many(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one flagged payment alerted at each of two stores
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    await switch_on(mongo, shop, AlertKind.PAYMENT_FLAGGED)
    await _flag(mongo, shop, shop.merchant.store.id, "amount:0")
    await _flag(mongo, shop, second.id, "amount:1")
    await evaluate(mongo)
    token = owner(shop).token
    with count_commands(mongo) as few:
        await _screen(gql, token)

    # and then eight more
    for i in range(2, 10):
        await _flag(mongo, shop, second.id, f"amount:{i}")
    await evaluate(mongo)

    # when the owner opens the alerts screen with its badge again
    with count_commands(mongo) as many:
        alerts, unread = await _screen(gql, token)

    # then the same commands: who asks, the alerts page and their stores; who asks, and the badge's one count
    assert (len(alerts), unread) == (10, 10)
    assert list(many) == list(few) == ["find", "find", "find", "find", "aggregate"]
    assert await mongo.db[c.ALERTS].count_documents({}) == 10
