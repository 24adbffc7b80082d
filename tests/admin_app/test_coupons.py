"""The coupons screens: an owner's templates and one campaign's funnel (sent → forwarded → claimed → redeemed →
revenue), making a template, moving it through its states and granting a pack, and a cashier who sees only the
packs they hold."""

from typing import Any

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.admin_app.conftest import Phone
from tests.checkout.conftest import give, member_pay, scan_order, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import claimed_coupon, make_member, make_staff, new_template, oid, store_gid
from tests.coupons.test_funnel import GRANT, MEMBER_SHARE, _redeem, _take

STAFF_PASSWORD = "staff-password-1"


async def grant(gql: Gql, owner_token: str, template: str, size: int, holder: dict[str, str]) -> str:
    variables = {"input": {"templateId": template, "size": size, "idempotencyKey": str(holder), **holder}}
    body = await gql("admin", GRANT, variables, token=owner_token)
    return str(body["data"]["grantPack"]["pack"]["id"])


async def a_campaign(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop) -> str:
    """开业体验卡: a shareholder's pack of 10, three friends take one each, one is redeemed, and another friend
    spends ¥128.00 from her stored value since."""
    template = await new_template(gql, owner_token, title="开业体验卡", valueFen=3000, minimumSpendFen=0)
    shareholder = await make_member(mongo, shop, "股东")
    pack = await grant(gql, owner_token, template, 10, {"memberId": shareholder.gid})
    shared = await gql("member", MEMBER_SHARE, {"id": pack}, token=shareholder.token)
    token = shared["data"]["sharePack"]["share"]["token"]
    friends = [await shopper(mongo, shop, f"好友{i}") for i in range(3)]
    taken = [await _take(gql, friend, token) for friend in friends]
    await _redeem(gql, owner_token, shop, friends[0], taken[0])
    await give(mongo, shop, friends[1], stored=(50_000, 0))
    order = await scan_order(gql, friends[1], store_gid(shop), 12_800)
    paid = await member_pay(gql, friends[1], order["id"], "STORED_VALUE")
    assert paid["userErrors"] == [] and paid["order"]["status"] == "PAID", paid
    return template


async def template_doc(mongo: Mongo, **query: Any) -> dict[str, Any]:
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one(query)
    assert doc is not None, query
    return doc


async def test_owner_sees_the_templates_and_a_campaigns_funnel(
    phone: Phone, shop: Shop, gql: Gql, owner_token: str, mongo: Mongo
) -> None:
    # given a running campaign and a draft
    campaign = await a_campaign(gql, owner_token, mongo, shop)
    await new_template(gql, owner_token, activate=False, title="满100减20")

    # when the owner opens the coupons screen
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/coupons")

    # then both templates are listed, newest first, with what they give and their state
    rows = phone.page.locator("[data-test=template-row]")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("满100减20")
    await expect(rows.nth(0)).to_contain_text("草稿")
    await expect(rows.nth(1)).to_contain_text("开业体验卡")
    await expect(rows.nth(1)).to_contain_text("进行中")
    await expect(rows.nth(1)).to_contain_text("已发 10 / 不限量")
    await phone.shot("coupons")

    # when they open the campaign
    await rows.nth(1).click()

    # then its funnel reads 10 sent, 3 forwarded, 3 claimed, 1 redeemed, ¥128.00 of revenue, all the shareholder's
    funnel = phone.page.locator("[data-test=funnel]")
    for step, count in (("issued", 10), ("forwarded", 3), ("claimed", 3), ("redeemed", 1)):
        await expect(funnel.locator(f"[data-test=step-{step}]")).to_have_text(str(count))
    await expect(funnel.locator("[data-test=revenue]")).to_have_text("¥128.00")
    await expect(phone.page.get_by_text("股东0")).to_be_visible()
    await phone.shot("coupon-funnel")
    # and the database holds those coupons: three taken from the pack, one used
    coupons = await mongo.db[c.COUPONS].find({"template_id": oid("CouponTemplate", campaign)}).to_list()
    assert sorted(doc["status"] for doc in coupons) == ["ACTIVE", "ACTIVE", "REDEEMED"]


async def test_owner_makes_a_template_activates_it_and_grants_a_pack_to_a_technician(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a technician, and the owner on the coupons screen
    technician = await make_staff(mongo, pii, shop, tenancy.Role.TECHNICIAN, "13700000041", name="技师阿强")
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/coupons")
    page = phone.page

    # when they make 满50减10, valid 7 days, 200 of them, and a value that is no amount at first
    await page.get_by_text("新建", exact=True).click()
    await page.get_by_label("名称").fill("满50减10")
    await page.get_by_label("面额（元）").fill("1.234")
    await page.get_by_label("门槛（元）").fill("50")
    await page.get_by_label("天数").fill("7")
    await page.get_by_label("发放总量").fill("200")
    await page.get_by_role("button", name="创建为草稿").click()

    # then the value is refused under its field, and nothing was made
    await expect(page.get_by_text("请输入金额，如 20 或 19.90")).to_be_visible()
    assert await mongo.db[c.COUPON_TEMPLATES].count_documents({}) == 0

    # when they correct it
    await page.get_by_label("面额（元）").fill("10")
    await page.get_by_role("button", name="创建为草稿").click()

    # then the new draft opens, and the database holds it in fen
    await expect(page.locator("[data-test=status]")).to_have_text("草稿")
    made = await template_doc(mongo, title="满50减10")
    assert made["status"] == "DRAFT" and made["stock"] == 200 and made["validity"]["days"] == 7
    assert made["benefit"]["value_fen"] == 1000 and made["benefit"]["minimum_spend_fen"] == 5000

    # when they activate it, confirming
    await page.get_by_role("button", name="启用").click()
    await page.locator(".van-dialog").get_by_role("button", name="启用").click()

    # then it is active
    await expect(page.locator("[data-test=status]")).to_have_text("进行中")
    assert (await template_doc(mongo, _id=made["_id"]))["status"] == "ACTIVE"

    # when they grant the technician a pack of 5, confirming
    await page.get_by_role("button", name="发积客包").click()
    await page.get_by_role("tab", name="员工", exact=True).click()
    await page.get_by_text("技师阿强").click()
    await page.locator(".van-stepper input").fill("5")
    await page.locator("[data-test=grant]").click()
    await expect(page.locator(".van-dialog")).to_contain_text("发 5 张「满50减10」给 技师阿强？")
    await page.locator(".van-dialog").get_by_role("button", name="确定").click()

    # then five are out of the stock, in the technician's pack
    await expect(page.locator("[data-test=issued]")).to_have_text("5 / 200")
    pack = await mongo.db[c.COUPON_PACKS].find_one({"template_id": made["_id"]})
    assert pack is not None and pack["size"] == 5 and pack["holder"]["staff_id"] == technician.staff.id

    # when they pause it, confirming
    await page.get_by_role("button", name="暂停").click()
    await page.locator(".van-dialog").get_by_role("button", name="暂停").click()

    # then it is paused
    await expect(page.locator("[data-test=status]")).to_have_text("已暂停")
    assert (await template_doc(mongo, _id=made["_id"]))["status"] == "PAUSED"


async def test_a_cashier_sees_only_the_packs_they_hold(
    phone: Phone, shop: Shop, gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a cashier holding a pack of 5 of 满100减20
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000042", name="收银小王")
    template = await new_template(gql, owner_token, title="满100减20")
    await grant(gql, owner_token, template, 5, {"staffMemberId": to_global_id("StaffMember", cashier.staff.id)})

    # when they open the coupons screen
    await phone.sign_in_as("13700000042", STAFF_PASSWORD)
    await phone.open("/coupons")

    # then they see their pack, and no templates or way to make one
    await expect(phone.page.get_by_text("满 ¥100.00 减 ¥20.00 · 剩余 5 / 5")).to_be_visible()
    await expect(phone.page.get_by_role("tab", name="券模板")).to_have_count(0)
    await expect(phone.page.get_by_text("新建", exact=True)).to_have_count(0)

    # when they open a template's page by its address
    await phone.open(f"/coupons/{template}")

    # then they are sent home, and the template is as it was
    await expect(phone.page.get_by_role("button", name="扫码")).to_be_visible()
    assert (await template_doc(mongo, _id=oid("CouponTemplate", template)))["issued"] == 5


async def test_a_claim_page_coupon_shows_in_the_funnel_as_nobodys(
    phone: Phone, shop: Shop, gql: Gql, owner_token: str, mongo: Mongo
) -> None:
    # given a walk-in who claimed 满100减20 on the claim page
    template = await new_template(gql, owner_token, title="满100减20")
    await claimed_coupon(gql, await make_member(mongo, shop, "散客"), template)

    # when the owner opens the template
    await phone.sign_in_as(shop.owner_phone)
    await phone.open(f"/coupons/{template}")

    # then the funnel counts one sent and claimed, under 无人分享
    funnel = phone.page.locator("[data-test=funnel]")
    await expect(funnel.locator("[data-test=step-claimed]")).to_have_text("1")
    await expect(phone.page.get_by_text("无人分享")).to_be_visible()
    assert await mongo.db[c.COUPONS].count_documents({"template_id": oid("CouponTemplate", template)}) == 1
