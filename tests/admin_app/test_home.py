"""The home screen (工作台) in a real browser: the current store's day (takings, orders, new members, bookings to
come) as the database has it, the to-do counters that open their lists, another store's day once picked; and the
owner's failed jobs, retried from their list.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from bson import ObjectId
from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.jobs import dead_letters
from domain.orders.model import PayMethod
from domain.outbox import entry_from_doc
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.checkout.conftest import counter_sale, give, shopper
from tests.conftest import Shop
from tests.coupons.conftest import make_staff
from tests.workers.conftest import event

MONEY = ("CASH", "WECHAT_PAY", "ALIPAY")
BUG = "KeyError: 'beneficiary_id'\n  File \"workers/events.py\", line 88, in handle_event"


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


async def pull_down(phone: Phone) -> None:
    """A finger dragging the page down from near its top (touch events: the phone has no mouse)."""
    cdp = await phone.context.new_cdp_session(phone.page)
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": 195, "y": 150}]})
    for y in range(170, 450, 20):
        await cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": 195, "y": y}]})
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def start_of_today(zone: str) -> datetime:
    local = datetime.now(ZoneInfo(zone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)


async def takings_and_orders(mongo: Mongo, store_id: ObjectId, since: datetime) -> tuple[int, int]:
    """What the store took today, as its paid orders in the database add up: money in, not stored value."""
    orders = await mongo.db[c.ORDERS].find({"store_id": store_id, "paid_at": {"$gte": since}}).to_list()
    return sum(o["price"]["due_fen"] for o in orders if o["paid"]["method"] in MONEY), len(orders)


async def bury(mongo: Mongo, shop: Shop, kind: str) -> ObjectId:
    """An event whose handling failed for good, as the worker buries one."""
    entry_id = await event(mongo, shop, kind)
    entry = await mongo.db[c.OUTBOX].find_one({"_id": entry_id})
    assert entry is not None
    await dead_letters.bury(mongo=mongo, entry=entry_from_doc(entry), error=BUG, now=datetime.now(UTC))
    return entry_id


@pytest.mark.dead_letters  # one is made on purpose, for the owner's counter
async def test_owner_sees_todays_takings_orders_and_counters_and_another_stores_day(
    phone: Phone, shop: Shop, mongo: Mongo
) -> None:
    # given at the first store today two cash sales and one paid from a member's stored value
    store = shop.merchant.store
    member = await shopper(mongo, shop, "老顾客")
    await give(mongo, shop, member, stored=(10_000, 0))
    await counter_sale(mongo, shop, store.id, 12_800, PayMethod.CASH)
    await counter_sale(mongo, shop, store.id, 5_650, PayMethod.CASH)
    await counter_sale(mongo, shop, store.id, 3_000, PayMethod.STORED_VALUE, member.id)
    # and a cash sale at a second store, and a job that failed for good
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone=store.timezone)
    await counter_sale(mongo, shop, second.id, 20_000, PayMethod.CASH)
    await bury(mongo, shop, "COMMISSION_ACCRUED")
    since = start_of_today(store.timezone)
    takings, orders = await takings_and_orders(mongo, store.id, since)
    joined = await mongo.db[c.MEMBERS].count_documents({"_id": {"$gte": ObjectId.from_datetime(since)}})

    # when the owner opens the app
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")

    # then the first store's day shows what the database holds: money in (not the stored-value sale), orders
    today = phone.page.locator("[data-test=today]")
    await expect(today.locator("[data-test=takings]")).to_have_text(yuan(takings))
    assert takings == 12_800 + 5_650
    await expect(today.locator("[data-test=paid-orders]")).to_have_text(str(orders))
    await expect(today.locator("[data-test=new-members]")).to_have_text(str(joined))
    await expect(today.locator("[data-test=upcoming-bookings]")).to_have_text("0")
    # and the to-do counters, the failed job counted for the owner
    await expect(phone.page.locator("[data-test=to-do-dead] .van-badge")).to_have_text("1")
    await expect(phone.page.locator("[data-test=to-do-refunds]")).to_contain_text("退款中")
    await expect(phone.page.locator("[data-test=to-do-arrivals]")).to_contain_text("待到店")
    await phone.shot("home")

    # when they pick the second store
    await phone.page.locator("[data-test=store-picker]").click()
    await phone.page.get_by_role("button", name="二号店").click()

    # then its day is shown
    other_takings, other_orders = await takings_and_orders(mongo, second.id, since)
    await expect(today.locator("[data-test=takings]")).to_have_text(yuan(other_takings))
    await expect(today.locator("[data-test=paid-orders]")).to_have_text(str(other_orders))
    assert (other_takings, other_orders) == (20_000, 1)


async def test_pulling_down_shows_a_sale_made_meanwhile(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given the owner's home showing a quiet day
    store = shop.merchant.store
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    takings = phone.page.locator("[data-test=takings]")
    await expect(takings).to_have_text("¥0.00")

    # when a sale is made at the counter and the owner pulls the screen down with a finger
    await counter_sale(mongo, shop, store.id, 9_900, PayMethod.CASH)
    await pull_down(phone)

    # then the new takings show
    now_taken, _ = await takings_and_orders(mongo, store.id, start_of_today(store.timezone))
    await expect(takings).to_have_text(yuan(now_taken))
    assert now_taken == 9_900


async def test_a_technician_sees_the_day_but_no_refund_or_failed_job_counters(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a technician of the store
    await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13800000081", name="技师小王")

    # when they open the app
    await phone.sign_in_as("13800000081", "staff-password-1")
    await phone.open("/")

    # then the day shows, and of the to-dos only their arrivals: no refunds (not theirs), no failed jobs (owner's)
    await expect(phone.page.locator("[data-test=takings]")).to_have_text("¥0.00")
    await expect(phone.page.locator("[data-test=to-do-arrivals]")).to_be_visible()
    await expect(phone.page.locator("[data-test=to-do-refunds]")).to_have_count(0)
    await expect(phone.page.locator("[data-test=to-do-dead]")).to_have_count(0)


@pytest.mark.dead_letters  # made on purpose, to be retried
async def test_owner_retries_a_failed_job_from_the_home_counter(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given two jobs that failed for good
    retried = await bury(mongo, shop, "COMMISSION_ACCRUED")
    await bury(mongo, shop, "POINTS_CHANGED")

    # when the owner taps the failed-jobs counter on the home screen
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.locator("[data-test=to-do-dead]").click()

    # then the list shows each with what it was and why it stopped, newest first
    letters = phone.page.locator("[data-test=dead-letter]")
    await expect(letters).to_have_count(2)
    await expect(letters.nth(1)).to_contain_text("分红到账通知")
    await expect(letters.nth(1)).to_contain_text("KeyError: 'beneficiary_id'")
    await phone.shot("dead-letters")

    # when they retry the commission notice, confirming
    await letters.nth(1).get_by_role("button", name="重试").click()
    await expect(phone.page.locator(".van-dialog")).to_contain_text("分红到账通知")
    await phone.page.get_by_role("button", name="确认").click()

    # then it leaves the list, and the event is back in the outbox for the worker
    await expect(letters).to_have_count(1)
    await expect(letters).to_contain_text("积分变动通知")
    letter = await mongo.db[c.DEAD_LETTERS].find_one({"_id": retried})
    entry = await mongo.db[c.OUTBOX].find_one({"_id": retried})
    assert letter is not None and letter["status"] == "RETRIED"
    assert entry is not None and (entry["status"], entry["attempts"]) == ("PENDING", 0)
