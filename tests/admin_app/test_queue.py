"""The walk-in queue (叫号) in the staff app: today's waiting numbers in calling order, "call next" showing who was
called and the words their phone received, and the API's answer when nobody is left.
"""

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.booking import queue
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.coupons.conftest import make_members, make_staff


async def test_the_desk_calls_the_next_walk_in_and_sees_what_they_are_told(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given three walk-ins who took numbers at the store, in this order
    store = shop.merchant.store
    walk_ins = await make_members(mongo, shop, 3)
    for member, nickname in zip(walk_ins, ["王女士", "李先生", "张女士"], strict=True):
        await mongo.db[c.MEMBERS].update_one({"_id": member.id}, {"$set": {"nickname": nickname}})
        await queue.join_queue(mongo=mongo, merchant_id=store.merchant_id, member_id=member.id, store_id=store.id)
    desk = await make_staff(mongo, pii, shop, Role.CASHIER, "13700000031", store_ids=[store.id], name="前台")

    # when the cashier opens the queue
    await phone.sign_in_as("13700000031", "staff-password-1")
    await phone.open("/queue")

    # then the three wait in calling order
    waiting = phone.page.locator("[data-test=waiting-ticket]")
    await expect(waiting).to_have_count(3)
    assert [t.split("\n")[:2] for t in await waiting.all_inner_texts()] == [
        ["1 号", "王女士"],
        ["2 号", "李先生"],
        ["3 号", "张女士"],
    ]
    await expect(phone.page.get_by_text("3 位在等")).to_be_visible()

    # when they call the next one
    await phone.page.get_by_role("button", name="叫下一位").click()

    # then number 1 is called, with what 王女士's phone says, and two are left
    called = phone.page.locator("[data-test=called]")
    await expect(called).to_contain_text("已叫 1 号")
    await expect(called).to_contain_text("王女士")
    await expect(called).to_contain_text("顾客收到「甲店一号店 请 1 号到前台」")
    await expect(waiting).to_have_count(2)
    await phone.shot("queue")
    # and the database holds the ticket called by this cashier, and the message on its way to her
    ticket = await mongo.db[c.QUEUE_TICKETS].find_one({"member_id": walk_ins[0].id})
    assert ticket is not None
    assert (ticket["status"], ticket["called_by_staff_id"]) == ("CALLED", desk.staff.id)
    told = await mongo.db[c.OUTBOX].find_one({"kind": "QUEUE_CALLED"})
    assert told is not None and told["payload"]["member_id"] == walk_ins[0].id

    # when the two left are called and the button is pressed once more
    for number in (2, 3):
        await phone.page.get_by_role("button", name="叫下一位").click()
        await expect(called).to_contain_text(f"已叫 {number} 号")
    await phone.page.get_by_role("button", name="叫下一位").click()

    # then the API's answer says nobody is waiting, and the last call stays on screen
    await expect(phone.page.get_by_role("alert")).to_have_text("当前没有排队的顾客")
    await expect(called).to_contain_text("已叫 3 号")
    await expect(phone.page.get_by_text("现在没有人排队")).to_be_visible()
    assert await mongo.db[c.QUEUE_TICKETS].count_documents({"status": "WAITING"}) == 0
