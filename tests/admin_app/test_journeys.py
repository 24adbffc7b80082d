"""自动化关怀 in a real browser: the owner opens it from Home, switches win-back on with its days and a coupon
picked from the active templates, is told when a number is out of range, and saves; each journey shows what it
earned. Photographed as journeys.
"""

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.workers.conftest import coupon_template


async def test_owner_switches_win_back_on_with_a_coupon_and_reads_each_journeys_effect(
    phone: Phone, shop: Shop, mongo: Mongo
) -> None:
    # given an active coupon template
    template = await coupon_template(mongo, shop, title="好久不见券")

    # when the owner opens 自动化关怀 from Home and switches win-back on after 6 days
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.get_by_text("自动化关怀").click()
    await phone.page.locator("[data-test=switch-WIN_BACK]").click()
    days = phone.page.locator("[data-test=days-WIN_BACK]")
    await days.locator("input").fill("6")
    await phone.page.locator("[data-test=save-journeys]").click()

    # then the screen says, before sending, that the days are out of range and the coupon is missing
    await expect(days.locator(".van-field__error-message")).to_have_text("天数超出范围")
    await expect(phone.page.locator("[data-test=template-WIN_BACK] .van-field__error-message")).to_have_text(
        "请选择要发的券"
    )

    # when they make it 60 days and pick the coupon
    await days.locator("input").fill("60")
    await phone.page.locator("[data-test=template-WIN_BACK]").click()
    await phone.page.locator("[data-test=template-picker] .van-picker__confirm").click()
    await expect(phone.page.locator("[data-test=template-WIN_BACK] input")).to_have_value("好久不见券")
    await phone.page.locator("[data-test=save-journeys]").click()

    # then the rule is kept with its coupon and the default 10% control group
    await expect(phone.page.locator(".van-toast")).to_contain_text("已保存")
    await phone.shot("journeys")
    doc = await mongo.db[c.JOURNEY_RULES].find_one({"_id": shop.merchant.merchant.id})
    assert doc is not None
    kept = doc["rules"]["WIN_BACK"]
    assert (kept["enabled"], kept["days"], kept["template_id"], kept["control_percent"]) == (True, 60, template.id, 10)
