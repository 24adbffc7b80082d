"""Making orders: at the counter with catalog items priced at the member's level, free amounts for walk-ins,
a member paying for a booking (once), closing an unpaid order, and a replayed key returning the first order.
"""

from typing import Any

from db import collections as c
from db.mongo import Mongo
from domain.cards.points import record_payment
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.booking.conftest import book_tomorrow, open_salon
from tests.checkout.conftest import ADMIN_CREATE_ORDER, MEMBER_CREATE_ORDER, cashier, key, scan_order, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import claimed_coupon, new_template, store_gid
from tests.orders.test_catalog import add_item

CLOSE_ORDER = """
mutation($input: CloseOrderInput!) { closeOrder(input: $input) { order { id status } userErrors { code } } }
"""


async def test_a_counter_order_prices_items_at_the_members_level(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a silver member (5% off) and two items
    member = await shopper(mongo, shop, "银卡会员")
    await record_payment(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        paid_fen=100_000,
        reference="earlier",
        idempotency_key=key(),
    )
    cut = (await add_item(gql, owner_token, name="洗剪吹", priceFen=3_800))["catalogItem"]
    shampoo = (await add_item(gql, owner_token, kind="PRODUCT", name="洗发水", priceFen=5_900))["catalogItem"]
    staff = await cashier(mongo, pii, shop)

    # when the cashier rings up two cuts and a shampoo for the member
    items = [{"itemId": cut["id"], "quantity": 2}, {"itemId": shampoo["id"]}]
    variables = {"input": {"storeId": store_gid(shop), "memberId": member.gid, "items": items, "idempotencyKey": key()}}
    body = await gql("admin", ADMIN_CREATE_ORDER, variables, token=staff.token)
    order = body["data"]["createOrder"]["order"]

    # then each line is priced, 5% comes off each (rounded in the member's favour), and it waits to be paid
    assert [(ln["name"], ln["unitPriceFen"], ln["quantity"]) for ln in order["lines"]] == [
        ("洗剪吹", 3_800, 2),
        ("洗发水", 5_900, 1),
    ]
    assert order["lines"][0]["itemId"] == cut["couponItemId"]
    assert order["price"] == {
        "listFen": 13_500,
        "levelDiscountFen": 380 + 295,
        "couponDiscountFen": 0,
        "payableFen": 13_500 - 675,
        "pointsUsed": 0,
        "pointsFen": 0,
        "dueFen": 13_500 - 675,
    }
    assert (order["status"], order["memberNickname"], order["storeName"]) == ("PENDING", "银卡会员0", "甲店一号店")


async def test_a_walk_in_pays_a_free_amount_without_coupons_or_points(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier
    staff = await cashier(mongo, pii, shop)

    # when they ring up 50 yuan for a walk-in, then the same with points, then items and an amount together
    def order(**extra: object) -> dict[str, object]:
        return {"input": {"storeId": store_gid(shop), "idempotencyKey": key(), **extra}}

    plain = await gql("admin", ADMIN_CREATE_ORDER, order(amountFen=5_000), token=staff.token)
    with_points = await gql("admin", ADMIN_CREATE_ORDER, order(amountFen=5_000, usePoints=True), token=staff.token)
    an_item = [{"itemId": to_global_id("CatalogItem", shop.merchant.store.id)}]
    both = await gql("admin", ADMIN_CREATE_ORDER, order(amountFen=5_000, items=an_item), token=staff.token)

    # then the plain one is made, points need a member, and an order is either items or an amount
    assert plain["data"]["createOrder"]["order"]["price"]["dueFen"] == 5_000
    assert [e["code"] for e in with_points["data"]["createOrder"]["userErrors"]] == ["MEMBER_REQUIRED"]
    assert [e["code"] for e in both["data"]["createOrder"]["userErrors"]] == ["ORDER_CONTENT_INVALID"]


async def test_a_replayed_create_key_returns_the_first_order(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member scanning the store's code to pay 20 yuan
    member = await shopper(mongo, shop)
    variables = {"input": {"storeId": store_gid(shop), "amountFen": 2_000, "idempotencyKey": key()}}

    # when the same request is sent three times
    ids = [
        (await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token))["data"]["createOrder"]["order"]["id"]
        for _ in range(3)
    ]

    # then it is one order
    assert len(set(ids)) == 1


async def test_a_member_pays_for_a_booking_with_one_order_at_a_time(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member booked for a 128 yuan cut tomorrow
    salon = await open_salon(mongo, pii, shop)
    member = await shopper(mongo, shop)
    booked = await book_tomorrow(mongo, salon, member.id)
    booking = {"bookingId": to_global_id("Booking", booked.id)}

    async def order_it() -> dict[str, Any]:
        variables = {"input": booking | {"idempotencyKey": key()}}
        body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)
        payload: dict[str, Any] = body["data"]["createOrder"]
        return payload

    # when they make an order for it, make another, close the first and make one again
    first = await order_it()
    second = await order_it()
    first_order = first["order"]
    closed = await gql("member", CLOSE_ORDER, {"input": {"orderId": first_order["id"]}}, token=member.token)
    third = await order_it()

    # then the first is priced at the service and made for the booking, the second refused while the first lives,
    # and after closing it a new one can be made
    assert (first_order["source"], first_order["lines"], first_order["price"]["dueFen"]) == (
        "BOOKING",
        [{"name": "精剪", "unitPriceFen": 12_800, "quantity": 1}],
        12_800,
    )
    assert [e["code"] for e in second["userErrors"]] == ["BOOKING_ALREADY_ORDERED"]
    assert closed["data"]["closeOrder"]["order"]["status"] == "CLOSED"
    assert third["userErrors"] == []


async def test_a_coupon_for_the_catalog_service_applies_to_its_booking(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a 9.9 yuan experience coupon (体验券) for the 精剪 the counter sells, held by a member who booked 精剪
    salon = await open_salon(mongo, pii, shop)
    member = await shopper(mongo, shop)
    item = str(salon.service.spec.item_id)
    template = await new_template(
        gql,
        owner_token,
        kind="EXPERIENCE",
        title="精剪体验价",
        valueFen=990,
        minimumSpendFen=0,
        itemId=item,
        itemName="精剪",
    )
    coupon = await claimed_coupon(gql, member, template)
    booked = await book_tomorrow(mongo, salon, member.id)

    # when they order the booking with the coupon
    variables = {
        "input": {"bookingId": to_global_id("Booking", booked.id), "couponId": coupon, "idempotencyKey": key()}
    }
    body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)

    # then the booked cut is the catalog's 精剪, so the coupon prices it at 9.9 yuan
    payload = body["data"]["createOrder"]
    assert payload["userErrors"] == []
    assert (payload["order"]["price"]["listFen"], payload["order"]["price"]["dueFen"]) == (12_800, 990)


async def test_a_scan_order_for_another_merchants_store_is_refused(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member of one merchant and a store id that is not this merchant's
    member = await shopper(mongo, shop)

    # when they try to pay at it
    variables = {"input": {"storeId": to_global_id("Store", member.id), "amountFen": 100, "idempotencyKey": key()}}
    body = await gql("member", MEMBER_CREATE_ORDER, variables, token=member.token)

    # then no such store
    assert [e["code"] for e in body["data"]["createOrder"]["userErrors"]] == ["STORE_NOT_FOUND"]
    assert await scan_order(gql, member, store_gid(shop), 100)


async def test_bad_order_contents_each_have_their_code_and_make_nothing(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a cashier, a catalog item and a member paying by scan
    staff = await cashier(mongo, pii, shop)
    cut = (await add_item(gql, owner_token, name="洗剪吹", priceFen=3_800))["catalogItem"]["id"]
    member = await shopper(mongo, shop)
    store = store_gid(shop)

    def at_counter(**fields: Any) -> dict[str, Any]:
        return {"input": {"storeId": store, "idempotencyKey": key(), **fields}}

    cases: list[tuple[str, str, dict[str, Any], tuple[str, str]]] = [
        ("admin", ADMIN_CREATE_ORDER, at_counter(amountFen=0), ("amountFen", "ORDER_AMOUNT_INVALID")),
        ("admin", ADMIN_CREATE_ORDER, at_counter(amountFen=-100), ("amountFen", "ORDER_AMOUNT_INVALID")),
        ("admin", ADMIN_CREATE_ORDER, at_counter(amountFen=100_000_001), ("amountFen", "ORDER_AMOUNT_INVALID")),
        ("admin", ADMIN_CREATE_ORDER, at_counter(), ("items", "ORDER_CONTENT_INVALID")),
        (
            "admin",
            ADMIN_CREATE_ORDER,
            at_counter(items=[{"itemId": cut, "quantity": 0}]),
            ("items", "ORDER_CONTENT_INVALID"),
        ),
        (
            "admin",
            ADMIN_CREATE_ORDER,
            at_counter(items=[{"itemId": cut, "quantity": 1_000}]),
            ("items", "ORDER_CONTENT_INVALID"),
        ),
        (
            "admin",
            ADMIN_CREATE_ORDER,
            at_counter(items=[{"itemId": cut}] * 51),
            ("items", "ORDER_CONTENT_INVALID"),
        ),
        ("admin", ADMIN_CREATE_ORDER, at_counter(amountFen=100, note="备" * 201), ("note", "NOTE_TOO_LONG")),
        ("member", MEMBER_CREATE_ORDER, at_counter(amountFen=0), ("amountFen", "ORDER_AMOUNT_INVALID")),
    ]

    # when each is sent
    refused = []
    for door, document, variables, _ in cases:
        body = await gql(door, document, variables, token=staff.token if door == "admin" else member.token)
        refused.append(tuple(body["data"]["createOrder"]["userErrors"][0][k] for k in ("field", "code")))

    # then each is refused with the field and code it concerns, and no order was made
    assert refused == [expected for _, _, _, expected in cases]
    assert await mongo.db[c.ORDERS].count_documents({}) == 0
