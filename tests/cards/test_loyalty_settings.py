"""The owner's loyalty settings: levels (name, threshold, discount, multiplier) and the points rule; managers
may read but not change them; a level members still hold cannot be removed.
"""

from typing import Any

from db.mongo import Mongo
from domain.cards import points
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.cards.conftest import Customer, hire
from tests.conftest import Gql, Shop

PROGRAM = """
query {
  loyaltyProgram {
    levels { id name thresholdFen discountBp pointsMultiplierBp }
    pointsRule { earnPointsPerYuan redeemPointsPerYuan }
  }
}
"""
SET_LEVELS = """
mutation($levels: [LevelInput!]!) {
  setLevels(input: {levels: $levels}) {
    loyaltyProgram { levels { id name thresholdFen discountBp pointsMultiplierBp } }
    userErrors { field code }
  }
}
"""
SET_RULE = """
mutation($earn: Int!, $redeem: Int!) {
  setPointsRule(input: {earnPointsPerYuan: $earn, redeemPointsPerYuan: $redeem}) {
    loyaltyProgram { pointsRule { earnPointsPerYuan redeemPointsPerYuan } }
    userErrors { field code }
  }
}
"""


async def _levels(gql: Gql, token: str, levels: list[dict[str, Any]]) -> dict[str, Any]:
    body = await gql("admin", SET_LEVELS, {"levels": levels}, token=token)
    payload: dict[str, Any] = body["data"]["setLevels"]
    return payload


async def test_owner_replaces_the_levels_and_the_points_rule(gql: Gql, owner_token: str) -> None:
    # given the default program
    default = (await gql("admin", PROGRAM, token=owner_token))["data"]["loyaltyProgram"]
    assert [lv["name"] for lv in default["levels"]] == ["普通会员", "银卡会员", "金卡会员"]
    base = default["levels"][0]

    # when the owner keeps the base level renamed, adds one VIP level, and sets 2 points per yuan, 50 per yuan off
    saved = await _levels(
        gql,
        owner_token,
        [
            {"id": base["id"], "name": "会员", "thresholdFen": 0},
            {"name": "VIP", "thresholdFen": 300_000, "discountBp": 1_200, "pointsMultiplierBp": 20_000},
        ],
    )
    rule = await gql("admin", SET_RULE, {"earn": 2, "redeem": 50}, token=owner_token)

    # then the program is exactly that, and the base level kept its id
    assert saved["userErrors"] == []
    levels = saved["loyaltyProgram"]["levels"]
    assert levels[0]["id"] == base["id"]
    assert [(lv["name"], lv["thresholdFen"], lv["discountBp"], lv["pointsMultiplierBp"]) for lv in levels] == [
        ("会员", 0, 0, 10_000),
        ("VIP", 300_000, 1_200, 20_000),
    ]
    assert rule["data"]["setPointsRule"]["loyaltyProgram"]["pointsRule"] == {
        "earnPointsPerYuan": 2,
        "redeemPointsPerYuan": 50,
    }


async def test_levels_must_start_at_zero_and_rise(gql: Gql, owner_token: str) -> None:
    # when the owner sends a list not starting at 0, then one with a threshold going down
    not_zero = await _levels(gql, owner_token, [{"name": "A", "thresholdFen": 100}])
    falling = await _levels(
        gql,
        owner_token,
        [{"name": "A", "thresholdFen": 0}, {"name": "B", "thresholdFen": 9}, {"name": "C", "thresholdFen": 5}],
    )
    bad_discount = await _levels(gql, owner_token, [{"name": "A", "thresholdFen": 0, "discountBp": 10_000}])

    # then each is refused and names what is wrong
    assert not_zero["userErrors"] == [{"field": "levels.thresholdFen", "code": "LEVELS_INVALID"}]
    assert falling["userErrors"] == [{"field": "levels.thresholdFen", "code": "LEVELS_INVALID"}]
    assert bad_discount["userErrors"] == [{"field": "levels.0.discountBp", "code": "LEVELS_INVALID"}]


async def test_a_level_members_hold_cannot_be_removed(
    gql: Gql, mongo: Mongo, owner_token: str, customer: Customer
) -> None:
    # given a member who reached silver
    await points.record_payment(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        paid_fen=100_000,
        reference="order",
        idempotency_key="order:earn",
    )
    levels = (await gql("admin", PROGRAM, token=owner_token))["data"]["loyaltyProgram"]["levels"]

    # when the owner drops silver, then drops gold (which nobody holds)
    keep = [{"id": lv["id"], "name": lv["name"], "thresholdFen": lv["thresholdFen"]} for lv in levels]
    without_silver = await _levels(gql, owner_token, [keep[0], keep[2]])
    without_gold = await _levels(gql, owner_token, keep[:2])

    # then silver stays because a member holds it, and gold goes
    assert without_silver["userErrors"] == [{"field": "levels", "code": "LEVEL_IN_USE"}]
    assert [lv["name"] for lv in without_gold["loyaltyProgram"]["levels"]] == ["普通会员", "银卡会员"]


async def test_a_manager_reads_the_settings_but_cannot_change_them(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a manager
    manager = await hire(mongo, pii, gql, shop, Role.MANAGER, "13900000701")

    # when they read the program and try to change the points rule
    read = await gql("admin", PROGRAM, token=manager.token)
    change = await gql("admin", SET_RULE, {"earn": 100, "redeem": 1}, token=manager.token)

    # then reading works and changing is forbidden
    assert read["data"]["loyaltyProgram"]["pointsRule"] == {"earnPointsPerYuan": 1, "redeemPointsPerYuan": 100}
    assert change["errors"][0]["extensions"]["code"] == "FORBIDDEN"
