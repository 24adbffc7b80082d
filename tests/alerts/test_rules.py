"""The owner's alert rules: every kind listed (switched off until set), each kind's parameters validated, one bad
rule refusing the lot with nothing changed, and only the owner may change them.
"""

from typing import Any

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.alerts.conftest import owner
from tests.conftest import Gql, Shop
from tests.coupons.conftest import make_staff

SET_RULES = """
mutation($rules: [AlertRuleInput!]!) {
  setAlertRules(rules: $rules) {
    rules { kind enabled percent hour count amountFen }
    userErrors { field code message }
  }
}
"""
RULES = "query { alertRules { kind enabled percent hour count amountFen } }"

OFF = {"percent": None, "hour": None, "count": None, "amountFen": None}


def rule(kind: str, enabled: bool = True, **params: Any) -> dict[str, Any]:
    return {"kind": kind, "enabled": enabled, **params}


async def test_the_owner_switches_rules_on_with_their_parameters_and_the_rest_stay_off(gql: Gql, shop: Shop) -> None:
    # given the owner
    token = owner(shop).token

    # when they switch on refunds above 20% of takings from 500 yuan, and takings below 60% by 15:00 (with a count
    # TAKINGS_LOW does not read)
    given = [rule("REFUNDS_HIGH", percent=20, amountFen=50_000), rule("TAKINGS_LOW", percent=60, hour=15, count=3)]
    body = await gql("admin", SET_RULES, {"rules": given}, token=token)

    # then every kind is listed, those two on with what they read, the others off
    assert body["data"]["setAlertRules"]["userErrors"] == []
    listed = (await gql("admin", RULES, token=token))["data"]["alertRules"]
    assert body["data"]["setAlertRules"]["rules"] == listed
    assert listed == [
        {"kind": "REFUNDS_HIGH", "enabled": True, **OFF, "percent": 20, "amountFen": 50_000},
        {"kind": "TAKINGS_LOW", "enabled": True, **OFF, "percent": 60, "hour": 15},
        {"kind": "PAYMENT_FLAGGED", "enabled": False, **OFF},
        {"kind": "DEAD_LETTERS", "enabled": False, **OFF},
        {"kind": "COMMISSION_SPIKE", "enabled": False, **OFF},
        {"kind": "STORED_VALUE_OWED", "enabled": False, **OFF},
    ]


async def test_a_rule_out_of_range_refuses_them_all_and_changes_nothing(gql: Gql, shop: Shop) -> None:
    # given dead letters watched from 3 on
    token = owner(shop).token
    await gql("admin", SET_RULES, {"rules": [rule("DEAD_LETTERS", count=3)]}, token=token)
    before = (await gql("admin", RULES, token=token))["data"]["alertRules"]

    # when the owner sends a good rule together with each kind of bad one
    bad = [
        (rule("REFUNDS_HIGH", percent=1001, amountFen=0), "rules.1.percent", "ALERT_PERCENT_INVALID"),
        (rule("TAKINGS_LOW", percent=50, hour=24), "rules.1.hour", "ALERT_HOUR_INVALID"),
        (rule("TAKINGS_LOW", percent=50), "rules.1.hour", "ALERT_HOUR_INVALID"),
        (rule("DEAD_LETTERS", enabled=False, count=0), "rules.1.count", "ALERT_COUNT_INVALID"),
        (rule("STORED_VALUE_OWED", amountFen=-1), "rules.1.amountFen", "ALERT_AMOUNT_INVALID"),
        (rule("COMMISSION_SPIKE", percent=0, amountFen=100), "rules.1.percent", "ALERT_PERCENT_INVALID"),
        (rule("PAYMENT_FLAGGED"), "rules.1.kind", "ALERT_RULE_DUPLICATE"),
    ]
    answers = [
        (await gql("admin", SET_RULES, {"rules": [rule("PAYMENT_FLAGGED"), wrong]}, token=token))["data"]
        for wrong, _, _ in bad
    ]

    # then each is refused on its field, in Chinese, and the rules are as they were
    assert [a["setAlertRules"]["userErrors"][0]["field"] for a in answers] == [field for _, field, _ in bad]
    assert [a["setAlertRules"]["userErrors"][0]["code"] for a in answers] == [code for _, _, code in bad]
    assert answers[0]["setAlertRules"]["userErrors"][0]["message"] == "百分比须为 1-1000"
    assert (await gql("admin", RULES, token=token))["data"]["alertRules"] == before


async def test_only_the_owner_sets_rules_and_a_cashier_cannot_read_them(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a manager of every store and a cashier
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000041")
    cashier = await make_staff(mongo, pii, shop, Role.CASHIER, "13700000042")

    # when the manager tries to switch a rule on, and reads the rules; and the cashier reads them
    refused = await gql("admin", SET_RULES, {"rules": [rule("PAYMENT_FLAGGED")]}, token=manager.token)
    read = await gql("admin", RULES, token=manager.token)
    hidden = await gql("admin", RULES, token=cashier.token)

    # then the manager is refused and reads every rule still off; the cashier is refused
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [r["enabled"] for r in read["data"]["alertRules"]] == [False] * 6
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
