"""Campaigns (营销活动) in a real browser: the owner makes one for a saved segment (seeing how many members it holds),
with a coupon and a message, schedules it, watches the worker's progress arrive, and reads the effect once some
members have paid, treatment against control in a chart. Photographed as campaign-new, campaign-progress and
campaign-effect.
"""

import json

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.cards.card import issue_card
from domain.events import OrderPaid
from domain.marketing import effect
from startup.clients import open_clients
from startup.settings import Settings
from tests.admin_app.conftest import Phone
from tests.campaigns.conftest import regulars, regulars_segment, send_all, stocked_template
from tests.checkout.conftest import counter_sale
from tests.conftest import Shop


async def test_owner_schedules_a_campaign_watches_it_send_and_reads_its_effect(
    phone: Phone, shop: Shop, mongo: Mongo, settings: Settings
) -> None:
    # given 40 regulars in a saved segment and an active 20-yuan coupon
    members = await regulars(mongo, shop, 40)
    await regulars_segment(mongo, shop)
    await stocked_template(mongo, shop, stock=100)

    # when the owner opens 营销活动 from the home screen and starts a new campaign
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.get_by_text("营销活动").click()
    await expect(phone.page.locator("[data-test=campaigns-empty]")).to_be_visible()
    await phone.page.locator("[data-test=new-campaign]").click()

    # and picks the segment, whose size is shown, the coupon and a message, sent now with a 10% control group
    await phone.page.locator("[data-test=campaign-name] input").fill("老客回店")
    await phone.page.locator("[data-test='segment-常客']").click()
    await expect(phone.page.locator("[data-test=segment-count]")).to_contain_text("40 人")
    await phone.page.locator("[data-test=campaign-with-coupon]").click()
    await phone.page.locator("[data-test='template-回店 20 元券']").click()
    await phone.page.locator("[data-test=campaign-title] input").fill("好久不见")
    await phone.page.locator("[data-test=campaign-body] textarea").fill("送您 20 元回店券")
    await expect(phone.page.locator("[data-test=campaign-control] input")).to_have_value("10")
    await phone.shot("campaign-new")
    await phone.page.locator("[data-test=save-campaign]").click()

    # then the draft opens; scheduling it makes it wait for the worker
    state = phone.page.locator("[data-test=campaign-state]")
    await expect(state).to_have_attribute("data-state", "DRAFT")
    await phone.page.locator("[data-test=schedule-campaign]").click()
    await expect(state).to_have_attribute("data-state", "SCHEDULED")
    await expect(phone.page.locator("[data-test=cancel-campaign]")).to_be_visible()

    # when the worker's campaigns job sends it
    async with open_clients(settings) as clients:
        await send_all(clients.outlets())

    # then the screen, asking again by itself, shows it sent, every member counted once
    await expect(state).to_have_attribute("data-state", "SENT", timeout=10_000)
    await expect(phone.page.locator("[data-test=progress-targeted] b")).to_have_text("40")
    done = await mongo.db[c.CAMPAIGNS].find_one({"merchant_id": shop.merchant.merchant.id})
    assert done is not None
    p = done["progress"]
    assert p["sent"] + p["control"] == 40 and p["coupons"] == p["sent"]
    await expect(phone.page.locator("[data-test=progress-sent] b")).to_have_text(str(p["sent"]))
    await expect(phone.page.locator("[data-test=cancel-campaign]")).to_have_count(0)
    await phone.shot("campaign-progress")

    # when three members who got it pay 88 yuan each (the effect handler counting their orders)
    sends = (
        await mongo.db[c.CAMPAIGN_SENDS]
        .find({"campaign_id": done["_id"], "merchant_id": done["merchant_id"]})
        .to_list()
    )
    paid = [s["member_id"] for s in sends if s["outcome"] == "SENT"][:3]
    assert set(paid) <= set(members)
    for member_id in paid:
        await issue_card(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=member_id)
        await counter_sale(mongo, shop, shop.merchant.store.id, 8_800, member_id=member_id)
    async for entry in mongo.db[c.OUTBOX].find({"kind": OrderPaid.KIND}).sort("_id", 1):
        await effect.on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry["payload"]))
    await phone.page.reload()

    # then the effect compares the groups: three paying members in the treatment group, revenue per member charted
    shown = phone.page.locator("[data-test=campaign-effect]")
    await expect(shown).to_contain_text("¥264.00")
    chart = phone.page.locator("[data-test=chart-effect]")
    figures = json.loads(await chart.get_attribute("data-figures") or "[]")
    assert figures == [{"label": "实验组", "value": round(26_400 / p["sent"])}, {"label": "对照组", "value": 0}]
    await shown.scroll_into_view_if_needed()
    await phone.shot("campaign-effect")
