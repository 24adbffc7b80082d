"""The alerts (预警) in a real browser: fired alerts counted on the home screen's bell, listed newest first with
their figures, one tapped through to the day's report it names, then all marked read; and the owner tuning the
rules, with the API's refusal shown under the parameter it names. Photographed as alerts and alert-rules.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.alerts.rules import AlertKind
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from tests.admin_app.conftest import Phone
from tests.alerts.conftest import alerts_of, evaluate, switch_on
from tests.checkout.conftest import counter_sale, give, refund, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import make_staff
from tests.reports.conftest import count_events


async def test_owner_follows_an_alert_from_the_bell_to_its_day_and_marks_all_read(
    phone: Phone, shop: Shop, mongo: Mongo, gql: Gql, owner_token: str
) -> None:
    # given refunds watched above 20% of a day's takings, and today 300 yuan taken of which 120 refunded
    store = shop.merchant.store
    await switch_on(mongo, shop, AlertKind.REFUNDS_HIGH, percent=20, amount_fen=5_000)
    sale = await counter_sale(mongo, shop, store.id, 30_000)
    await refund(gql, owner_token, to_global_id("Order", sale), 12_000)
    # and the stored value owed watched above 50 yuan, with 100 yuan held by a member
    await give(mongo, shop, await shopper(mongo, shop, "老顾客"), stored=(10_000, 0))
    # (the reports having counted the sale, the refund and the top-up)
    await count_events(mongo)
    await switch_on(mongo, shop, AlertKind.STORED_VALUE_OWED, amount_fen=5_000)
    # and the cron has looked
    assert await evaluate(mongo) == 2

    # when the owner opens the app
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")

    # then the bell counts both, and opens them, unread, with their figures in words
    bell = phone.page.locator("[data-test=alerts-bell]")
    await expect(bell.locator(".van-badge")).to_have_text("2")
    await bell.click()
    alerts = phone.page.locator("[data-test=alert]")
    await expect(alerts).to_have_count(2)
    await expect(alerts.filter(has_text="退款偏高")).to_contain_text("退款 ¥120.00")
    await expect(alerts.filter(has_text="退款偏高")).to_contain_text("退款占比 40%")
    await expect(alerts.filter(has_text="储值负债")).to_contain_text("全商户")
    for i in range(2):
        await expect(alerts.nth(i)).to_have_attribute("data-read", "false")
    await phone.shot("alerts")

    # when they tap the refunds alert
    await alerts.filter(has_text="退款偏高").click()

    # then the store's report for today opens, its refunds as the alert said
    today = datetime.now(ZoneInfo(store.timezone)).date().isoformat()
    shown = phone.page.locator("[data-test=report-range]")
    await expect(shown).to_have_attribute("data-from", today)
    await expect(shown).to_have_attribute("data-to", today)
    await expect(phone.page.locator("[data-test=figure-refunds]")).to_have_text("¥120.00")
    await expect(phone.page.locator("[data-test=report-store]")).to_contain_text(store.name)

    # when they come back
    await phone.page.go_back()

    # then that alert reads as read, the other not
    await expect(alerts.filter(has_text="退款偏高")).to_have_attribute("data-read", "true")
    await expect(alerts.filter(has_text="储值负债")).to_have_attribute("data-read", "false")

    # when they mark all read
    await phone.page.locator("[data-test=mark-all-read]").click()

    # then every alert reads as read, here and for the API, and the bell has no count
    await expect(alerts.filter(has_text="储值负债")).to_have_attribute("data-read", "true")
    listed, unread = await alerts_of(gql, owner_token)
    assert [a["read"] for a in listed] == [True, True] and unread == 0
    await phone.page.go_back()
    await expect(bell).to_be_visible()
    await expect(bell.locator(".van-badge")).to_have_count(0)


async def test_owner_tunes_a_rule_and_sees_the_apis_refusal_under_its_field(
    phone: Phone, shop: Shop, mongo: Mongo
) -> None:
    # when the owner opens the rules and switches on high refunds with a share of 0% from 50 yuan
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/alerts")
    await phone.page.locator("[data-test=alert-rules]").click()
    await phone.page.locator("[data-test=switch-REFUNDS_HIGH]").click()
    percent = phone.page.locator("[data-test=field-REFUNDS_HIGH-percent]")
    await percent.locator("input").fill("0")
    await phone.page.locator("[data-test=field-REFUNDS_HIGH-amountFen] input").fill("50")
    await phone.page.locator("[data-test=save-rules]").click()

    # then the API's refusal shows under the share, and nothing is kept
    await expect(percent.locator(".van-field__error-message")).not_to_be_empty()
    await phone.shot("alert-rules")
    assert await mongo.db[c.ALERT_RULES].find_one({"_id": shop.merchant.merchant.id}) is None

    # when they make it 20%
    await percent.locator("input").fill("20")
    await phone.page.locator("[data-test=save-rules]").click()

    # then the rule is kept, the amount in fen
    await expect(phone.page.locator(".van-toast")).to_contain_text("已保存")
    doc = await mongo.db[c.ALERT_RULES].find_one({"_id": shop.merchant.merchant.id})
    assert doc is not None
    kept = doc["rules"]["REFUNDS_HIGH"]
    assert (kept["enabled"], kept["percent"], kept["amount_fen"]) == (True, 20, 5_000)


async def test_a_cashier_has_no_bell_and_no_way_into_the_alerts(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a cashier of the store
    await make_staff(mongo, pii, shop, Role.CASHIER, "13800000071", name="收银小李")

    # when they open the app, and then the alerts' address
    await phone.sign_in_as("13800000071", "staff-password-1")
    await phone.open("/")
    await expect(phone.page.locator("[data-test=today]")).to_be_visible()

    # then no bell, and the alerts send them home
    await expect(phone.page.locator("[data-test=alerts-bell]")).to_have_count(0)
    await phone.open("/alerts")
    await expect(phone.page).to_have_url(f"{phone.url}/admin/")
