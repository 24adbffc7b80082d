"""The catalog: owners and managers keep services and products with a price and the stores that sell them;
the counter sees what its store sells; a price change applies to orders made afterwards only.
"""

from typing import Any

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import create_store
from schema.ids import to_global_id
from tests.checkout.conftest import ADMIN_CREATE_ORDER, cashier, key
from tests.conftest import Gql, Shop
from tests.coupons.conftest import store_gid

CREATE_ITEM = """
mutation($input: CreateCatalogItemInput!) {
  createCatalogItem(input: $input) {
    catalogItem { id kind name priceFen allStores storeIds active couponItemId }
    userErrors { field code message }
  }
}
"""

UPDATE_ITEM = """
mutation($input: UpdateCatalogItemInput!) {
  updateCatalogItem(input: $input) { catalogItem { id priceFen active } userErrors { field code } }
}
"""

ITEMS_AT = """
query($store: ID) { catalogItems(storeId: $store, first: 50) { edges { node { name priceFen } } } }
"""


async def add_item(gql: Gql, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql("admin", CREATE_ITEM, {"input": {"kind": "SERVICE", **fields}}, token=token)
    payload: dict[str, Any] = body["data"]["createCatalogItem"]
    return payload


async def test_a_store_sells_what_is_sold_everywhere_and_what_is_sold_there(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a second store, an item sold everywhere and one sold only at the second store
    second = await create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    everywhere = await add_item(gql, owner_token, name="洗剪吹", priceFen=3_800)
    there = await add_item(
        gql, owner_token, name="头皮护理", priceFen=19_800, allStores=False, storeIds=[to_global_id("Store", second.id)]
    )
    staff = await cashier(mongo, pii, shop)

    # when a cashier lists what the first store sells, and what the second sells
    first_list = await gql("admin", ITEMS_AT, {"store": store_gid(shop)}, token=staff.token)
    second_list = await gql("admin", ITEMS_AT, {"store": to_global_id("Store", second.id)}, token=owner_token)

    # then each store sells its own
    assert everywhere["userErrors"] == [] and there["userErrors"] == []
    assert [e["node"]["name"] for e in first_list["data"]["catalogItems"]["edges"]] == ["洗剪吹"]
    assert [e["node"]["name"] for e in second_list["data"]["catalogItems"]["edges"]] == ["洗剪吹", "头皮护理"]


async def test_only_managers_keep_the_catalog_and_prices_are_checked(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a cashier
    staff = await cashier(mongo, pii, shop)

    # when the cashier adds an item, and the owner adds one with a negative price
    by_cashier = await gql(
        "admin", CREATE_ITEM, {"input": {"kind": "PRODUCT", "name": "洗发水", "priceFen": 5_900}}, token=staff.token
    )
    negative = await add_item(gql, owner_token, name="洗发水", priceFen=-1)

    # then the cashier is refused as an auth failure and the price as invalid
    assert [e["extensions"]["code"] for e in by_cashier["errors"]] == ["FORBIDDEN"]
    assert [(e["field"], e["code"]) for e in negative["userErrors"]] == [("priceFen", "CATALOG_ITEM_INVALID")]


async def test_a_new_price_applies_to_orders_made_afterwards(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given an item at 38 yuan and an order for it
    item = (await add_item(gql, owner_token, name="洗剪吹", priceFen=3_800))["catalogItem"]
    staff = await cashier(mongo, pii, shop)

    async def order_total() -> int:
        variables = {"input": {"storeId": store_gid(shop), "items": [{"itemId": item["id"]}], "idempotencyKey": key()}}
        body = await gql("admin", ADMIN_CREATE_ORDER, variables, token=staff.token)
        return int(body["data"]["createOrder"]["order"]["price"]["listFen"])

    before = await order_total()

    # when the owner raises the price to 42 yuan, and later stops selling it
    update = {"id": item["id"], "kind": "SERVICE", "name": "洗剪吹", "priceFen": 4_200}
    raised = await gql("admin", UPDATE_ITEM, {"input": update}, token=owner_token)
    after = await order_total()
    await gql("admin", UPDATE_ITEM, {"input": update | {"active": False}}, token=owner_token)
    variables = {"input": {"storeId": store_gid(shop), "items": [{"itemId": item["id"]}], "idempotencyKey": key()}}
    stopped = await gql("admin", ADMIN_CREATE_ORDER, variables, token=staff.token)

    # then the first order kept 38 yuan, the next one is 42, and an inactive item is not sold
    assert raised["data"]["updateCatalogItem"]["userErrors"] == []
    assert (before, after) == (3_800, 4_200)
    assert [e["code"] for e in stopped["data"]["createOrder"]["userErrors"]] == ["ITEM_NOT_SOLD_HERE"]
