"""The reports dashboard (经营报表) in a real browser: a week of trade at two stores, read by the owner as figures
and charts that say exactly what the API answers for the same store and range, then another store and another
range once picked, and a day without a sale that says so; the range's reconciliation downloaded from it; and its
营销效果 and 预约 sections as the API answers them. Photographed as reports-week, reports-week-charts,
reports-week-members, reports-quiet, reports-bookings, reports-marketing and reports-marketing-more.
"""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain import catalog, tenancy
from domain.checkout import pay
from domain.checkout.providers import Providers
from domain.checkout.refunds import refund_order
from domain.coupons.funnel import Step
from domain.orders import create, draft
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.admin_app.conftest import Phone
from tests.admin_app.test_home import yuan
from tests.checkout.conftest import give, shopper
from tests.conftest import Gql, Shop
from tests.reports.conftest import BALANCES, REPORT, count_events, paid_at, refund_settled_at
from tests.reports.test_booking_report import given_a_salon_day
from tests.reports.test_marketing import given_the_campaigns, steps, template

# The sections' and the export's documents as the app sends them (src/reports/*.vue), priced by the cost test.
MARKETING_SECTION = """
query($from: Date!, $to: Date!) {
  marketingReport(from: $from, to: $to) {
    marketing {
      coupons { template { id title } issued forwarded claimed redeemed revenueFen }
      programs { program { id name } accruedFen paidFen }
      shareholders(first: 5) { shareholder { memberId programId nickname } networkRevenueFen commissionFen }
    }
    userErrors { field code message }
  }
}
"""

BOOKING_SECTION = """
query($storeId: ID!, $from: Date!, $to: Date!) {
  bookingReport(storeId: $storeId, from: $from, to: $to) {
    bookings {
      bookings noShows noShowRatePercent
      staff { staffMember { id name } bookedMinutes scheduledMinutes utilizationPercent }
    }
    userErrors { field code message }
  }
}
"""

EXPORT_RECONCILIATION = """
mutation($storeId: ID, $from: Date!, $to: Date!) {
  exportReconciliation(storeId: $storeId, from: $from, to: $to) {
    url expiresAt
    userErrors { field code message }
  }
}
"""

UTF8_BOM = b"\xef\xbb\xbf"

METHOD_NAMES = {
    "WECHAT_PAY": "微信支付",
    "ALIPAY": "支付宝",
    "STORED_VALUE_PAID": "储值（本金）",
    "STORED_VALUE_BONUS": "储值（赠送）",
    "CASH": "现金",
}


async def item_sale(
    mongo: Mongo,
    shop: Shop,
    store_id: ObjectId,
    lines: list[tuple[catalog.CatalogItem, int]],
    moment: datetime,
    method: str = "CASH",
    member_id: ObjectId | None = None,
) -> ObjectId:
    """Catalog items rung up at the counter, paid at `moment` by `method`. A WeChat Pay or Alipay sale is paid in
    cash and then marked paid by that provider (the reports read the method off the paid order; the provider's
    own round trip is the checkout tests' business)."""
    owner = shop.merchant.owner
    made = await create.create_counter_order(
        mongo=mongo,
        actor=owner,
        store_id=store_id,
        member_id=member_id,
        items=[create.CartItem(item.id, quantity) for item, quantity in lines],
        amount_fen=None,
        discounts=draft.Discounts(),
        note="",
        idempotency_key=uuid.uuid4().hex,
    )
    paying = PayMethod.STORED_VALUE if method == "STORED_VALUE" else PayMethod.CASH
    await pay.pay_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        payer=pay.Payer(owner.merchant_id, staff=owner),
        order_id=made.order.id,
        method=paying,
        idempotency_key=uuid.uuid4().hex,
    )
    await paid_at(mongo, made.order.id, moment)
    if method in ("WECHAT_PAY", "ALIPAY"):
        await mongo.db[c.ORDERS].update_one({"_id": made.order.id}, {"$set": {"paid.method": method}})
    return made.order.id


async def given_a_week(mongo: Mongo, shop: Shop) -> tuple[tenancy.Store, date]:
    """Today, yesterday and three days ago at the shop's store and at 二号店, in four tenders, with a partial
    refund today of yesterday's cash sale; counted by the report handlers as the worker would."""
    store = shop.merchant.store
    zone = ZoneInfo(store.timezone)
    today = datetime.now(zone).date()
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone=store.timezone)
    owner = shop.merchant.owner

    async def item(name: str, fen: int) -> catalog.CatalogItem:
        spec = catalog.ItemSpec(catalog.ItemKind.SERVICE, name, fen, True, ())
        return await catalog.create_item(mongo=mongo, actor=owner, spec=spec)

    def at(days_ago: int, hour: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=zone).astimezone(UTC)

    cut, colour, care = await item("洗剪吹", 3_800), await item("染发", 26_800), await item("头皮护理", 9_900)
    member = await shopper(mongo, shop, "老顾客")
    await give(mongo, shop, member, stored=(20_000, 5_000))
    now = datetime.now(UTC)
    # today at the store: two cuts and a colour by WeChat Pay, a care from stored value
    await item_sale(mongo, shop, store.id, [(cut, 2), (colour, 1)], now, "WECHAT_PAY")
    await item_sale(mongo, shop, store.id, [(care, 1)], now, "STORED_VALUE", member.id)
    # yesterday: a care and a cut in cash at the store (50 yuan of it refunded today), a colour by Alipay at 二号店
    cash = await item_sale(mongo, shop, store.id, [(care, 1), (cut, 1)], at(1, 11))
    await item_sale(mongo, shop, second.id, [(colour, 1)], at(1, 15), "ALIPAY")
    # three days ago: three cuts in cash at 二号店
    await item_sale(mongo, shop, second.id, [(cut, 3)], at(3, 10))
    await refund_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        actor=owner,
        order_id=cash,
        amount_fen=5_000,
        reason="顾客不满意",
        idempotency_key=uuid.uuid4().hex,
    )
    await refund_settled_at(mongo, cash, now)
    await count_events(mongo)
    return second, today


async def api_report(gql: Gql, token: str, store: str | None, start: date, end: date) -> dict[str, Any]:
    variables = {"store": store, "from": start.isoformat(), "to": end.isoformat()}
    body = await gql("admin", REPORT, variables, token=token)
    assert "errors" not in body and body["data"]["report"]["userErrors"] == [], body
    report: dict[str, Any] = body["data"]["report"]["report"]
    return report


def as_drawn(figures: list[dict[str, Any]]) -> str:
    """What the chart's container carries: its figures as the app's JSON.stringify writes them."""
    return json.dumps(figures, ensure_ascii=False, separators=(",", ":"))


async def expect_the_api_figures(phone: Phone, report: dict[str, Any], all_stores: bool) -> None:
    page = phone.page
    takings = report["takings"]
    await expect(page.locator("[data-test=figure-net]")).to_have_text(yuan(takings["netFen"]))
    await expect(page.locator("[data-test=figure-refunds]")).to_have_text(yuan(takings["refundsFen"]))
    await expect(page.locator("[data-test=figure-orders]")).to_have_text(str(takings["orders"]))
    await expect(page.locator("[data-test=figure-average]")).to_have_text(yuan(takings["averageTicketFen"]))
    trend = [{"label": p["start"][5:], "value": p["netFen"]} for p in report["trend"]]
    if len(trend) > 1:
        await expect(page.locator("[data-test=chart-trend]")).to_have_attribute("data-figures", as_drawn(trend))
    methods = [{"label": METHOD_NAMES[m["method"]], "value": m["netFen"]} for m in report["byPaymentMethod"]]
    await expect(page.locator("[data-test=chart-methods]")).to_have_attribute("data-figures", as_drawn(methods))
    stores = page.locator("[data-test=chart-stores]")
    if all_stores:
        drawn = [{"label": s["store"]["name"], "value": s["takings"]["netFen"]} for s in report["byStore"]]
        await expect(stores).to_have_attribute("data-figures", as_drawn(drawn))
    else:
        await expect(stores).to_have_count(0)
    items = page.locator("[data-test=top-item]")
    await expect(items).to_have_count(min(len(report["topItems"]), 10))
    for i, item in enumerate(report["topItems"]):
        await expect(items.nth(i)).to_contain_text(item["name"])
        await expect(items.nth(i)).to_contain_text(yuan(item["netFen"]))


async def test_owner_reads_a_weeks_charts_as_the_api_answers_them_then_another_store_and_day(
    phone: Phone, shop: Shop, mongo: Mongo, gql: Gql, owner_token: str
) -> None:
    # given a week of trade at two stores (see given_a_week)
    second, today = await given_a_week(mongo, shop)
    week = (today - timedelta(days=6), today)

    # when the owner opens the reports from the home screen
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.get_by_text("经营报表").click()

    # then the last 7 days at every store read as the API answers them, figures and every chart
    shown = phone.page.locator("[data-test=report-range]")
    await expect(shown).to_have_attribute("data-from", week[0].isoformat())
    await expect(shown).to_have_attribute("data-to", week[1].isoformat())
    report = await api_report(gql, owner_token, None, *week)
    assert (report["takings"]["grossFen"], report["takings"]["refundsFen"]) == (96_200, 5_000)
    await expect_the_api_figures(phone, report, all_stores=True)
    owed = (await gql("admin", BALANCES, token=owner_token))["data"]["balanceReport"]["balances"]
    await expect(phone.page.locator("[data-test=balances]")).to_contain_text(yuan(owed["storedValuePaidFen"]))
    await expect(phone.page.locator("[data-test=chart-trend] canvas")).to_have_count(1)
    await phone.shot("reports-week")
    await phone.page.locator("[data-test=top-item]").last.scroll_into_view_if_needed()
    await phone.shot("reports-week-charts")
    await phone.page.locator("[data-test=balances]").scroll_into_view_if_needed()
    await phone.shot("reports-week-members")

    # when they pick 二号店
    await phone.page.locator("[data-test=report-store]").click()
    await phone.page.get_by_role("button", name="二号店").click()

    # then that store's week, without the store comparison
    store_gid = to_global_id("Store", second.id)
    await expect_the_api_figures(phone, await api_report(gql, owner_token, store_gid, *week), all_stores=False)

    # when they pick yesterday
    await phone.page.locator("[data-test=preset-yesterday]").click()

    # then its one day, the Alipay colour
    yesterday = today - timedelta(days=1)
    await expect(shown).to_have_attribute("data-from", yesterday.isoformat())
    one_day = await api_report(gql, owner_token, store_gid, yesterday, yesterday)
    assert one_day["takings"]["netFen"] == 26_800
    await expect_the_api_figures(phone, one_day, all_stores=False)

    # when they pick today, when 二号店 has sold nothing
    await phone.page.locator("[data-test=preset-today]").click()

    # then the day reads as quiet, not as broken
    await expect(phone.page.locator("[data-test=report-quiet]")).to_contain_text("这段时间还没有营业额")
    await expect(phone.page.locator("[data-test=figure-net]")).to_have_text("¥0.00")
    await phone.shot("reports-quiet")


def percent(value: float) -> str:
    """A percentage as the app shows the API's figure: 25.0 as 25%, 16.7 as 16.7%."""
    return f"{value:g}%"


def on_screen(store: str | None, first: date, last: date) -> str:
    address = f"/reports?from={first.isoformat()}&to={last.isoformat()}"
    return f"{address}&storeId={store}" if store else address


async def test_owner_downloads_the_reconciliation_of_the_store_and_day_on_screen(
    phone: Phone, shop: Shop, mongo: Mongo, gql: Gql, owner_token: str
) -> None:
    # given a week of trade at two stores; 二号店 sold a colour yesterday and three cuts three days ago
    second, today = await given_a_week(mongo, shop)
    yesterday = today - timedelta(days=1)
    sold = {o["price"]["due_fen"]: o["_id"] async for o in mongo.db[c.ORDERS].find({"store_id": second.id})}
    elsewhere = [o["_id"] async for o in mongo.db[c.ORDERS].find({"store_id": shop.merchant.store.id})]

    # when the owner, on 二号店's yesterday, taps 对账单
    store_gid = to_global_id("Store", second.id)
    await phone.sign_in_as(shop.owner_phone)
    await phone.open(on_screen(store_gid, yesterday, yesterday))
    await expect(phone.page.locator("[data-test=figure-net]")).to_have_text(yuan(26_800))
    async with phone.page.expect_download() as downloading:
        await phone.page.locator("[data-test=export-reconciliation]").click()
    download = await downloading.value

    # then the phone saves a CSV Excel opens (UTF-8 with its BOM) of that store's day: yesterday's colour, not the
    # cuts three days ago nor anything the other store sold
    assert download.suggested_filename.endswith(".csv")
    data = await asyncio.to_thread(Path.read_bytes, await download.path())
    assert data.startswith(UTF8_BOM)
    text = data.decode("utf-8-sig")
    assert str(sold[26_800]) in text and "支付宝" in text
    assert str(sold[11_400]) not in text
    assert not [order for order in elsewhere if str(order) in text]

    # when they ask for more than a year
    too_long = (today - timedelta(days=400), today)
    refused = await gql(
        "admin",
        EXPORT_RECONCILIATION,
        {"storeId": None, "from": too_long[0].isoformat(), "to": too_long[1].isoformat()},
        token=owner_token,
    )
    [error] = refused["data"]["exportReconciliation"]["userErrors"]
    await phone.open(on_screen(None, *too_long))
    await phone.page.locator("[data-test=export-reconciliation]").click()

    # then the API's refusal is what the app says
    await expect(phone.page.locator(".van-toast")).to_contain_text(error["message"])


async def moved_back(mongo: Mongo, store_id: ObjectId, days: int) -> None:
    """The store's bookings and rota exceptions moved `days` earlier: member booking takes only future slots, and
    the dashboard's ranges end today."""
    back = timedelta(days=days)
    async for b in mongo.db[c.BOOKINGS].find({"store_id": store_id}):
        await mongo.db[c.BOOKINGS].update_one(
            {"_id": b["_id"]}, {"$set": {"start": b["start"] - back, "end": b["end"] - back}}
        )
    async for e in mongo.db[c.SCHEDULE_EXCEPTIONS].find({"store_id": store_id}):
        day = (date.fromisoformat(e["day"]) - back).isoformat()
        await mongo.db[c.SCHEDULE_EXCEPTIONS].update_one({"_id": e["_id"]}, {"$set": {"day": day}})


async def test_owner_reads_the_stores_bookings_and_what_the_marketing_did_as_the_api_answers_them(
    phone: Phone, shop: Shop, mongo: Mongo, gql: Gql, pii: PiiCipher, owner_token: str
) -> None:
    # given six templates sent this week (see given_the_campaigns, and four 会员日券), a program whose shareholder's
    # friends spent, and the salon's day (see given_a_salon_day) two days ago
    await given_the_campaigns(gql, mongo, shop)
    now = datetime.now(UTC)
    for i in range(4):
        await steps(
            mongo, await template(mongo, shop, f"会员日券{i + 1}"), now, (Step.ISSUED, 6 - i), (Step.REDEEMED, 1)
        )
    await given_a_salon_day(mongo, pii, shop)
    await moved_back(mongo, shop.merchant.store.id, days=2)
    today = datetime.now(ZoneInfo(shop.merchant.store.timezone)).date()
    week = (today - timedelta(days=6), today)
    store_gid = to_global_id("Store", shop.merchant.store.id)
    variables = {"storeId": store_gid, "from": week[0].isoformat(), "to": week[1].isoformat()}

    # when the owner opens the store's last 7 days and scrolls to 预约
    await phone.sign_in_as(shop.owner_phone)
    await phone.open(on_screen(store_gid, *week))
    await expect(phone.page.locator("[data-test=report]")).to_be_visible()
    bookings = phone.page.locator("[data-test=bookings]")
    await bookings.scroll_into_view_if_needed()

    # then its bookings, no-shows and each one's booked against scheduled minutes are the API's
    asked = await gql("admin", BOOKING_SECTION, variables, token=owner_token)
    booked = asked["data"]["bookingReport"]["bookings"]
    assert (booked["bookings"], booked["noShows"]) == (4, 1)
    await expect(bookings.locator("[data-test=figure-bookings]")).to_have_text(str(booked["bookings"]))
    await expect(bookings.locator("[data-test=figure-no-shows]")).to_have_text(str(booked["noShows"]))
    await expect(bookings.locator("[data-test=figure-no-show-rate]")).to_have_text(percent(booked["noShowRatePercent"]))
    rows = bookings.locator("[data-test=utilization]")
    await expect(rows).to_have_count(len(booked["staff"]))
    for i, s in enumerate(booked["staff"]):
        await expect(rows.nth(i)).to_have_attribute("data-staff", s["staffMember"]["name"])
        await expect(rows.nth(i)).to_have_attribute("data-booked", str(s["bookedMinutes"]))
        await expect(rows.nth(i)).to_have_attribute("data-scheduled", str(s["scheduledMinutes"]))
        await expect(rows.nth(i).locator("[data-test=utilization-percent]")).to_have_text(
            percent(s["utilizationPercent"])
        )
    await phone.shot("reports-bookings")

    # when they scroll on to 营销效果
    marketing = phone.page.locator("[data-test=marketing]")
    await marketing.scroll_into_view_if_needed()

    # then the first five templates' funnels are the API's, in its order, the sixth behind 更多
    asked = await gql("admin", MARKETING_SECTION, {"from": variables["from"], "to": variables["to"]}, token=owner_token)
    report = asked["data"]["marketingReport"]["marketing"]
    assert len(report["coupons"]) == 6
    funnels = marketing.locator("[data-test=coupon-funnel]")
    await expect(funnels).to_have_count(5)
    await expect(marketing.locator("[data-test=coupons-more]")).to_contain_text("1")
    await phone.shot("reports-marketing")
    await marketing.locator("[data-test=coupons-more]").click()
    await expect(funnels).to_have_count(6)
    for i, coupon in enumerate(report["coupons"]):
        row = funnels.nth(i)
        await expect(row).to_have_attribute("data-template", coupon["template"]["title"])
        for step in ("issued", "forwarded", "claimed", "redeemed"):
            await expect(row.locator(f"[data-test=coupon-{step}]")).to_have_text(str(coupon[step]))
        await expect(row.locator("[data-test=coupon-revenue]")).to_have_text(yuan(coupon["revenueFen"]))

    # and each program's commissions and the shareholders' network revenue are the API's
    programs = marketing.locator("[data-test=program]")
    await expect(programs).to_have_count(len(report["programs"]))
    for i, program in enumerate(report["programs"]):
        await expect(programs.nth(i).locator("[data-test=program-accrued]")).to_have_text(yuan(program["accruedFen"]))
        await expect(programs.nth(i).locator("[data-test=program-paid]")).to_have_text(yuan(program["paidFen"]))
    holders = marketing.locator("[data-test=shareholder]")
    await expect(holders).to_have_count(len(report["shareholders"]))
    for i, holder in enumerate(report["shareholders"]):
        await expect(holders.nth(i)).to_contain_text(holder["shareholder"]["nickname"])
        revenue = holders.nth(i).locator("[data-test=shareholder-revenue]")
        await expect(revenue).to_have_text(yuan(holder["networkRevenueFen"]))
    assert report["shareholders"][0]["networkRevenueFen"] == 30_000
    await holders.last.scroll_into_view_if_needed()
    await phone.shot("reports-marketing-more")
