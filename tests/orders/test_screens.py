"""The order screens cost a fixed number of Mongo commands however many orders, payments and refunds they
show: the admin order list, the admin order detail, the bill's live price and the member's own list and detail.
"""

from datetime import UTC, datetime

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal
from tests.checkout.conftest import cashier, give, key, refund, scan_order, shopper, staff_pay
from tests.checkout.test_counter import counter_order
from tests.conftest import Gql, Shop, count_commands
from tests.coupons.conftest import SIGNER, Colleague, Customer, claimed_coupon, new_template, store_gid
from tests.orders.test_catalog import add_item
from tests.orders.test_quotes import QUOTE_ORDER

ADMIN_LIST = """
query($store: ID) {
  orders(storeId: $store, first: 50) {
    edges { node { id status storeName memberNickname paidMethod refundedFen flags { code }
                   lines { name quantity } price { dueFen } createdAt paidAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ADMIN_DETAIL = """
query($id: ID!) {
  order(id: $id) {
    order { id status storeName memberNickname lines { name } price { listFen dueFen } flags { code detail } }
    payments { id method status amountFen paidAt }
    refunds { id amountFen status pointsTakenBack }
  }
}
"""
MEMBER_LIST = """
query { myOrders(first: 50) { edges { node { id status storeName price { dueFen } lines { name } } } } }
"""
MEMBER_DETAIL = """
query($id: ID!) { order(id: $id) { order { id status storeName } payments { method status } refunds { amountFen } } }
"""


async def _orders(gql: Gql, staff: Colleague, shop: Shop, member: Customer, n: int) -> list[str]:
    """`n` member orders paid in cash, each with one refund (by a manager)."""
    ids = []
    for _ in range(n):
        order_gid = await counter_order(gql, staff, shop, 1_000, member.gid)
        await staff_pay(gql, staff, order_gid, "CASH")
        await refund(gql, _manager_token(shop), order_gid, 100)
        ids.append(order_gid)
    return ids


def _manager_token(shop: Shop) -> str:
    """The owner's token, minted (no argon2 sign-in per refund)."""
    owner = shop.merchant.owner
    return SIGNER.sign(Principal(Audience.ADMIN, owner.id, owner.merchant_id), datetime.now(UTC))[0]


async def _cost(mongo: Mongo, gql: Gql, door: str, query: str, variables: dict[str, object], token: str) -> list[str]:
    with count_commands(mongo) as commands:
        body = await gql(door, query, variables, token=token)
    assert "errors" not in body, body
    return list(commands)


async def test_the_admin_order_list_costs_the_same_for_one_order_or_many(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given one paid and refunded order, then eight more by other members
    staff = await cashier(mongo, pii, shop)
    await _orders(gql, staff, shop, await shopper(mongo, shop), 1)
    one = await _cost(mongo, gql, "admin", ADMIN_LIST, {"store": store_gid(shop)}, staff.token)
    for i in range(4):
        await _orders(gql, staff, shop, await shopper(mongo, shop, f"顾客{i}"), 2)

    # when the list is read again
    many = await _cost(mongo, gql, "admin", ADMIN_LIST, {"store": store_gid(shop)}, staff.token)

    # then it is the same commands: the staff member, the store asked for, the orders, their stores and members
    assert many == one
    assert many.count("find") == 5


async def test_the_order_detail_costs_a_fixed_number_of_commands(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given an order with a payment and three refunds
    staff = await cashier(mongo, pii, shop)
    member = await shopper(mongo, shop)
    [order_gid] = await _orders(gql, staff, shop, member, 1)
    for _ in range(2):
        await refund(gql, _manager_token(shop), order_gid, 100)

    # when staff and the member open it
    admin = await _cost(mongo, gql, "admin", ADMIN_DETAIL, {"id": order_gid}, staff.token)
    mine = await _cost(mongo, gql, "member", MEMBER_DETAIL, {"id": order_gid}, member.token)

    # then staff: who they are, the order, its store, member, payments and refunds; the member: order, store,
    # payments and refunds
    assert (admin.count("find"), mine.count("find")) == (6, 4)


async def test_the_members_order_list_costs_the_same_for_one_order_or_many(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member with one order, then ten
    member = await shopper(mongo, shop)
    await scan_order(gql, member, store_gid(shop), 100)
    one = await _cost(mongo, gql, "member", MEMBER_LIST, {}, member.token)
    for _ in range(9):
        await scan_order(gql, member, store_gid(shop), 100 + len(key()))

    # when the list is read again
    many = await _cost(mongo, gql, "member", MEMBER_LIST, {}, member.token)

    # then the same: the orders and their stores
    assert many == one
    assert many.count("find") == 2


async def test_the_bills_live_price_costs_the_same_for_one_item_or_many(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a member with points and a coupon, and five catalog items
    staff = await cashier(mongo, pii, shop)
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=500)
    coupon = await claimed_coupon(gql, member, await new_template(gql, owner_token))
    items = [(await add_item(gql, owner_token, name=f"项目{i}", priceFen=6_000))["catalogItem"]["id"] for i in range(5)]

    def cart(n: int) -> dict[str, object]:
        lines = [{"itemId": item, "quantity": 2} for item in items[:n]]
        return {
            "input": {
                "storeId": store_gid(shop),
                "memberId": member.gid,
                "items": lines,
                "couponId": coupon,
                "usePoints": True,
            }
        }

    # when the bill is priced with one item, then with five
    one = await _cost(mongo, gql, "admin", QUOTE_ORDER, cart(1), staff.token)
    five = await _cost(mongo, gql, "admin", QUOTE_ORDER, cart(5), staff.token)

    # then the same reads: the staff member, the store, the member, the items, the card, the loyalty program, the
    # coupon and its template; nothing is written
    assert five == one == ["find"] * 8
