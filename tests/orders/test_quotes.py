"""The bill's live price: a counter quote prices a cart exactly as createOrder then does (level discount, one
coupon, points), refuses it as createOrder would with the field at fault, and makes, holds and spends nothing.
"""

from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.checkout.conftest import ADMIN_CREATE_ORDER, card, cashier, give, key, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import claimed_coupon, new_template, oid, store_gid
from tests.orders.test_catalog import add_item

QUOTE_ORDER = """
query($input: QuoteOrderInput!) {
  quoteOrder(input: $input) {
    quote { lines { itemId name unitPriceFen quantity }
            price { listFen levelDiscountFen couponDiscountFen payableFen pointsUsed pointsFen dueFen } }
    userErrors { field code message }
  }
}
"""


async def test_the_cashier_sees_the_price_the_order_will_have_before_anything_is_made(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member holding 1,000 points and a 满100减20 coupon, and three cuts at 38 yuan in the catalog
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=1_000)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    cut = (await add_item(gql, owner_token, name="洗剪吹", priceFen=3_800))["catalogItem"]
    staff = await cashier(mongo, pii, shop)
    cart = {
        "storeId": store_gid(shop),
        "memberId": member.gid,
        "items": [{"itemId": cut["id"], "quantity": 3}],
        "couponId": coupon,
        "usePoints": True,
    }

    # when the cashier asks for the price of the cart
    body = await gql("admin", QUOTE_ORDER, {"input": cart}, token=staff.token)

    # then 114 yuan less the coupon's 20, less 10 yuan of points, leaves 84 yuan to pay
    payload = body["data"]["quoteOrder"]
    assert payload["userErrors"] == []
    assert payload["quote"]["lines"] == [
        {"itemId": cut["couponItemId"], "name": "洗剪吹", "unitPriceFen": 3_800, "quantity": 3}
    ]
    assert payload["quote"]["price"] == {
        "listFen": 11_400,
        "levelDiscountFen": 0,
        "couponDiscountFen": 2_000,
        "payableFen": 9_400,
        "pointsUsed": 1_000,
        "pointsFen": 1_000,
        "dueFen": 8_400,
    }
    # and nothing was made, held or spent
    assert await mongo.db[c.ORDERS].count_documents({}) == 0
    held = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert held is not None and held["status"] == "ACTIVE" and not held.get("lock")
    assert (await card(mongo, member))["points"] == 1_000

    # and the order made of the same cart costs exactly what was quoted
    made = await gql("admin", ADMIN_CREATE_ORDER, {"input": cart | {"idempotencyKey": key()}}, token=staff.token)
    assert made["data"]["createOrder"]["order"]["price"] == payload["quote"]["price"]


async def test_a_quote_is_refused_as_the_order_would_be_with_the_field_at_fault(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member with a 满100减20 coupon, another member, and a cashier
    member, stranger = await shopper(mongo, shop), await shopper(mongo, shop, "路人")
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    staff = await cashier(mongo, pii, shop)

    def cart(**fields: Any) -> dict[str, Any]:
        return {"input": {"storeId": store_gid(shop), **fields}}

    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        (cart(amountFen=5_000, memberId=member.gid, couponId=coupon), ("couponId", "COUPON_MINIMUM_NOT_MET")),
        (cart(amountFen=15_000, memberId=stranger.gid, couponId=coupon), ("couponId", "COUPON_NOT_FOUND")),
        (cart(amountFen=5_000, usePoints=True), ("memberId", "MEMBER_REQUIRED")),
        (cart(amountFen=0), ("amountFen", "ORDER_AMOUNT_INVALID")),
        (cart(), ("items", "ORDER_CONTENT_INVALID")),
    ]

    # when each cart is quoted
    refused = []
    for variables, _ in cases:
        body = await gql("admin", QUOTE_ORDER, variables, token=staff.token)
        assert body["data"]["quoteOrder"]["quote"] is None
        [error] = body["data"]["quoteOrder"]["userErrors"]
        refused.append((error["field"], error["code"]))

    # then each names its field and code, as createOrder would
    assert refused == [expected for _, expected in cases]


async def test_the_coupon_minimum_shows_under_the_coupon_when_the_order_is_made(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member with a 满100减20 coupon and a 50 yuan bill
    member = await shopper(mongo, shop)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    staff = await cashier(mongo, pii, shop)
    variables = {
        "input": {
            "storeId": store_gid(shop),
            "memberId": member.gid,
            "amountFen": 5_000,
            "couponId": coupon,
            "idempotencyKey": key(),
        }
    }

    # when the cashier makes the order with the coupon anyway
    body = await gql("admin", ADMIN_CREATE_ORDER, variables, token=staff.token)

    # then the refusal names the couponId input, where the app shows it, and no order is made
    [error] = body["data"]["createOrder"]["userErrors"]
    assert (error["field"], error["code"], error["message"]) == (
        "couponId",
        "COUPON_MINIMUM_NOT_MET",
        "未达到优惠券的使用门槛",
    )
    assert await mongo.db[c.ORDERS].count_documents({}) == 0


async def test_a_technician_cannot_price_a_bill(gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a technician
    technician = await cashier(mongo, pii, shop, Role.TECHNICIAN)

    # when they ask for a price
    body = await gql(
        "admin", QUOTE_ORDER, {"input": {"storeId": store_gid(shop), "amountFen": 100}}, token=technician.token
    )

    # then their role does not allow it
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
