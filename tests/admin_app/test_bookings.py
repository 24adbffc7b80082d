"""The day board (预约) in the staff app: a technician sees their own day first, checks a member in and completes
the visit with a count card or as a visit order; a manager reschedules a booking to a free slot and cancels one
with a reason; the desk books for a member found by phone. Each test checks the screen and the database.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from playwright.async_api import Locator, expect

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking import bookings, catalog, lifecycle, schedules
from domain.cards.count_cards import grant_count_card
from domain.cards.ledger import SYSTEM
from domain.orders.bookings import complete_visit
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.booking.conftest import every_day, key, service_item
from tests.checkout.conftest import shopper
from tests.conftest import Shop
from tests.coupons.conftest import Colleague, Customer, make_staff

STAFF_PASSWORD = "staff-password-1"


@dataclass(frozen=True)
class Salon:
    """The shop's store open 09:00-21:00 every day, two technicians working all of it and a 精剪 both do."""

    shop: Shop
    xiaomei: Colleague
    ajie: Colleague
    service: catalog.Service

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.shop.merchant.store.timezone)

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def at(self, day: date, clock: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=self.zone).astimezone(UTC)


async def open_salon(mongo: Mongo, pii: PiiCipher, shop: Shop) -> Salon:
    owner, store = shop.merchant.owner, shop.merchant.store
    await schedules.set_store_hours(mongo=mongo, actor=owner, store_id=store.id, hours=every_day())
    team = [
        await make_staff(mongo, pii, shop, Role.TECHNICIAN, phone, store_ids=[store.id], name=name)
        for phone, name in [("13700000011", "小美"), ("13700000012", "阿杰")]
    ]
    for colleague in team:
        await schedules.set_staff_schedule(
            mongo=mongo, actor=owner, store_id=store.id, staff_id=colleague.staff.id, weekly=every_day()
        )
    spec = catalog.ServiceSpec(
        await service_item(mongo, owner, "精剪", 12_800), 60, 15, 0, tuple(m.staff.id for m in team), None
    )
    service = await catalog.create_service(mongo=mongo, actor=owner, store_id=store.id, spec=spec)
    return Salon(shop, team[0], team[1], service)


async def guest(mongo: Mongo, pii: PiiCipher, shop: Shop, nickname: str, phone: str) -> Customer:
    """A member with a card and their phone on it, as the mini-program's profile step leaves them."""
    member = await shopper(mongo, shop)
    await mongo.db[c.MEMBERS].update_one({"_id": member.id}, {"$set": {"nickname": nickname}})
    await mongo.db[c.CARDS].update_one(
        {"member_id": member.id}, {"$set": {"phone_enc": pii.encrypt(phone), "phone_hash": pii.lookup_hash(phone)}}
    )
    return member


async def booked(mongo: Mongo, salon: Salon, member: Customer, staff: Colleague, day: date, clock: str) -> ObjectId:
    """The member's booking with `staff`, made as if early this morning (so a slot already past today is fine)."""
    made = await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.shop.merchant.merchant.id,
        member_id=member.id,
        store_id=salon.shop.merchant.store.id,
        service_id=salon.service.id,
        staff_id=staff.staff.id,
        start=salon.at(day, clock),
        note="",
        idempotency_key=key(),
        now=salon.at(salon.today(), "00:00"),
    )
    return made.booking.id


async def booking_doc(mongo: Mongo, booking_id: ObjectId) -> Doc:
    doc = await mongo.db[c.BOOKINGS].find_one({"_id": booking_id})
    assert doc is not None
    return doc


def block(phone: Phone, text: str) -> Locator:
    return phone.page.get_by_role("listitem").filter(has_text=text)


def sheet(phone: Phone) -> Locator:
    return phone.page.locator("[data-test=booking-sheet]")


def dialog(phone: Phone) -> Locator:
    """The confirmation or question open now (the sheets and toasts are dialogs too, to assistive tech)."""
    return phone.page.locator(".van-dialog:visible")


async def test_technician_sees_her_day_first_checks_in_and_completes_with_a_count_card(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given 小美 and 阿杰 at work today, 王女士 (holding a 10-use 精剪 card) booked with 小美 at 10:00, 李先生 with 阿杰
    salon = await open_salon(mongo, pii, shop)
    today = salon.today()
    wang = await guest(mongo, pii, shop, "王女士", "13812340001")
    li = await guest(mongo, pii, shop, "李先生", "13812340002")
    granted = await grant_count_card(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=wang.id,
        name="精剪10次卡",
        uses=10,
        expires_at=datetime.now(UTC) + timedelta(days=90),
        reference="sold at the counter",
        idempotency_key=key(),
        actor=SYSTEM,
    )
    wangs = await booked(mongo, salon, wang, salon.xiaomei, today, "10:00")
    await booked(mongo, salon, li, salon.ajie, today, "11:00")

    # when 小美 signs in and opens the day board
    await phone.sign_in_as("13700000011", STAFF_PASSWORD)
    await phone.open("/bookings")

    # then she sees only her own column, with 王女士 in it
    await expect(block(phone, "王女士")).to_be_visible()
    assert await phone.page.get_by_role("columnheader").all_inner_texts() == ["小美\n我"]
    await expect(block(phone, "李先生")).to_have_count(0)
    # and with everyone shown, her column still comes first
    await phone.page.get_by_role("tab", name="全部").click()
    await expect(block(phone, "李先生")).to_be_visible()
    heads = await phone.page.get_by_role("columnheader").all_inner_texts()
    assert [h.split("\n")[0] for h in heads] == ["小美", "阿杰"]

    # when she taps 王女士's booking and checks her in
    await block(phone, "王女士").click()
    await sheet(phone).get_by_role("button", name="签到").click()

    # then the booking reads 已到店 on the sheet and on the board
    await expect(phone.page.get_by_text("已签到")).to_be_visible()
    await expect(sheet(phone).get_by_text("已到店")).to_be_visible()
    assert (await booking_doc(mongo, wangs))["status"] == "CHECKED_IN"

    # when she completes it with the count card, confirming
    await sheet(phone).get_by_role("button", name="完成服务").click()
    panel = phone.page.locator("[data-test=complete-panel]")
    await expect(panel.get_by_text("精剪10次卡")).to_be_visible()
    await expect(panel.get_by_text("剩 10/10 次")).to_be_visible()
    # the 已签到 toast would cover the time row in the screenshot
    await expect(phone.page.locator(".van-toast")).to_be_hidden()
    await phone.shot("booking-complete")
    await panel.get_by_role("button", name="确认完成").click()
    await expect(dialog(phone)).to_contain_text("用「精剪10次卡」扣 1 次，完成 王女士 的精剪？")
    await dialog(phone).get_by_role("button", name="确认完成").click()

    # then the sheet says it was paid with one use of the card
    await expect(phone.page.get_by_text("服务已完成")).to_be_visible()
    await expect(sheet(phone).get_by_text("精剪10次卡 · 次卡扣 1 次")).to_be_visible()
    await expect(block(phone, "王女士")).to_contain_text("已完成")
    # and the database holds a completed visit, checked in and completed by 小美, and one use taken from the card
    done = await booking_doc(mongo, wangs)
    assert (done["status"], done["count_card_id"], done["order_id"]) == ("COMPLETED", granted.count_card.id, None)
    assert done["checked_in_by_staff_id"] == done["completed_by_staff_id"] == salon.xiaomei.staff.id
    card = await mongo.db[c.COUNT_CARDS].find_one({"_id": granted.count_card.id})
    assert card is not None and card["remaining"] == 9
    uses = await mongo.db[c.LEDGER].find({"count_card_id": granted.count_card.id, "kind": "COUNT_USE"}).to_list()
    assert [(u["amount"], u["idempotency_key"]) for u in uses] == [(-1, f"booking:{wangs}:complete")]


async def test_technician_completes_a_visit_without_a_card_as_a_visit_order(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given 李先生 (no count card) booked with 小美 today and already checked in
    salon = await open_salon(mongo, pii, shop)
    li = await guest(mongo, pii, shop, "李先生", "13812340002")
    lis = await booked(mongo, salon, li, salon.xiaomei, salon.today(), "15:00")
    await lifecycle.check_in(mongo=mongo, actor=salon.xiaomei.staff, booking_id=lis)

    # when 小美 opens his booking and completes it
    await phone.sign_in_as("13700000011", STAFF_PASSWORD)
    await phone.open("/bookings")
    await block(phone, "李先生").click()
    await sheet(phone).get_by_role("button", name="完成服务").click()

    # then the only way offered is a visit order, which she confirms
    panel = phone.page.locator("[data-test=complete-panel]")
    await expect(panel.get_by_role("radio")).to_have_count(1)
    await expect(panel.get_by_text("生成消费单")).to_be_visible()
    await panel.get_by_role("button", name="确认完成").click()
    await expect(dialog(phone)).to_contain_text("完成 李先生 的精剪，并生成消费单？")
    await dialog(phone).get_by_role("button", name="确认完成").click()

    # then the sheet shows it paid by an order (which a technician cannot open: orders are the counter's)
    await expect(sheet(phone).get_by_text("消费单", exact=True)).to_be_visible()
    await expect(sheet(phone).get_by_role("link", name="查看消费单")).to_have_count(0)
    # and the database holds the visit's order at the service's price, linked to the completed booking
    done = await booking_doc(mongo, lis)
    order = await mongo.db[c.ORDERS].find_one({"booking_key": f"{lis}:visit"})
    assert order is not None
    assert (done["status"], done["order_id"], done["count_card_id"]) == ("COMPLETED", order["_id"], None)
    assert (order["status"], order["source"], order["price"]["due_fen"]) == ("PENDING", "BOOKING", 12_800)


async def test_manager_reschedules_a_booking_to_a_free_slot_tomorrow(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a day of bookings in both columns: some waiting, one checked in, one completed
    salon = await open_salon(mongo, pii, shop)
    today = salon.today()
    wang = await guest(mongo, pii, shop, "王女士", "13812340001")
    li = await guest(mongo, pii, shop, "李先生", "13812340002")
    zhang = await guest(mongo, pii, shop, "张女士", "13812340003")
    zhao = await guest(mongo, pii, shop, "赵先生", "13812340004")
    await booked(mongo, salon, wang, salon.xiaomei, today, "10:00")
    arrived = await booked(mongo, salon, zhao, salon.xiaomei, today, "11:30")
    lis = await booked(mongo, salon, li, salon.ajie, today, "10:30")
    finished = await booked(mongo, salon, zhang, salon.ajie, today, "12:00")
    await booked(mongo, salon, wang, salon.ajie, today, "14:00")
    desk = salon.xiaomei.staff
    await lifecycle.check_in(mongo=mongo, actor=desk, booking_id=arrived)
    await lifecycle.check_in(mongo=mongo, actor=desk, booking_id=finished)
    await complete_visit(mongo=mongo, actor=desk, booking_id=finished, count_card_id=None)
    await make_staff(mongo, pii, shop, Role.MANAGER, "13700000021", store_ids=[shop.merchant.store.id], name="店长")

    # when the manager opens the day board
    await phone.sign_in_as("13700000021", STAFF_PASSWORD)
    await phone.open("/bookings")

    # then every column and booking of the day shows
    await expect(block(phone, "张女士")).to_contain_text("已完成")
    await expect(block(phone, "赵先生")).to_contain_text("已到店")
    await expect(block(phone, "李先生")).to_contain_text("10:30–11:30")
    heads = await phone.page.get_by_role("columnheader").all_inner_texts()
    assert sorted(heads) == ["小美", "阿杰"]
    await phone.shot("booking-board")

    # when she moves 李先生's 10:30 to tomorrow 15:00, keeping 阿杰
    await block(phone, "李先生").click()
    await sheet(phone).get_by_role("button", name="改期").click()
    picker = phone.page.locator("[data-test=reschedule-sheet]")
    await expect(picker.get_by_role("button", name="阿杰")).to_have_attribute("aria-pressed", "true")
    await picker.get_by_role("button", name="后一天").click()
    await expect(picker.get_by_text("明天")).to_be_visible()
    await picker.get_by_role("option", name="15:00").click()
    await expect(dialog(phone)).to_contain_text("李先生 的精剪改到")
    await expect(dialog(phone)).to_contain_text("15:00（阿杰）")
    await phone.shot("booking-reschedule")
    await dialog(phone).get_by_role("button", name="确认").click()

    # then the board follows it to tomorrow, at 15:00
    await expect(phone.page.get_by_text("已改期")).to_be_visible()
    await expect(phone.page.locator("[data-test=board-day]")).to_contain_text("明天")
    await expect(block(phone, "李先生")).to_contain_text("15:00–16:00")
    # and the database holds the new start with the same technician, and the member is to be told
    moved = await booking_doc(mongo, lis)
    tomorrow = today + timedelta(days=1)
    assert (moved["start"], moved["staff_id"]) == (salon.at(tomorrow, "15:00"), salon.ajie.staff.id)
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "BOOKING_RESCHEDULED"}) == 1


async def test_cancelling_asks_for_the_reason_the_member_is_told(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given 王女士 booked with 阿杰 tomorrow
    salon = await open_salon(mongo, pii, shop)
    wang = await guest(mongo, pii, shop, "王女士", "13812340001")
    tomorrow = salon.today() + timedelta(days=1)
    wangs = await booked(mongo, salon, wang, salon.ajie, tomorrow, "16:00")

    # when the owner opens tomorrow's board, taps her booking and cancels without a reason
    await phone.sign_in_as(shop.owner_phone)
    await phone.open(f"/bookings?date={tomorrow.isoformat()}")
    await block(phone, "王女士").click()
    await sheet(phone).get_by_role("button", name="取消预约").click()
    await dialog(phone).get_by_role("button", name="确认取消").click()

    # then the API's refusal shows under the reason, and nothing changed
    await expect(dialog(phone).locator(".van-field__error-message")).not_to_be_empty()
    assert (await booking_doc(mongo, wangs))["status"] == "BOOKED"

    # when the reason is given
    await dialog(phone).get_by_label("原因").fill("技师临时请假")
    await dialog(phone).get_by_role("button", name="确认取消").click()

    # then the booking leaves the board
    await expect(phone.page.get_by_text("预约已取消")).to_be_visible()
    await expect(block(phone, "王女士")).to_have_count(0)
    # and the database holds it cancelled by the owner with the reason the member is told
    gone = await booking_doc(mongo, wangs)
    assert (gone["status"], gone["cancel_reason"]) == ("CANCELLED", "技师临时请假")
    assert gone["cancelled_by_staff_id"] == shop.merchant.owner.id
    told = await mongo.db[c.OUTBOX].find_one({"kind": "BOOKING_CANCELLED"})
    assert told is not None and told["payload"]["reason"] == "技师临时请假"


async def test_the_desk_books_for_a_member_found_by_phone(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member who calls the shop
    salon = await open_salon(mongo, pii, shop)
    zhang = await guest(mongo, pii, shop, "张女士", "13812340003")
    tomorrow = salon.today() + timedelta(days=1)

    # when the owner books her 精剪 with 小美 tomorrow at 11:00
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/bookings")
    await phone.page.get_by_role("button", name="新预约").click()
    form = phone.page.locator("[data-test=book-sheet]")
    await form.get_by_label("手机号").fill("13812340003")
    await form.get_by_role("button", name="查找").click()
    await form.get_by_text("张女士").click()
    await expect(form.locator("[data-test=chosen-member]")).to_contain_text("张女士")
    await form.get_by_role("button", name="后一天").click()
    await form.get_by_role("button", name="小美").click()
    await form.get_by_role("option", name="11:00").click()
    await form.get_by_label("备注").fill("要安静的位置")
    await phone.shot("booking-new")
    await form.get_by_role("button", name="确认预约").click()

    # then the board shows tomorrow with her booking in 小美's column
    await expect(phone.page.get_by_text("预约成功")).to_be_visible()
    await expect(phone.page.locator("[data-test=board-day]")).to_contain_text("明天")
    await expect(phone.page.locator(".col[data-staff=小美]").get_by_role("listitem")).to_contain_text("张女士")
    # and the database holds one booking, made by the owner, with the note
    [made] = await mongo.db[c.BOOKINGS].find({"member_id": zhang.id}).to_list()
    assert (made["status"], made["staff_id"], made["note"]) == ("BOOKED", salon.xiaomei.staff.id, "要安静的位置")
    assert made["start"] == salon.at(tomorrow, "11:00")
    assert made["booked_by_staff_id"] == shop.merchant.owner.id
