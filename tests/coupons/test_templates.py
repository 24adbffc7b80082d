"""Coupon templates in the admin app: managers create them within their stores, move them through
DRAFT → ACTIVE ⇄ PAUSED → ENDED, and list them in one round of queries.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import CREATE_TEMPLATE, amount_off, make_staff, new_template, set_status, store_gid

TEMPLATES = """
query($first: Int, $after: String) {
  couponTemplates(first: $first, after: $after) {
    edges { node { id title status remaining issued stores { name } benefit { kind } } cursor }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _create(gql: Gql, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql("admin", CREATE_TEMPLATE, {"input": amount_off(**fields)}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["createCouponTemplate"]
    return payload


async def test_owner_creates_each_kind_of_coupon_as_a_draft(gql: Gql, owner_token: str, shop: Shop) -> None:
    # given an owner designing this month's campaign
    ends = (datetime.now(UTC) + timedelta(days=10)).isoformat()
    kinds = [
        {"kind": "AMOUNT_OFF", "valueFen": 2000, "minimumSpendFen": 10000, "validDays": 30},
        {
            "kind": "PERCENT_OFF",
            "valueFen": 0,
            "minimumSpendFen": 0,
            "percentOffBp": 1500,
            "capFen": 5000,
            "validDays": 7,
        },
        {"kind": "GIFT", "valueFen": 0, "itemId": "sku-hair-mask", "itemName": "护发膜", "validDays": 30},
        {
            "kind": "EXPERIENCE",
            "valueFen": 990,
            "itemId": "svc-massage",
            "itemName": "肩颈按摩体验",
            "validDays": None,
            "validFrom": datetime.now(UTC).isoformat(),
            "validTo": ends,
            "allStores": False,
            "storeIds": [store_gid(shop)],
            "stock": 100,
            "perMemberLimit": 2,
            "transferable": False,
        },
    ]

    # when they create one template of each kind
    created = [await _create(gql, owner_token, **fields) for fields in kinds]

    # then each is a draft with exactly the benefit asked for
    assert [p["userErrors"] for p in created] == [[]] * 4
    made = [p["template"] for p in created]
    assert all(t["status"] == "DRAFT" and t["issued"] == 0 for t in made)
    assert made[1]["benefit"] == {
        "kind": "PERCENT_OFF",
        "valueFen": 0,
        "percentOffBp": 1500,
        "capFen": 5000,
        "minimumSpendFen": 0,
        "itemId": None,
        "itemName": None,
    }
    experience = made[3]
    assert experience["stock"] == 100 and experience["remaining"] == 100
    assert experience["perMemberLimit"] == 2 and experience["transferable"] is False
    assert experience["stores"] == [{"name": "甲店一号店"}] and experience["allStores"] is False
    assert experience["validity"]["days"] is None and experience["validity"]["endsAt"]


async def test_inconsistent_templates_are_refused_with_the_field_at_fault(gql: Gql, owner_token: str) -> None:
    # given templates that make no sense
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases: dict[str, dict[str, Any]] = {
        "INVALID_COUPON_BENEFIT": {"valueFen": 0},
        "COUPON_TITLE_REQUIRED": {"title": "  "},
        "INVALID_COUPON_VALIDITY": {"validDays": None, "validFrom": yesterday, "validTo": yesterday},
        "INVALID_COUPON_STOCK": {"stock": 0},
        "INVALID_CLAIM_LIMIT": {"perMemberLimit": 0},
    }

    # when each is submitted
    refused = {code: await _create(gql, owner_token, **fields) for code, fields in cases.items()}

    # then each is refused with its own code and nothing is created
    assert {code: [e["code"] for e in p["userErrors"]] for code, p in refused.items()} == {
        code: [code] for code in cases
    }
    assert refused["INVALID_COUPON_BENEFIT"]["userErrors"][0]["field"] == "valueFen"


async def test_a_percent_off_coupon_takes_a_percentage_not_an_amount(gql: Gql, owner_token: str) -> None:
    # when a PERCENT_OFF coupon is given a fen amount instead of basis points
    payload = await _create(gql, owner_token, kind="PERCENT_OFF", valueFen=0, percentOffBp=0)

    # then it is refused on the percentage
    assert payload["userErrors"] == [
        {"field": "percentOffBp", "code": "INVALID_COUPON_BENEFIT", "message": "优惠内容设置无效"}
    ]


async def test_template_moves_draft_active_paused_ended_and_never_back(gql: Gql, owner_token: str) -> None:
    # given a draft
    gid = await new_template(gql, owner_token, activate=False)

    # when it is activated, paused, resumed, ended and then reactivated
    steps = [await set_status(gql, owner_token, gid, s) for s in ["ACTIVE", "PAUSED", "ACTIVE", "ENDED", "ACTIVE"]]

    # then every move but the last is allowed: ENDED is final
    assert [s["template"]["status"] if s["template"] else None for s in steps] == [
        "ACTIVE",
        "PAUSED",
        "ACTIVE",
        "ENDED",
        None,
    ]
    assert steps[-1]["userErrors"][0]["code"] == "COUPON_STATUS_CHANGE_INVALID"


async def test_a_cashier_cannot_create_templates(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a cashier
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000001")

    # when they try to create a template
    body = await gql("admin", CREATE_TEMPLATE, {"input": amount_off()}, token=cashier.token)

    # then it is an auth error, not a business one
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_store_manager_sees_and_writes_templates_of_their_store_only(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a second store with its own manager, and templates for each store and for all stores
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000002", store_ids=[second.id])
    await new_template(gql, owner_token, title="全店通用")
    await new_template(gql, owner_token, title="一号店专享", allStores=False, storeIds=[store_gid(shop)])
    mine = await _create(gql, manager.token, title="二号店专享", allStores=False, storeIds=[_gid(second)])
    foreign = await gql(
        "admin",
        CREATE_TEMPLATE,
        {"input": amount_off(allStores=False, storeIds=[store_gid(shop)])},
        token=manager.token,
    )

    # when the manager lists templates
    body = await gql("admin", TEMPLATES, token=manager.token)

    # then they see the all-stores one and their store's one, and could not write for the other store
    titles = [e["node"]["title"] for e in body["data"]["couponTemplates"]["edges"]]
    assert titles == ["二号店专享", "全店通用"]
    assert mine["userErrors"] == []
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _gid(store: tenancy.Store) -> str:
    return to_global_id("Store", store.id)


async def test_template_list_is_two_queries_whatever_the_page_size(
    gql: Gql, mongo: Mongo, owner_token: str, shop: Shop
) -> None:
    # given 25 templates, some scoped to a store
    for i in range(25):
        scoped = {"allStores": False, "storeIds": [store_gid(shop)]} if i % 2 else {}
        await new_template(gql, owner_token, activate=False, title=f"券{i}", **scoped)

    # when the owner opens the list, two pages of it
    with count_commands(mongo) as commands:
        first = await gql("admin", TEMPLATES, {"first": 20}, token=owner_token)
    cursor = first["data"]["couponTemplates"]["pageInfo"]["endCursor"]
    second = await gql("admin", TEMPLATES, {"first": 20, "after": cursor}, token=owner_token)

    # then a page costs the staff lookup, the templates and one batch of stores
    assert commands == ["find", "find", "find"]
    titles = [e["node"]["title"] for e in first["data"]["couponTemplates"]["edges"]]
    titles += [e["node"]["title"] for e in second["data"]["couponTemplates"]["edges"]]
    assert titles == [f"券{i}" for i in reversed(range(25))]
    assert second["data"]["couponTemplates"]["pageInfo"]["hasNextPage"] is False
