"""The staff app's coupon screens cost a fixed number of Mongo commands however much they show: the template
list, one template with its funnel, the packs a staff member holds, and a scanned coupon's preview. The documents
are the app's own (mobile_admin/src/coupons, src/scan)."""

from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import Gql, Shop, count_commands, count_commands_on
from tests.coupons.conftest import claimed_coupon, make_member, make_members, make_staff, new_template, store_gid
from tests.coupons.test_funnel import GRANT, MEMBER_SHARE, _redeem, _take
from tests.coupons.test_redemption import _code

BENEFIT = "benefit { kind valueFen percentOffBp capFen minimumSpendFen itemName }"
TEMPLATE_LIST = f"""
query CouponsTemplateList($first: Int, $after: String) {{
  couponTemplates(first: $first, after: $after) {{
    edges {{ node {{ id title status issued stock {BENEFIT} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
STEPS = "issued forwarded claimed redeemed revenueFen newMembers"
TEMPLATE_SCREEN = f"""
query CouponsTemplateScreen($id: ID!, $groupBy: CouponFunnelGroupBy!) {{
  couponTemplate(id: $id) {{
    id title terms status issued stock remaining perMemberLimit transferable allStores {BENEFIT}
    validity {{ startsAt endsAt days }}
    stores {{ id name }}
  }}
  couponFunnel(templateId: $id, groupBy: $groupBy) {{
    funnel {{ total {{ {STEPS} }} rows {{ sharerMemberId staffMemberId name {STEPS} }} }}
    userErrors {{ field code message }}
  }}
}}
"""
MY_PACKS = f"""
query CouponsMyPacks($first: Int, $after: String) {{
  myCouponPacks(first: $first, after: $after) {{
    edges {{ node {{ id size remaining template {{ id title {BENEFIT} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
SCAN_PREVIEW = f"""
query ScanCouponByCode($storeId: ID!, $code: String!) {{
  couponByCode(storeId: $storeId, code: $code) {{
    preview {{
      coupon {{ id status validTo template {{ id title terms {BENEFIT} }} }}
      memberName
      redemption {{ at storeId storeName staffName }}
      refusal {{ field code message }}
    }}
    userErrors {{ field code message }}
  }}
}}
"""


async def _campaign(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, friends: int) -> str:
    """A template whose shareholder's pack `friends` friends took from, the first of whom used theirs."""
    template = await new_template(gql, owner_token, title="开业体验卡")
    shareholder = await make_member(mongo, shop, "股东")
    variables = {"input": {"templateId": template, "size": 20, "idempotencyKey": template, "memberId": shareholder.gid}}
    pack = (await gql("admin", GRANT, variables, token=owner_token))["data"]["grantPack"]["pack"]["id"]
    shared = await gql("member", MEMBER_SHARE, {"id": pack}, token=shareholder.token)
    token = shared["data"]["sharePack"]["share"]["token"]
    takers = await make_members(mongo, shop, friends, "友")
    taken = [await _take(gql, taker, token) for taker in takers]
    await _redeem(gql, owner_token, shop, takers[0], taken[0])
    return template


async def test_the_template_list_costs_the_same_for_two_templates_or_twelve(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given two templates
    for i in range(2):
        await new_template(gql, owner_token, title=f"早{i}")
    with count_commands(mongo) as for_two:
        two = await gql("admin", TEMPLATE_LIST, {"first": 20}, token=owner_token)

    # when ten more are made and the list is opened again
    for i in range(10):
        await new_template(gql, owner_token, title=f"晚{i}")
    with count_commands(mongo) as for_twelve:
        twelve = await gql("admin", TEMPLATE_LIST, {"first": 20}, token=owner_token)

    # then the page grew, the commands did not: the viewer and one page of templates
    assert len(two["data"]["couponTemplates"]["edges"]) == 2
    assert len(twelve["data"]["couponTemplates"]["edges"]) == 12
    assert for_two == for_twelve == ["find"] * 2


async def test_a_template_with_its_funnel_costs_the_same_for_a_small_campaign_or_a_bigger_one(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a campaign two friends took part in, and one eight friends did
    small = await _campaign(gql, owner_token, mongo, shop, 2)
    big = await _campaign(gql, owner_token, mongo, shop, 8)

    # when the owner opens each, grouped by sharer
    counts = []
    for template in (small, big):
        with count_commands_on(mongo) as commands:
            body = await gql("admin", TEMPLATE_SCREEN, {"id": template, "groupBy": "SHARER"}, token=owner_token)
        assert "errors" not in body, body
        counts.append(sorted(commands))

    # then both cost the same ten commands, whatever the numbers they show: each of the two fields reads the viewer
    # and the template; the funnel its events, the claim page's coupons, the claimers' coupons and orders, the
    # sharers' names and the members they bound
    assert body["data"]["couponFunnel"]["funnel"]["total"]["claimed"] == 8
    assert (
        counts[0]
        == counts[1]
        == [
            ("aggregate", "coupon_events"),
            ("aggregate", "referral_bindings"),
            ("find", "coupon_templates"),
            ("find", "coupon_templates"),
            ("find", "coupons"),
            ("find", "coupons"),
            ("find", "members"),
            ("find", "orders"),
            ("find", "staff"),
            ("find", "staff"),
        ]
    ), counts


async def test_the_packs_a_staff_member_holds_cost_the_same_for_one_pack_or_six(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier holding one pack
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000061")
    holder = to_global_id("StaffMember", cashier.staff.id)

    async def pack_of(title: str) -> None:
        template = await new_template(gql, owner_token, title=title)
        variables = {"input": {"templateId": template, "size": 3, "idempotencyKey": title, "staffMemberId": holder}}
        assert (await gql("admin", GRANT, variables, token=owner_token))["data"]["grantPack"]["userErrors"] == []

    await pack_of("包0")
    with count_commands(mongo) as for_one:
        one = await gql("admin", MY_PACKS, {"first": 20}, token=cashier.token)

    # when five more are granted, each of another template
    for i in range(1, 6):
        await pack_of(f"包{i}")
    with count_commands(mongo) as for_six:
        six = await gql("admin", MY_PACKS, {"first": 20}, token=cashier.token)

    # then: the viewer, the packs, their templates
    assert len(one["data"]["myCouponPacks"]["edges"]) == 1 and len(six["data"]["myCouponPacks"]["edges"]) == 6
    assert for_one == for_six == ["find"] * 3


async def test_the_scan_screens_preview_costs_a_fixed_number_of_commands(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member's coupon shown at the counter
    template = await new_template(gql, owner_token, title="满100减20")
    member = await make_member(mongo, shop, "alice")
    code = await _code(gql, member, await claimed_coupon(gql, member, template))

    # when the scan screen previews it
    with count_commands(mongo) as commands:
        body = await gql("admin", SCAN_PREVIEW, {"storeId": store_gid(shop), "code": code}, token=owner_token)

    # then: the viewer, the store, the coupon, its template and its member
    assert body["data"]["couponByCode"]["preview"]["refusal"] is None
    assert commands == ["find"] * 5, commands
