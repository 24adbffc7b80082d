"""扫码买单's price before paying: a member's quote prices an amount exactly as their createOrder then does (level
discount, one of their coupons, points), makes, holds and spends nothing, and is refused as createOrder would be:
only for themselves, at a store of their own merchant.
"""

from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from tests.checkout.conftest import MEMBER_CREATE_ORDER, card, give, key, shopper
from tests.conftest import Gql, Shop, count_commands_on, open_shop
from tests.coupons.conftest import claimed_coupon, new_template, oid, store_gid

QUOTE_ORDER = """
query($input: QuoteOrderInput!) {
  quoteOrder(input: $input) {
    quote { lines { itemId name unitPriceFen quantity }
            price { listFen levelDiscountFen couponDiscountFen payableFen pointsUsed pointsFen dueFen } }
    userErrors { field code message }
  }
}
"""


async def test_the_member_sees_what_the_scan_will_charge_before_anything_is_made(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a member holding 1,000 points and a 满100减20 coupon, scanning the store's code to pay 150 yuan
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=1_000)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    choice = {"storeId": store_gid(shop), "amountFen": 15_000, "couponId": coupon, "usePoints": True}

    # when the pay page asks for the price of that choice
    with count_commands_on(mongo) as commands:
        body = await gql("member", QUOTE_ORDER, {"input": choice}, token=member.token)

    # then 150 yuan less the coupon's 20, less 10 yuan of points, leaves 120 yuan to pay
    payload = body["data"]["quoteOrder"]
    assert payload["userErrors"] == []
    [line] = payload["quote"]["lines"]
    assert line == {"itemId": "amount", "name": "扫码买单", "unitPriceFen": 15_000, "quantity": 1}
    assert payload["quote"]["price"] == {
        "listFen": 15_000,
        "levelDiscountFen": 0,
        "couponDiscountFen": 2_000,
        "payableFen": 13_000,
        "pointsUsed": 1_000,
        "pointsFen": 1_000,
        "dueFen": 12_000,
    }
    # and it only read: the store, the card, the loyalty program, the coupon with its template
    assert commands == [
        ("find", c.STORES),
        ("find", c.CARDS),
        ("find", c.LOYALTY_PROGRAMS),
        ("find", c.COUPONS),
        ("find", c.COUPON_TEMPLATES),
    ]
    # and nothing was made, held or spent
    assert await mongo.db[c.ORDERS].count_documents({}) == 0
    held = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon)})
    assert held is not None and held["status"] == "ACTIVE" and not held.get("lock")
    assert (await card(mongo, member))["points"] == 1_000

    # and the order the tap on 确认支付 makes costs exactly what was quoted
    made = await gql("member", MEMBER_CREATE_ORDER, {"input": choice | {"idempotencyKey": key()}}, token=member.token)
    assert made["data"]["createOrder"]["userErrors"] == []
    assert made["data"]["createOrder"]["order"]["price"] == payload["quote"]["price"]


async def test_a_quote_is_refused_as_the_scan_order_would_be(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member, another member holding a 满100减20 coupon, and a store of another merchant
    member, friend = await shopper(mongo, shop), await shopper(mongo, shop, "朋友")
    friends_coupon = await claimed_coupon(gql, friend, await new_template(gql, owner_token))
    elsewhere = await open_shop(mongo, pii, "13900000009", "乙店")

    def choice(**fields: Any) -> dict[str, Any]:
        return {"input": {"storeId": store_gid(shop), "amountFen": 15_000, **fields}}

    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        (choice(couponId=friends_coupon), ("couponId", "COUPON_NOT_FOUND")),
        (choice(storeId=store_gid(elsewhere)), ("storeId", "STORE_NOT_FOUND")),
        (choice(amountFen=0), ("amountFen", "ORDER_AMOUNT_INVALID")),
    ]

    # when the member quotes each, and makes each
    quoted, made = [], []
    for variables, _ in cases:
        body = await gql("member", QUOTE_ORDER, variables, token=member.token)
        assert body["data"]["quoteOrder"]["quote"] is None
        [error] = body["data"]["quoteOrder"]["userErrors"]
        quoted.append((error["field"], error["code"]))
        order = {"input": variables["input"] | {"idempotencyKey": key()}}
        body = await gql("member", MEMBER_CREATE_ORDER, order, token=member.token)
        [error] = body["data"]["createOrder"]["userErrors"]
        made.append((error["field"], error["code"]))

    # then each names its field and code, the same as createOrder, and nothing is made
    assert quoted == made == [expected for _, expected in cases]
    assert await mongo.db[c.ORDERS].count_documents({}) == 0
