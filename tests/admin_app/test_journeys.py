"""自动化关怀 in a real browser: the owner opens it from Home and reads what win-back earned (each group's
figures and the uplift with its interval), then switches thank-you on, is told before sending that the days are
out of range and the coupon missing, picks the coupon from the active templates and saves. Photographed as
journeys (the effect) and journey-rules (after saving).
"""

import json
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.journeys.conftest import won_back
from tests.workers.conftest import coupon_template


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def test_owner_reads_win_backs_effect_and_switches_thank_you_on_with_a_coupon(
    phone: Phone, shop: Shop, mongo: Mongo, clients: Clients
) -> None:
    # given win-back ran for two members and held back two, one of each paid in their window (100 and 30 yuan)
    await won_back(mongo, shop, clients)
    template = await coupon_template(mongo, shop, title="感谢光临券")

    # when the owner opens 自动化关怀 from Home
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.get_by_text("自动化关怀").click()

    # then win-back shows each group's figures and the uplift with its interval
    figures = phone.page.locator("[data-test=effect-WIN_BACK]")
    await expect(figures.locator("tbody tr").nth(4)).to_have_text("到店消费1 (50%)1 (50%)")
    await expect(figures.locator("tbody tr").nth(5)).to_have_text("消费金额¥100.00¥30.00")
    await expect(figures.locator("[data-test=uplift-revenue]")).to_contain_text("人均消费提升 +¥35.00")
    # and charts revenue per member, 100 yuan over two treated against 30 over two held back
    chart = figures.locator("[data-test=chart-WIN_BACK]")
    await expect(chart.locator("canvas")).to_have_count(1)
    shown = json.loads(await chart.get_attribute("data-figures") or "[]")
    assert shown == [{"label": "关怀组", "value": 5_000}, {"label": "对照组", "value": 1_500}]
    await phone.shot("journeys")

    # when they switch thank-you on after 91 days, with no coupon, and save
    await phone.page.locator("[data-test=switch-THANK_YOU]").click()
    days = phone.page.locator("[data-test=days-THANK_YOU]")
    await days.locator("input").fill("91")
    await phone.page.locator("[data-test=save-journeys]").click()

    # then the screen says, before sending, that the days are out of range and the coupon is missing
    await expect(days.locator(".van-field__error-message")).to_have_text("天数超出范围")
    await expect(phone.page.locator("[data-test=template-THANK_YOU] .van-field__error-message")).to_have_text(
        "请选择要发的券"
    )

    # when they make it 3 days and pick the coupon (the only active template besides win-back's)
    await days.locator("input").fill("3")
    await phone.page.locator("[data-test=template-THANK_YOU]").click()
    picker = phone.page.locator("[data-test=template-picker]")
    await picker.get_by_text("感谢光临券").click()
    await picker.locator(".van-picker__confirm").click()
    await expect(phone.page.locator("[data-test=template-THANK_YOU] input")).to_have_value("感谢光临券")
    await phone.page.locator("[data-test=save-journeys]").click()

    # then the rule is kept with its coupon and the default 10% control group
    await expect(phone.page.locator(".van-toast")).to_contain_text("已保存")
    await phone.shot("journey-rules")
    doc = await mongo.db[c.JOURNEY_RULES].find_one({"_id": shop.merchant.merchant.id})
    assert doc is not None
    kept = doc["rules"]["THANK_YOU"]
    assert (kept["enabled"], kept["days"], kept["template_id"], kept["control_percent"]) == (True, 3, template.id, 10)
