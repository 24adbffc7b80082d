"""Revenue joins the coupon funnel: what members who claimed through each group paid afterwards, net of refunds,
read from paid orders.
"""

from db.mongo import Mongo
from domain.coupons import forwarding
from tests.checkout.conftest import give, member_pay, refund, scan_order, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import claimed_coupon, new_template, oid, store_gid

FUNNEL = """
query($id: ID!, $groupBy: CouponFunnelGroupBy!) {
  couponFunnel(templateId: $id, groupBy: $groupBy) {
    funnel { rows { name claimed revenueFen } total { claimed revenueFen } }
  }
}
"""


async def test_revenue_of_paid_orders_is_counted_for_the_group_each_member_claimed_through(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given a member who claimed a coupon and forwarded it to a friend, who accepted it
    template = await new_template(gql, owner_token)
    sharer = await shopper(mongo, shop, "分享人")
    friend = await shopper(mongo, shop, "朋友")
    coupon = await claimed_coupon(gql, sharer, template)
    merchant_id = shop.merchant.merchant.id
    share = await forwarding.forward_coupon(
        mongo=mongo, merchant_id=merchant_id, member_id=sharer.id, coupon_id=oid("Coupon", coupon)
    )
    await forwarding.accept_coupon(mongo=mongo, merchant_id=merchant_id, member_id=friend.id, token=share.link.token)

    # when the friend pays 100 yuan and gets 10 back, the sharer pays 30 yuan, and an unpaid order waits
    for who, amount in ((friend, 10_000), (sharer, 3_000)):
        await give(mongo, shop, who, stored=(amount, 0))
        order = await scan_order(gql, who, store_gid(shop), amount)
        await member_pay(gql, who, order["id"], "STORED_VALUE")
        if who is friend:
            await refund(gql, owner_token, order["id"], 1_000)
    await scan_order(gql, friend, store_gid(shop), 5_000)
    by_sharer = await gql("admin", FUNNEL, {"id": template, "groupBy": "SHARER"}, token=owner_token)
    overall = await gql("admin", FUNNEL, {"id": template, "groupBy": "NONE"}, token=owner_token)

    # then the friend's 90 yuan count for the sharer's row, the sharer's own 30 for nobody's, 120 in all
    rows = {r["name"]: r["revenueFen"] for r in by_sharer["data"]["couponFunnel"]["funnel"]["rows"]}
    assert rows == {"分享人0": 9_000, None: 3_000}
    assert overall["data"]["couponFunnel"]["funnel"]["total"] == {"claimed": 2, "revenueFen": 12_000}
