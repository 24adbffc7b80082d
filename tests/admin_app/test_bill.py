"""The bill (收银) and the orders on a phone: a cashier finds a member, rings up catalog items with one of the
member's coupons, sees the price the API computed and takes it from stored value; a walk-in pays a typed amount
in cash, or by scanning the WeChat Pay code the bill shows (paid through the payments sandbox); a manager refunds
part of an order, which a cashier cannot; a refund WeChat Pay has not confirmed is listed as 退款中; an unpaid
order is closed.
"""

import re
import uuid

import httpx
import pytest
from bson import ObjectId
from playwright.async_api import expect

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain import catalog
from domain.checkout import pay, refunds
from domain.checkout.errors import CheckoutCode, CheckoutError
from domain.coupons import claims, templates
from domain.coupons.templates import Benefit, TemplateDraft, TemplateStatus, Validity
from domain.orders import create, draft
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from domain.pricing import CouponKind
from domain.tenancy import Role
from schema.ids import to_global_id
from startup.clients import payment_providers
from startup.settings import Settings
from tests.admin_app.conftest import Phone
from tests.checkout.conftest import PaymentsSandbox, card, counter_sale, give, order_turns, shopper
from tests.conftest import Shop
from tests.coupons.conftest import Customer, make_staff
from tests.referrals.conftest import bind_phone

STAFF_PASSWORD = "staff-password-1"
MEMBER_PHONE = "13812345678"


async def catalog_item(mongo: Mongo, shop: Shop, name: str, price_fen: int) -> catalog.CatalogItem:
    spec = catalog.ItemSpec(catalog.ItemKind.SERVICE, name, price_fen, True, ())
    return await catalog.create_item(mongo=mongo, actor=shop.merchant.owner, spec=spec)


async def coupon_for(mongo: Mongo, shop: Shop, member: Customer, title: str = "满100减20") -> ObjectId:
    """An active 满100减20 template of the shop, and one coupon of it claimed by the member."""
    owner = shop.merchant.owner
    benefit = Benefit(kind=CouponKind.AMOUNT_OFF, value_fen=2_000, minimum_spend_fen=10_000)
    made = await templates.create_template(
        mongo=mongo, actor=owner, draft=TemplateDraft(title=title, benefit=benefit, validity=Validity(days=30))
    )
    await templates.set_template_status(mongo=mongo, actor=owner, template_id=made.id, status=TemplateStatus.ACTIVE)
    claimed = await claims.claim_coupon(
        mongo=mongo,
        merchant_id=owner.merchant_id,
        member_id=member.id,
        template_id=made.id,
        idempotency_key=uuid.uuid4().hex,
    )
    return claimed.held.coupon.id


async def paid_in_cash(mongo: Mongo, shop: Shop, member: Customer, amount_fen: int) -> ObjectId:
    """An order of the member's, rung up and paid in cash at the counter by the owner."""
    return await counter_sale(mongo, shop, shop.merchant.store.id, amount_fen, member_id=member.id)


async def test_cashier_takes_a_stored_value_bill_with_a_coupon_at_the_price_the_api_computed(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member with a phone, 200 yuan of stored value and a 满100减20 coupon, a 38 yuan cut, and a cashier
    member = await shopper(mongo, shop, "王小美")
    await bind_phone(mongo, pii, shop, member.id, MEMBER_PHONE)
    await give(mongo, shop, member, stored=(20_000, 0))
    coupon_id = await coupon_for(mongo, shop, member)
    await catalog_item(mongo, shop, "洗剪吹", 3_800)
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    page = phone.page

    # when the cashier finds the member by phone
    await phone.open("/bill")
    await page.get_by_placeholder("手机号 / 卡号 / 会员码").fill(MEMBER_PHONE)
    await page.get_by_role("button", name="识别").click()
    await expect(page.locator("[data-test=bill-member]")).to_contain_text("王小美0")
    await expect(page.locator("[data-test=member-stored-value]")).to_have_text("¥200.00")

    # and rings up three cuts
    await page.get_by_role("button", name="添加项目").click()
    cut = page.locator("[data-test=catalog-item]", has_text="洗剪吹")
    for _ in range(3):
        await cut.locator(".van-stepper__plus").click()
    await page.get_by_role("button", name="完成").click()
    await expect(page.locator("[data-test=bill-line]")).to_have_count(1)

    # and picks the member's coupon
    await expect(page.locator("[data-test=coupon-cell]")).to_contain_text("1 张可用")
    await page.locator("[data-test=coupon-cell]").click()
    await page.locator("[data-test=coupon-option]", has_text="满100减20").click()

    # then the price is the API's: 114 yuan less the coupon's 20
    await expect(page.locator("[data-test=price-list]")).to_have_text("¥114.00")
    await expect(page.locator("[data-test=price-coupon]")).to_have_text("-¥20.00")
    await expect(page.locator("[data-test=price-due]")).to_have_text("¥94.00")
    await phone.shot("bill")

    # when the cashier checks out and takes it from stored value
    await page.locator("[data-test=checkout]").click()
    await expect(page.locator("[data-test=collect-amount]")).to_have_text("¥94.00")
    await page.get_by_role("button", name=re.compile("储值支付")).click()
    await expect(page.get_by_text("从会员储值扣 ¥94.00？")).to_be_visible()
    await page.get_by_role("button", name="确认").click()

    # then the screen says paid, with the balance left
    await expect(page.locator("[data-test=bill-paid]")).to_contain_text("收款成功")
    await expect(page.locator("[data-test=balance-now]")).to_have_text("会员储值余额 ¥106.00")

    # and the database holds the paid order, the stored value spent by exactly its price, and the coupon used
    order = await mongo.db[c.ORDERS].find_one({"member_id": member.id})
    assert order is not None
    assert (order["status"], order["paid"]["method"], order["price"]["due_fen"]) == ("PAID", "STORED_VALUE", 9_400)
    assert order["coupon_id"] == coupon_id
    [spent] = await mongo.db[c.LEDGER].find({"member_id": member.id, "kind": "SPEND"}).to_list()
    assert (spent["account"], spent["amount"], spent["reference"]) == ("STORED_VALUE", -9_400, f"order:{order['_id']}")
    held = await card(mongo, member)
    assert held["stored_paid"] + held["stored_bonus"] == 20_000 - 9_400
    coupon = await mongo.db[c.COUPONS].find_one({"_id": coupon_id})
    assert coupon is not None and coupon["status"] == "REDEEMED"


async def test_cashier_takes_cash_for_a_typed_amount_from_a_walk_in(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier and no member at the counter
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    page = phone.page

    # when the cashier types 88.8 yuan
    await phone.open("/bill")
    await page.get_by_role("tab", name="输入金额").click()
    await page.get_by_role("textbox", name="金额").fill("88.8")

    # then the API's price is the amount, nothing off
    await expect(page.locator("[data-test=price-due]")).to_have_text("¥88.80")

    # when they check out and take cash
    await page.locator("[data-test=checkout]").click()
    await page.get_by_role("button", name="现金").click()
    await expect(page.get_by_text("已收现金 ¥88.80？")).to_be_visible()
    await page.get_by_role("button", name="确认").click()

    # then it is paid, and the database holds a walk-in's cash order of 88.80 yuan
    await expect(page.locator("[data-test=bill-paid]")).to_contain_text("现金收款")
    [order] = await mongo.db[c.ORDERS].find({}).to_list()
    assert (order["status"], order["paid"]["method"], order["member_id"]) == ("PAID", "CASH", None)
    assert order["price"]["due_fen"] == 8_880
    assert await mongo.db[c.LEDGER].count_documents({"kind": "SPEND"}) == 0


async def test_the_member_card_opens_the_bill_with_the_member_on_it(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a member holding 50 yuan of stored value and a coupon, and a cashier
    member = await shopper(mongo, shop, "赵女士")
    await give(mongo, shop, member, stored=(5_000, 0))
    await coupon_for(mongo, shop, member)
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)

    # when the member's card sends the cashier to the bill
    await phone.open(f"/bill?member={member.gid}")

    # then the bill is the member's, with their balance and their usable coupon
    await expect(phone.page.locator("[data-test=bill-member]")).to_contain_text("赵女士0")
    await expect(phone.page.locator("[data-test=member-stored-value]")).to_have_text("¥50.00")
    await expect(phone.page.locator("[data-test=coupon-cell]")).to_contain_text("1 张可用")


async def test_a_walk_in_scans_the_wechat_code_the_bill_shows_and_the_screen_turns_paid(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a cashier with a 35 yuan bill for a walk-in
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    page = phone.page
    await phone.open("/bill")
    await page.get_by_role("tab", name="输入金额").click()
    await page.get_by_role("textbox", name="金额").fill("35")
    await expect(page.locator("[data-test=price-due]")).to_have_text("¥35.00")
    await page.locator("[data-test=checkout]").click()

    # when the cashier shows a WeChat Pay code
    await page.get_by_role("button", name="微信收款码").click()
    code = page.locator("[data-test=pay-code]")
    await expect(code.get_by_role("img", name="微信收款码")).to_be_visible()
    await expect(code).to_contain_text("等待顾客支付")
    url = await code.get_attribute("data-code-url")
    assert url
    [order] = await mongo.db[c.ORDERS].find({}).to_list()
    assert order["status"] == "PENDING"

    # and whoever stands at the counter scans it and pays in WeChat
    delivery = await payments_sandbox.sandbox.scan_and_pay(url)
    assert delivery is not None and delivery.status == 204

    # then the bill, following the order, turns to paid by WeChat Pay
    await expect(page.locator("[data-test=bill-paid]")).to_contain_text("微信支付收款")
    paid = await order_turns(mongo, str(to_global_id("Order", order["_id"])), "PAID")
    assert (paid["paid"]["method"], paid["price"]["due_fen"]) == ("WECHAT_PAY", 3_500)


async def test_a_typed_amount_that_is_not_yuan_is_refused_under_the_field(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier on the bill
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    await phone.open("/bill")
    await phone.page.get_by_role("tab", name="输入金额").click()

    # when they type three decimals
    await phone.page.get_by_role("textbox", name="金额").fill("12.345")

    # then the field says so, there is nothing to check out, and no order was made
    await expect(phone.page.get_by_text("请输入正确的金额（最多两位小数）")).to_be_visible()
    await expect(phone.page.locator("[data-test=checkout]")).to_be_disabled()
    assert await mongo.db[c.ORDERS].count_documents({}) == 0


async def test_a_manager_refunds_part_of_an_order(phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given a member's order of 100 yuan paid in cash, and a manager
    member = await shopper(mongo, shop, "李先生")
    order_id = await paid_in_cash(mongo, shop, member, 10_000)
    await make_staff(mongo, pii, shop, Role.MANAGER, "13700000002", name="王经理")
    await phone.sign_in_as("13700000002", STAFF_PASSWORD)
    page = phone.page

    # when the manager opens the order and refunds 30 yuan with a reason
    await phone.open(f"/orders/{to_global_id('Order', order_id)}")
    await expect(page.locator("[data-test=order-status]")).to_have_text("已支付")
    await page.locator("[data-test=refund]").click()
    await page.get_by_label("退款金额").fill("30")
    await page.get_by_label("原因").fill("顾客不满意")
    await page.locator("[data-test=refund-submit]").click()
    await expect(page.get_by_text("退给顾客 ¥30.00？")).to_be_visible()
    await page.get_by_role("button", name="确认").click()

    # then the order shows the refund and what is left to refund
    await expect(page.locator("[data-test=order-status]")).to_have_text("部分退款")
    await expect(page.locator("[data-test=refund-row]")).to_contain_text("顾客不满意")
    await expect(page.locator("[data-test=refund-row]")).to_contain_text("-¥30.00")
    await expect(page.locator("[data-test=refund]")).to_contain_text("可退 ¥70.00")
    await expect(page.locator(".van-toast")).to_be_hidden()
    await phone.shot("order-refund")

    # and the database holds the refund and the order's amounts
    [refund] = await mongo.db[c.REFUNDS].find({"order_id": order_id}).to_list()
    assert (refund["amount_fen"], refund["status"], refund["reason"]) == (3_000, "SUCCEEDED", "顾客不满意")
    order = await mongo.db[c.ORDERS].find_one({"_id": order_id})
    assert order is not None
    assert (order["status"], order["refunded_fen"], order["price"]["due_fen"]) == ("PARTIALLY_REFUNDED", 3_000, 10_000)


async def test_a_cashier_sees_the_paid_order_but_no_refund(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a paid order and a cashier
    member = await shopper(mongo, shop, "李先生")
    order_id = await paid_in_cash(mongo, shop, member, 10_000)
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    page = phone.page

    # when the cashier lists the paid orders and opens it
    await phone.open("/orders?status=PAID")
    await expect(page.get_by_role("tab", name="已支付")).to_have_attribute("aria-selected", "true")
    await page.locator("[data-test=order-row]", has_text="李先生0").click()

    # then they see the order and what was paid, but no way to refund it
    await expect(page.locator("[data-test=order-due]")).to_have_text("¥100.00")
    await expect(page.locator("[data-test=order-status]")).to_have_text("已支付")
    await expect(page.locator("[data-test=refund]")).to_have_count(0)
    assert await mongo.db[c.REFUNDS].count_documents({"order_id": order_id}) == 0


async def test_a_refund_wechat_pay_has_not_confirmed_is_listed_as_refunding(
    phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop, settings: Settings, payments_sandbox: PaymentsSandbox
) -> None:
    # given a walk-in's 100 yuan paid by scanning the counter's WeChat Pay code
    owner = shop.merchant.owner
    made = await create.create_counter_order(
        mongo=mongo,
        actor=owner,
        store_id=shop.merchant.store.id,
        member_id=None,
        items=[],
        amount_fen=10_000,
        discounts=draft.Discounts(),
        note="",
        idempotency_key=uuid.uuid4().hex,
    )
    order_gid = str(to_global_id("Order", made.order.id))
    async with httpx.AsyncClient() as http:
        shown = await pay.pay_order(
            mongo=mongo,
            providers=payment_providers(settings, http),
            payer=pay.Payer(owner.merchant_id, staff=owner),
            order_id=made.order.id,
            method=PayMethod.WECHAT_PAY,
            idempotency_key=uuid.uuid4().hex,
        )
    assert shown.code is not None
    await payments_sandbox.sandbox.scan_and_pay(shown.code.url)
    await order_turns(mongo, order_gid, "PAID")
    # and 30 yuan of it being refunded while WeChat Pay cannot be reached
    down = Settings(
        _env_file=None, **settings.model_dump() | {"wechatpay_api_base": f"http://127.0.0.1:{embedded.free_port()}"}
    )
    async with httpx.AsyncClient() as http:
        with pytest.raises(CheckoutError) as waiting:
            await refunds.refund_order(
                mongo=mongo,
                providers=payment_providers(down, http),
                actor=owner,
                order_id=made.order.id,
                amount_fen=3_000,
                reason="顾客不满意",
                idempotency_key=uuid.uuid4().hex,
            )
    assert waiting.value.code is CheckoutCode.PROVIDER_UNAVAILABLE
    await make_staff(mongo, pii, shop, Role.MANAGER, "13700000002")
    await phone.sign_in_as("13700000002", STAFF_PASSWORD)
    page = phone.page

    # when the manager opens the list the home screen's 退款中 counter opens
    await phone.open("/orders?refundInProgress=true")

    # then the 退款中 tab lists the order, still paid, whose refund is waiting
    await expect(page.get_by_role("tab", name="退款中")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("[data-test=order-row]")).to_have_count(1)
    await page.locator("[data-test=order-row]").click()
    await expect(page.locator("[data-test=order-status]")).to_have_text("已支付")
    await expect(page.locator("[data-test=refund-row]")).to_contain_text("退款中")
    # and what can still be refunded leaves out the 30 yuan on its way
    await expect(page.locator("[data-test=refund]")).to_contain_text("可退 ¥70.00")
    [refund] = await mongo.db[c.REFUNDS].find({"order_id": made.order.id}).to_list()
    assert (refund["amount_fen"], refund["status"]) == (3_000, "PROCESSING")


async def test_a_cashier_closes_an_unpaid_order(phone: Phone, mongo: Mongo, pii: PiiCipher, shop: Shop) -> None:
    # given an order nobody paid, and a cashier
    made = await create.create_counter_order(
        mongo=mongo,
        actor=shop.merchant.owner,
        store_id=shop.merchant.store.id,
        member_id=None,
        items=[],
        amount_fen=5_000,
        discounts=draft.Discounts(),
        note="",
        idempotency_key=uuid.uuid4().hex,
    )
    await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")
    await phone.sign_in_as("13700000001", STAFF_PASSWORD)
    page = phone.page

    # when the cashier finds it among the unpaid orders and closes it
    await phone.open("/orders?status=PENDING")
    await page.locator("[data-test=order-row]", has_text="散客").click()
    await page.get_by_role("button", name="关闭订单").click()
    await page.get_by_role("button", name="确认").click()

    # then it shows closed, and is closed in the database
    await expect(page.locator("[data-test=order-status]")).to_have_text("已关闭")
    order = await mongo.db[c.ORDERS].find_one({"_id": made.order.id})
    assert order is not None and order["status"] == "CLOSED"
