"""The Members (会员) screens on a phone: a cashier finds a member by phone and reads their card as the database
holds it; a manager adjusts stored value with a reason and sees the ledger line; a card is reported lost and
reissued; count cards are granted and used; a manager reads the member's coupons, bookings and referrer; a
cashier is never offered what only managers may do.
"""

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from playwright.async_api import expect

from db import collections as c
from db.mongo import Doc, Mongo
from domain import tenancy
from domain.cards import count_cards, points, views
from domain.cards.ledger import SYSTEM
from domain.pii import PiiCipher
from tests.admin_app.conftest import Phone
from tests.booking.conftest import book_tomorrow, open_salon
from tests.checkout.conftest import give, shopper
from tests.conftest import Gql, Shop
from tests.coupons.conftest import Customer, claimed_coupon, make_staff, new_template
from tests.referrals.conftest import bind, bind_phone

STAFF_PASSWORD = "staff-password-1"
MEMBER_PHONE = "13812345678"


def fen_as_yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


async def card_doc(mongo: Mongo, member: Customer) -> Doc:
    doc = await mongo.db[c.CARDS].find_one({"member_id": member.id})
    assert doc is not None
    return doc


async def regular(mongo: Mongo, pii: PiiCipher, shop: Shop) -> Customer:
    """王小明: a phone on his card, ¥1,200 spent (silver), ¥500 paid in plus ¥55 bonus, a 10-visit count card."""
    member = await shopper(mongo, shop, "王小明")
    await mongo.db[c.MEMBERS].update_one({"_id": member.id}, {"$set": {"nickname": "王小明"}})
    await bind_phone(mongo, pii, shop, member.id, MEMBER_PHONE)
    merchant_id = shop.merchant.merchant.id
    await points.record_payment(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member.id,
        paid_fen=120_000,
        reference="order",
        idempotency_key=uuid.uuid4().hex,
    )
    await give(mongo, shop, member, stored=(50_000, 5_500))
    await count_cards.grant_count_card(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member.id,
        name="洗剪吹10次卡",
        uses=10,
        expires_at=datetime.now(UTC) + timedelta(days=180),
        reference="order",
        idempotency_key=uuid.uuid4().hex,
        actor=SYSTEM,
    )
    return member


async def signed_in(phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop, role: tenancy.Role, no: str) -> None:
    await make_staff(mongo, pii, shop, role, no, name=f"{role.value.lower()}小张")
    await phone.sign_in_as(no, STAFF_PASSWORD)


async def confirm(phone: Phone) -> None:
    dialog = phone.page.locator(".van-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="确定").click()
    await expect(dialog).to_be_hidden()


async def test_a_cashier_finds_a_member_by_phone_and_sees_their_card(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a regular with a silver card, points, stored value and a count card, and another member
    member = await regular(mongo, pii, shop)
    await shopper(mongo, shop, "李四")
    await signed_in(phone, mongo, pii, shop, tenancy.Role.CASHIER, "13700000101")

    # when the cashier types the member's phone on the members screen
    await phone.open("/members")
    search = phone.page.get_by_placeholder("手机号 / 卡号 / 昵称")
    await search.fill(MEMBER_PHONE)
    await search.press("Enter")

    # then only that member is listed, found by phone, with the phone masked for a cashier
    await expect(phone.page.get_by_text("按手机号查找")).to_be_visible()
    rows = phone.page.locator('[data-test="member-row"]')
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("王小明")
    await expect(rows.first).to_contain_text("138****5678")
    await phone.shot("member-search")

    # when they open the member
    await rows.first.click()

    # then the card shows what the database holds: level, points, stored value and the count card
    card = await card_doc(mongo, member)
    view = await views.card_view(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=member.id)
    assert view is not None and view.level.name == "银卡会员"
    hero = phone.page.locator('[data-test="member-hero"]')
    await expect(hero.locator('[data-test="level"]')).to_contain_text(view.level.name)
    await expect(hero.locator('[data-test="points"]')).to_have_text(str(card["points"]))
    stored = card["stored_paid"] + card["stored_bonus"]
    assert stored == 55_500
    await expect(hero.locator('[data-test="stored-value"]')).to_have_text(fen_as_yuan(stored))
    await expect(hero.locator('[data-test="card-number"]')).to_contain_text(grouped(card["number"]))
    count_card = phone.page.locator('[data-test="count-card"]')
    await expect(count_card).to_contain_text("洗剪吹10次卡")
    await expect(count_card).to_contain_text("剩 10/10 次")
    # and the ledger opens on stored value, newest first
    await expect(phone.page.locator('[data-test="ledger-row"]').first).to_contain_text("充值")
    await phone.shot("member")

    # when the cashier taps 收银, the bill opens with this member attached
    await phone.page.locator('[data-test="action-bill"]').click()
    await expect(phone.page).to_have_url(f"{phone.url}/admin/bill?member={quote(member.gid, safe='')}")


async def test_a_manager_adjusts_stored_value_with_a_reason_and_the_ledger_shows_it(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member holding ¥555.00 and a manager on their card
    member = await regular(mongo, pii, shop)
    await signed_in(phone, mongo, pii, shop, tenancy.Role.MANAGER, "13700000102")
    await phone.open(f"/members/{member.gid}")
    await expect(phone.page.locator('[data-test="stored-value"]')).to_have_text("¥555.00")
    form = phone.page.locator('[data-test="adjust-form"]')

    # when the manager tries to deduct more than the member holds
    await phone.page.locator('[data-test="action-adjust"]').click()
    await form.get_by_text("扣减").click()
    await form.get_by_label("数量").fill("1000")
    await form.get_by_label("原因").fill("误充退回")
    await form.get_by_role("button", name="提交").click()
    await confirm(phone)

    # then the API's refusal shows under the amount, and nothing changed
    await expect(form.get_by_text("余额不足")).to_be_visible()
    await phone.shot("member-adjust")
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id, "kind": "ADJUSTMENT"}) == 0

    # when they add ¥50 of bonus instead, with a reason
    await form.get_by_text("增加").click()
    await form.get_by_label("数量").fill("50")
    await form.get_by_label("原因").fill("服务补偿")
    await form.get_by_role("button", name="提交").click()
    await confirm(phone)

    # then the card shows ¥605.00 and the stored-value ledger's newest line is the adjustment with its reason
    await expect(phone.page.locator('[data-test="stored-value"]')).to_have_text("¥605.00")
    newest = phone.page.locator('[data-test="ledger-row"]').first
    await expect(newest).to_contain_text("人工调整")
    await expect(newest).to_contain_text("服务补偿")
    await expect(newest).to_contain_text("+¥50.00")
    # and the database holds one ADJUSTMENT of 5000 fen in the bonus part, made by the manager
    [entry] = await mongo.db[c.LEDGER].find({"member_id": member.id, "kind": "ADJUSTMENT"}).to_list()
    assert entry["account"] == "STORED_VALUE" and entry["amount"] == 5_000 and entry["bonus"] == 5_000
    assert entry["reason"] == "服务补偿" and entry["actor"]["kind"] == "STAFF"
    card = await card_doc(mongo, member)
    assert (card["stored_paid"], card["stored_bonus"]) == (50_000, 10_500)


async def test_a_card_reported_lost_is_reissued_with_a_new_number_and_the_same_balances(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member's card open on a manager's phone
    member = await regular(mongo, pii, shop)
    before = await card_doc(mongo, member)
    await signed_in(phone, mongo, pii, shop, tenancy.Role.MANAGER, "13700000103")
    await phone.open(f"/members/{member.gid}")
    form = phone.page.locator('[data-test="card-status-form"]')

    # when the manager reports it lost, giving the reason, and confirms
    await phone.page.locator('[data-test="action-lost"]').click()
    await form.get_by_label("原因").fill("顾客说卡丢了")
    await form.get_by_role("button", name="挂失").click()
    await confirm(phone)

    # then the card says so and the database holds it LOST
    await expect(phone.page.locator('[data-test="card-status"]')).to_have_text("已挂失")
    assert (await card_doc(mongo, member))["status"] == "LOST"

    # when they reissue it
    await phone.page.locator('[data-test="action-reissue"]').click()
    await form.get_by_label("原因").fill("补办新卡")
    await form.get_by_role("button", name="补卡").click()
    await confirm(phone)

    # then the card is active again under a new number, with the balances untouched
    await expect(phone.page.get_by_text("已补卡，新卡号")).to_be_visible()
    await expect(phone.page.locator('[data-test="card-status"]')).to_have_count(0)
    after = await card_doc(mongo, member)
    assert after["status"] == "ACTIVE" and after["number"] != before["number"]
    assert before["number"] in after["numbers"]
    assert (after["points"], after["stored_paid"], after["stored_bonus"]) == (
        before["points"],
        before["stored_paid"],
        before["stored_bonus"],
    )
    await expect(phone.page.locator('[data-test="card-number"]')).to_contain_text(grouped(after["number"]))


async def test_a_manager_grants_a_count_card_and_a_use_is_taken_at_the_counter(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member with no count card, open on a manager's phone
    member = await shopper(mongo, shop, "赵六")
    await signed_in(phone, mongo, pii, shop, tenancy.Role.MANAGER, "13700000104")
    await phone.open(f"/members/{member.gid}")
    await expect(phone.page.get_by_text("没有可用的次卡")).to_be_visible()

    # when the manager grants a 5-use card and confirms
    await phone.page.locator('[data-test="action-grant"]').click()
    form = phone.page.locator('[data-test="grant-form"]')
    await form.get_by_label("名称").fill("肩颈按摩5次")
    await form.get_by_label("次数").fill("5")
    await form.get_by_role("button", name="发次卡").click()
    await confirm(phone)

    # then it is on the card, and when one use is taken it shows four left
    count_card = phone.page.locator('[data-test="count-card"]')
    await expect(count_card).to_contain_text("剩 5/5 次")
    await count_card.get_by_role("button", name="核销一次").click()
    await confirm(phone)
    await expect(count_card).to_contain_text("剩 4/5 次")
    # and the database holds the card with four uses and both ledger lines
    [stored] = await mongo.db[c.COUNT_CARDS].find({"member_id": member.id}).to_list()
    assert (stored["name"], stored["total"], stored["remaining"]) == ("肩颈按摩5次", 5, 4)
    kinds = sorted(e["kind"] for e in await mongo.db[c.LEDGER].find({"member_id": member.id}).to_list())
    assert kinds == ["COUNT_GRANT", "COUNT_USE"]


async def test_a_cashier_is_offered_no_balance_adjustment_reissue_grant_or_referrer(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member's card open on a cashier's phone
    member = await regular(mongo, pii, shop)
    await signed_in(phone, mongo, pii, shop, tenancy.Role.CASHIER, "13700000105")
    await phone.open(f"/members/{member.gid}")
    await expect(phone.page.locator('[data-test="member-hero"]')).to_contain_text("王小明")

    # then the counter's actions are there and a manager's are not
    await expect(phone.page.locator('[data-test="action-bill"]')).to_be_visible()
    await expect(phone.page.locator('[data-test="action-lost"]')).to_be_visible()
    for manager_only in ("adjust", "reissue", "grant"):
        await expect(phone.page.locator(f'[data-test="action-{manager_only}"]')).to_have_count(0)
    await expect(phone.page.get_by_role("tab", name="推荐人")).to_have_count(0)
    # and the cashier could use a count card
    await expect(phone.page.get_by_role("button", name="核销一次")).to_be_visible()


async def test_a_manager_reads_the_members_coupons_bookings_and_referrer(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop, gql: Gql, owner_token: str
) -> None:
    # given a member brought in by 钱老板, holding a 满100减20 coupon and booked for a cut tomorrow
    member = await shopper(mongo, shop, "周七")
    referrer = await shopper(mongo, shop, "钱老板")
    assert (await bind(mongo, shop, member.id, referrer.id)).bound
    await claimed_coupon(gql, member, await new_template(gql, owner_token, title="满100减20"))
    salon = await open_salon(mongo, pii, shop, staff=1)
    await book_tomorrow(mongo, salon, member.id)
    await signed_in(phone, mongo, pii, shop, tenancy.Role.MANAGER, "13700000106")
    await phone.open(f"/members/{member.gid}")

    # when the manager opens the coupons tab
    await phone.page.get_by_role("tab", name="优惠券").click()

    # then the usable coupon shows what it gives
    coupon = phone.page.locator('[data-test="coupon-row"]')
    await expect(coupon).to_contain_text("满100减20")
    await expect(coupon).to_contain_text("满¥100.00减¥20.00")
    await phone.shot("member-coupons")

    # when they open the bookings tab, tomorrow's cut is there
    await phone.page.get_by_role("tab", name="预约").click()
    booking = phone.page.locator('[data-test="booking-row"]')
    await expect(booking).to_contain_text("精剪")
    await expect(booking).to_contain_text("已预约")

    # when they open the referrer tab and tap the referrer, the referrer's own card opens
    await phone.page.get_by_role("tab", name="推荐人").click()
    upline = phone.page.locator('[data-test="upline-row"]')
    await expect(upline).to_contain_text("钱老板")
    await upline.click()
    await expect(phone.page.locator('[data-test="member-hero"]')).to_contain_text("钱老板")

    # and the database holds what the tabs showed
    assert await mongo.db[c.COUPONS].count_documents({"owner_id": member.id, "status": "ACTIVE"}) == 1
    assert await mongo.db[c.BOOKINGS].count_documents({"member_id": member.id, "status": "BOOKED"}) == 1
    assert (await mongo.db[c.MEMBERS].find_one({"_id": member.id}) or {})["referrer_id"] == referrer.id
