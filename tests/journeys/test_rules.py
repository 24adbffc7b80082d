"""The owner's journey rules: every kind listed at its default until set, each rule validated on its own field
with nothing changed by a bad one, and only the owner may change them (a manager reads them).
"""

from typing import Any

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.alerts.conftest import owner
from tests.conftest import Gql, Shop
from tests.coupons.conftest import make_staff, new_template, set_status

SET_RULES = """
mutation($rules: [JourneyRuleInput!]!) {
  setJourneyRules(rules: $rules) {
    rules { kind enabled days controlPercent template { id title } }
    userErrors { field code message }
  }
}
"""
RULES = "query { journeyRules { kind enabled days controlPercent template { id title } } }"


def rule(kind: str, enabled: bool = True, days: int = 30, **more: Any) -> dict[str, Any]:
    return {"kind": kind, "enabled": enabled, "days": days, **more}


async def test_the_owner_switches_win_back_on_and_the_reminder_stays_on_by_default(gql: Gql, shop: Shop) -> None:
    # given the owner and an active coupon template
    token = owner(shop).token
    template = await new_template(gql, token, title="回来有礼")

    # when they switch win-back on after 60 days with a 20% control group
    given = [rule("WIN_BACK", days=60, controlPercent=20, templateId=template)]
    body = await gql("admin", SET_RULES, {"rules": given}, token=token)

    # then win-back is on with its coupon, thank-you off and the expiry reminder on as before the rules existed
    assert body["data"]["setJourneyRules"]["userErrors"] == []
    listed = (await gql("admin", RULES, token=token))["data"]["journeyRules"]
    assert body["data"]["setJourneyRules"]["rules"] == listed
    assert listed == [
        {
            "kind": "WIN_BACK",
            "enabled": True,
            "days": 60,
            "controlPercent": 20,
            "template": {"id": template, "title": "回来有礼"},
        },
        {"kind": "THANK_YOU", "enabled": False, "days": 3, "controlPercent": 10, "template": None},
        {"kind": "EXPIRY_REMINDER", "enabled": True, "days": 3, "controlPercent": 0, "template": None},
    ]


async def test_a_bad_rule_refuses_them_all_on_its_field_and_changes_nothing(gql: Gql, shop: Shop) -> None:
    # given thank-you on after 3 days, and a paused template
    token = owner(shop).token
    good = await new_template(gql, token, title="感谢券")
    paused = await new_template(gql, token, title="停发券")
    await set_status(gql, token, paused, "PAUSED")
    await gql("admin", SET_RULES, {"rules": [rule("THANK_YOU", days=3, templateId=good)]}, token=token)
    before = (await gql("admin", RULES, token=token))["data"]["journeyRules"]

    # when the owner sends a good rule together with each kind of bad one
    bad = [
        (rule("WIN_BACK", days=6, templateId=good), "rules.1.days", "JOURNEY_DAYS_INVALID"),
        (rule("WIN_BACK", days=366, templateId=good), "rules.1.days", "JOURNEY_DAYS_INVALID"),
        (rule("WIN_BACK", controlPercent=51, templateId=good), "rules.1.controlPercent", "JOURNEY_CONTROL_INVALID"),
        (rule("WIN_BACK"), "rules.1.templateId", "JOURNEY_TEMPLATE_REQUIRED"),
        (rule("WIN_BACK", templateId=paused), "rules.1.templateId", "COUPON_TEMPLATE_PAUSED"),
        (rule("EXPIRY_REMINDER", days=31), "rules.1.days", "JOURNEY_DAYS_INVALID"),
        (rule("THANK_YOU", days=3, templateId=good), "rules.1.kind", "JOURNEY_RULE_DUPLICATE"),
    ]
    answers = [
        (await gql("admin", SET_RULES, {"rules": [rule("THANK_YOU", days=90, templateId=good), wrong]}, token=token))[
            "data"
        ]
        for wrong, _, _ in bad
    ]

    # then each is refused on its field, in Chinese, and the rules are as they were
    assert [a["setJourneyRules"]["userErrors"][0]["field"] for a in answers] == [field for _, field, _ in bad]
    assert [a["setJourneyRules"]["userErrors"][0]["code"] for a in answers] == [code for _, _, code in bad]
    assert answers[2]["setJourneyRules"]["userErrors"][0]["message"] == "对照组比例须为 0-50%"
    assert (await gql("admin", RULES, token=token))["data"]["journeyRules"] == before


async def test_only_the_owner_sets_rules_a_manager_reads_them_and_a_cashier_cannot(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a manager of every store and a cashier
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000051")
    cashier = await make_staff(mongo, pii, shop, Role.CASHIER, "13700000052")

    # when the manager tries to switch the reminder off, and reads the rules; and the cashier reads them
    refused = await gql("admin", SET_RULES, {"rules": [rule("EXPIRY_REMINDER", False, 3)]}, token=manager.token)
    read = await gql("admin", RULES, token=manager.token)
    hidden = await gql("admin", RULES, token=cashier.token)

    # then the manager is refused and reads the reminder still on; the cashier is refused
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [r["enabled"] for r in read["data"]["journeyRules"]] == [False, False, True]
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
