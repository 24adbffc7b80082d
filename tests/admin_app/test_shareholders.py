"""The shareholders screen in a real browser: the owner appoints a member found by phone, reviews a held
commission, previews what a payout run would pay each shareholder and runs it; an all-stores manager reads the
roster and the ranking but is offered nothing only the owner may do; a cashier is not let in at all.
"""

from bson import ObjectId
from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.commissions.conftest import appoint, paid
from tests.conftest import Shop
from tests.coupons.conftest import make_staff
from tests.payouts.conftest import earn, shareholder_program, shareholders
from tests.referrals.conftest import bind_phone, chain_of, make_member

STAFF_PASSWORD = "staff-password-1"


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


async def available(mongo: Mongo, member_id: ObjectId) -> int:
    account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"beneficiary_id": member_id})
    assert account is not None
    return int(account["available_fen"])


async def test_owner_appoints_a_member_found_by_phone(phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher) -> None:
    # given a program with two shareholders, and a member whose card carries a phone
    program = await shareholder_program(mongo, shop)
    await shareholders(mongo, shop, program, 2, "老股东")
    newcomer = await make_member(mongo, shop, "王小美")
    await bind_phone(mongo, pii, shop, newcomer.id, "13912340001")

    # when the owner opens 股东, finds the member by phone and appoints them, confirming
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/shareholders")
    await expect(phone.page.get_by_text("一级 10% · 二级 5% · 员工 3% · 冻结 0 天")).to_be_visible()
    await phone.page.get_by_role("button", name="任命股东").click()
    await phone.page.get_by_label("手机号").fill("13912340001")
    await phone.page.get_by_role("button", name="查找").click()
    found = phone.page.locator("[data-test=found-member]")
    await expect(found).to_contain_text("王小美0")
    await found.get_by_role("button", name="任命股东").click()
    await expect(phone.page.locator(".van-dialog")).to_contain_text("任命「王小美0」为「金牌股东」的股东？")
    await phone.page.get_by_role("button", name="确认").click()

    # then the roster shows them first, as a shareholder
    roster = phone.page.locator("[data-test=shareholder]")
    await expect(roster).to_have_count(3)
    await expect(roster.first).to_contain_text("王小美0")
    await expect(phone.page.locator(".van-popup--bottom")).to_be_hidden()
    await expect(phone.page.locator(".van-toast")).to_be_hidden()
    await phone.shot("shareholders")
    # and the database holds the appointment, to this program
    appointment = await mongo.db[c.SHAREHOLDERS].find_one({"member_id": newcomer.id})
    assert appointment is not None
    assert (appointment["program_id"], appointment["active"]) == (program.id, True)


async def test_owner_revokes_a_shareholder_after_confirming(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given a program with one shareholder
    program = await shareholder_program(mongo, shop)
    [holder] = await shareholders(mongo, shop, program, 1, "老张")

    # when the owner taps 撤销 on them and confirms
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/shareholders")
    row = phone.page.locator("[data-test=shareholder]")
    await row.get_by_role("button", name="撤销").click()
    await expect(phone.page.locator(".van-dialog")).to_contain_text("已得的分红保留")
    await phone.page.get_by_role("button", name="确认").click()

    # then the row says 已撤销, and the appointment is inactive in the database
    await expect(row.locator(".van-tag")).to_have_text("已撤销")
    appointment = await mongo.db[c.SHAREHOLDERS].find_one({"member_id": holder.id})
    assert appointment is not None and appointment["active"] is False


async def test_owner_previews_payouts_with_each_shareholders_amount_and_runs_them(
    phone: Phone, shop: Shop, mongo: Mongo
) -> None:
    # given a program paying out from 10 yuan, two shareholders due 126.50 and 38.00, one with only 5.00
    program = await shareholder_program(mongo, shop, payout_minimum_fen=1000)
    alice, bob, carol = await shareholders(mongo, shop, program, 3)
    await earn(mongo, shop, alice.id, 10_000, 2_650)
    await earn(mongo, shop, bob.id, 3_800)
    await earn(mongo, shop, carol.id, 500)
    due = {name: await available(mongo, p.id) for name, p in (("股东0", alice), ("股东1", bob), ("股东2", carol))}

    # when the owner opens the payout tab
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/shareholders?tab=payouts")

    # then it shows the total a run would transfer and each shareholder's amount, the one below minimum struck out
    await expect(phone.page.locator("[data-test=payout-total]")).to_have_text(yuan(due["股东0"] + due["股东1"]))
    rows = phone.page.locator("[data-test=payee]")
    await expect(rows).to_have_count(3)
    for name, fen in due.items():
        row = rows.filter(has_text=name)
        await expect(row.locator(".payee-amount")).to_have_text(yuan(fen))
    await expect(rows.filter(has_text="股东2")).to_contain_text("未到起付额")
    await phone.shot("payouts-preview")

    # when they run the payouts, confirming the amount
    await phone.page.get_by_role("button", name="立即发放").click()
    await expect(phone.page.locator(".van-dialog")).to_contain_text(f"向 2 位股东发放共 {yuan(12_650 + 3_800)}")
    await phone.page.get_by_role("button", name="确认").click()

    # then the runs tab shows the run, and the database holds one run paying the two due shareholders
    run = phone.page.locator("[data-test=payout-run]")
    await expect(run).to_have_count(1)
    await expect(run).to_contain_text(yuan(12_650 + 3_800))
    await expect(phone.page.locator(".van-toast")).to_be_hidden()
    await phone.shot("payout-runs")
    runs = await mongo.db[c.PAYOUT_RUNS].find({}).to_list()
    assert len(runs) == 1
    paid_to = {p["beneficiary_id"]: p["amount_fen"] for p in await mongo.db[c.PAYOUTS].find({}).to_list()}
    assert paid_to == {alice.id: due["股东0"], bob.id: due["股东1"]}


async def test_owner_rejects_a_held_commission_only_with_a_reason(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a shareholder and their friend on one phone, so the friend's 100-yuan order's commission is held
    holder, friend = await chain_of(mongo, shop, 2, "同机")
    await appoint(mongo, shop, await shareholder_program(mongo, shop), holder.id)
    for member in (holder, friend):
        await bind_phone(mongo, pii, shop, member.id, "13912345678")
    await on_order_paid(mongo=mongo, event=paid(shop, friend.id, 10_000))

    # when the owner opens the review queue and rejects it without a reason
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/shareholders?tab=review")
    held = phone.page.locator("[data-test=held]")
    await expect(held).to_contain_text("同一手机号")
    await expect(held).to_contain_text("¥10.00")
    await phone.shot("shareholders-review")
    await held.get_by_role("button", name="驳回").click()
    dialog = phone.page.locator(".van-dialog")
    await dialog.get_by_role("button", name="驳回").click()

    # then the API's message shows under the reason, and nothing changed
    await expect(dialog.locator(".van-field__error-message")).to_be_visible()
    await phone.shot("shareholders-reject")
    [commission] = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": holder.id}).to_list()
    assert commission["status"] == "REVIEW"

    # when they give a reason
    await dialog.get_by_label("原因").fill("本人下单")
    await dialog.get_by_role("button", name="驳回").click()

    # then the queue is empty and the commission is rejected
    await expect(phone.page.get_by_text("没有待审核的分红")).to_be_visible()
    [commission] = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": holder.id}).to_list()
    assert commission["status"] == "REJECTED"


async def test_a_manager_reads_roster_and_ranking_but_is_offered_no_owner_actions(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a shareholder who earned 126.50 this month, and a manager of every store
    program = await shareholder_program(mongo, shop)
    [holder] = await shareholders(mongo, shop, program, 1, "老张")
    await earn(mongo, shop, holder.id, 12_650)
    await make_staff(mongo, pii, shop, Role.MANAGER, "13800000071", name="王店长")

    # when the manager opens 股东
    await phone.sign_in_as("13800000071", STAFF_PASSWORD)
    await phone.open("/shareholders")

    # then the roster lists the shareholder with no revoke button, and there is no appointing, review or payout
    await expect(phone.page.locator("[data-test=shareholder]")).to_contain_text("老张0")
    await expect(phone.page.get_by_role("button", name="撤销")).to_have_count(0)
    await expect(phone.page.get_by_role("button", name="任命股东")).to_have_count(0)
    await expect(phone.page.get_by_role("tab")).to_have_text(["股东", "排行"])

    # and the ranking shows what the shareholder earned
    await phone.page.get_by_role("tab", name="排行").click()
    await expect(phone.page.locator("[data-test=rank]")).to_contain_text("老张0")
    await expect(phone.page.locator("[data-test=rank] .amount")).to_have_text("¥126.50")
    await phone.shot("shareholders-ranking")


async def test_a_cashier_has_no_shareholder_entry_and_is_sent_home(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a cashier
    await make_staff(mongo, pii, shop, Role.CASHIER, "13800000072", name="收银小李")

    # when they sign in
    await phone.sign_in_as("13800000072", STAFF_PASSWORD)
    await phone.open("/")

    # then the home screen offers no 股东
    await expect(phone.page.get_by_role("button", name="扫码")).to_be_visible()
    await expect(phone.page.get_by_text("股东", exact=True)).to_have_count(0)

    # and typing its address lands on the home screen
    await phone.open("/shareholders")
    await expect(phone.page.get_by_role("button", name="扫码")).to_be_visible()
    assert phone.page.url.endswith("/admin/")


async def test_a_manager_of_one_store_is_offered_no_shareholders_and_told_why(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a program, and a manager of the first store only
    await shareholder_program(mongo, shop)
    store_ids = [shop.merchant.store.id]
    await make_staff(mongo, pii, shop, Role.MANAGER, "13800000073", store_ids=store_ids, name="一号店长")

    # when they sign in, the home screen offers them no 股东
    await phone.sign_in_as("13800000073", STAFF_PASSWORD)
    await phone.open("/")
    await expect(phone.page.get_by_role("button", name="扫码")).to_be_visible()
    await expect(phone.page.get_by_text("股东", exact=True)).to_have_count(0)

    # when they open 股东 by its address
    await phone.open("/shareholders")

    # then the screen says the figures are merchant-wide, as the API refused them, and shows no tabs
    await expect(phone.page.get_by_role("alert")).to_contain_text("只有店主和管理全部门店的店长能看")
    await expect(phone.page.get_by_role("tab")).to_have_count(0)
