"""The owner's 访问记录 in a real browser: a manager's look at members' full phones, a balance adjustment and an
account closed on the member's request, listed newest first and filtered to closings. Photographed as access-log.
"""

import uuid

from playwright.async_api import expect

from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.conftest import Gql, Shop, staff_token
from tests.coupons.conftest import make_staff
from tests.referrals.conftest import bind_phone, make_members

SEARCH = "query { members(first: 50) { edges { node { id card { phone } } } } }"
ADJUST = """
mutation($input: AdjustBalanceInput!) { adjustBalance(input: $input) { ledgerEntry { amount } userErrors { code } } }
"""
CLOSE_MEMBER_ACCOUNT = """
mutation($input: CloseMemberAccountInput!) { closeMemberAccount(input: $input) { closedAt userErrors { code } } }
"""


async def test_the_owner_sees_who_looked_adjusted_and_closed_and_filters_to_closings(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher, gql: Gql
) -> None:
    # given two members with phones; a manager who listed them (phones in full) and added points to one;
    # and the owner who closed the other's account on their written request
    merchant_id = shop.merchant.merchant.id
    [wang, li] = await make_members(mongo, merchant_id, 2, "顾客")
    for member, number in ((wang, "13812340001"), (li, "13812340002")):
        await bind_phone(mongo, pii, shop, member.id, number)
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000002")
    await gql("admin", SEARCH, token=manager.token)
    adjust = {"memberId": wang.gid, "account": "POINTS", "amount": 50, "reason": "补录积分"}
    await gql("admin", ADJUST, {"input": adjust | {"idempotencyKey": uuid.uuid4().hex}}, token=manager.token)
    close = {"memberId": li.gid, "reason": "会员书面申请", "requestRef": "SQ-2026-07"}
    await gql("admin", CLOSE_MEMBER_ACCOUNT, {"input": close}, token=await staff_token(gql, shop.owner_phone))

    # when the owner opens 访问记录 from 我的
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/mine")
    await phone.page.locator("[data-test=access-log]").click()

    # then every act is listed, newest first: the closing (the member shown as 已注销), the adjustment, two phones
    entries = phone.page.locator("[data-test=access-entry]")
    await expect(entries).to_have_count(4)
    await expect(entries.nth(0)).to_have_attribute("data-action", "ACCOUNT_CLOSED")
    await expect(entries.nth(0)).to_contain_text("已注销")
    await expect(entries.nth(0)).to_contain_text("SQ-2026-07")
    await expect(entries.nth(1)).to_contain_text("调整余额")
    await expect(entries.nth(1)).to_contain_text("补录积分")
    await expect(entries.filter(has_text="查看完整手机号")).to_have_count(2)
    await phone.shot("access-log")

    # when they filter to account closings
    await phone.page.locator(".van-dropdown-menu__item").first.click()
    await phone.page.locator(".van-dropdown-item__option", has_text="注销账户").click()

    # then only the closing is left
    await expect(entries).to_have_count(1)
    await expect(entries.first).to_have_attribute("data-action", "ACCOUNT_CLOSED")
