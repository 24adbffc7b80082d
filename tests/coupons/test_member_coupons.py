"""A member's coupons as staff see them (the coupon tab of the member's card, the bill's coupon picker): any
staff role reads the wallet by status, newest first, in a fixed number of commands; another merchant's member
is nobody.
"""

from bson import ObjectId

from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from tests.conftest import Gql, Shop, count_commands, open_shop
from tests.coupons.conftest import claimed_coupon, make_member, make_staff, new_template, store_gid

MEMBER_COUPONS_SCREEN = """
query($id: ID!, $status: CouponStatus, $first: Int, $after: String) {
  memberCoupons(memberId: $id, status: $status, first: $first, after: $after) {
    edges { node { id status validTo template { title benefit { kind valueFen minimumSpendFen } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CODE = "query($id: ID!) { coupon(id: $id) { redeemCode { code } } }"

REDEEM = """
mutation($input: RedeemCouponInput!) {
  redeemCoupon(input: $input) { userErrors { code } }
}
"""


async def test_a_cashier_sees_the_members_usable_coupons_and_the_redeemed_ones_apart(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member holding two coupons, one of them redeemed at the counter
    member = await make_member(mongo, shop, "guest")
    first = await claimed_coupon(gql, member, await new_template(gql, owner_token, title="满100减20"))
    second = await claimed_coupon(gql, member, await new_template(gql, owner_token, title="满200减50"))
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000021")
    code = (await gql("member", CODE, {"id": first}, token=member.token))["data"]["coupon"]["redeemCode"]["code"]
    redeem = {"code": code, "storeId": store_gid(shop), "idempotencyKey": str(ObjectId())}
    assert (await gql("admin", REDEEM, {"input": redeem}, token=cashier.token))["data"]["redeemCoupon"][
        "userErrors"
    ] == []

    # when the cashier opens the member's coupons, usable and redeemed
    usable = await gql("admin", MEMBER_COUPONS_SCREEN, {"id": member.gid}, token=cashier.token)
    used = await gql("admin", MEMBER_COUPONS_SCREEN, {"id": member.gid, "status": "REDEEMED"}, token=cashier.token)

    # then each list holds its own coupon with what it is worth
    [active] = usable["data"]["memberCoupons"]["edges"]
    assert active["node"]["id"] == second and active["node"]["status"] == "ACTIVE"
    assert active["node"]["template"]["title"] == "满200减50"
    [redeemed] = used["data"]["memberCoupons"]["edges"]
    assert redeemed["node"]["id"] == first and redeemed["node"]["status"] == "REDEEMED"


async def test_the_member_coupons_screen_costs_four_commands_however_many_coupons(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member holding one coupon and another holding twelve of four templates
    few, many = await make_member(mongo, shop, "few"), await make_member(mongo, shop, "many")
    await claimed_coupon(gql, few, await new_template(gql, owner_token, title="券"))
    for i in range(4):
        template = await new_template(gql, owner_token, title=f"券{i}", perMemberLimit=3)
        for _ in range(3):
            await claimed_coupon(gql, many, template)

    # when staff page through each member's coupons
    with count_commands(mongo) as for_few:
        await gql("admin", MEMBER_COUPONS_SCREEN, {"id": few.gid}, token=owner_token)
    with count_commands(mongo) as for_many:
        page = await gql("admin", MEMBER_COUPONS_SCREEN, {"id": many.gid, "first": 10}, token=owner_token)
    cursor = page["data"]["memberCoupons"]["pageInfo"]["endCursor"]
    rest = await gql("admin", MEMBER_COUPONS_SCREEN, {"id": many.gid, "after": cursor}, token=owner_token)

    # then both cost staff, member, coupons and their templates, and the pages cover all twelve newest first
    assert sorted(for_few) == sorted(for_many) == ["find"] * 4
    edges = page["data"]["memberCoupons"]["edges"] + rest["data"]["memberCoupons"]["edges"]
    assert len({e["node"]["id"] for e in edges}) == 12
    assert edges[0]["node"]["template"]["title"] == "券3" and edges[-1]["node"]["template"]["title"] == "券0"
    assert rest["data"]["memberCoupons"]["pageInfo"]["hasNextPage"] is False


async def test_another_merchants_member_has_no_coupons_to_show(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member of another merchant holding a coupon there
    other = await open_shop(mongo, pii, "13900000003", name="乙店")
    other_owner = await make_staff(mongo, pii, other, tenancy.Role.MANAGER, "13700000022")
    stranger = await make_member(mongo, other, "stranger")
    await claimed_coupon(gql, stranger, await new_template(gql, other_owner.token, title="乙店券"))

    # when this shop's owner asks for their coupons
    body = await gql("admin", MEMBER_COUPONS_SCREEN, {"id": stranger.gid}, token=owner_token)

    # then the member is nobody here
    assert "errors" not in body and body["data"]["memberCoupons"] is None
