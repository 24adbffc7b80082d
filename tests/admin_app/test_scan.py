"""The scan screen (扫码核销): a cashier types or scans a code into one field; a coupon shows what it is before it is
redeemed, a used one says when, where and by whom, and a member code opens that member."""

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import async_playwright, expect
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.cards import member_code
from domain.coupons import redemption
from domain.keyring import Keyring
from domain.pii import PiiCipher
from startup.settings import Settings
from tests.admin_app.conftest import CHROMIUM_ARGS, PHONE, SCREENSHOTS, Phone
from tests.conftest import SECRET_KEY, Gql, Shop
from tests.coupons.conftest import Colleague, claimed_coupon, make_member, make_staff, new_template, oid

APP = SCREENSHOTS.parent
CASHIER_PHONE = "13700000031"
STAFF_PASSWORD = "staff-password-1"


def coupon_code(shop: Shop, coupon_gid: str) -> str:
    """The code the member's phone shows for the coupon, made for the coming minute (as a phone whose clock runs a
    little ahead would), so it stays good for over a minute whatever second the test starts at."""
    window = int(datetime.now(UTC).timestamp()) // redemption.WINDOW_S + 1
    return redemption.signer_for(Keyring(SECRET_KEY)).sign(shop.merchant.merchant.id, oid("Coupon", coupon_gid), window)


async def a_claimed_coupon(gql: Gql, owner_token: str, shop: Shop, mongo: Mongo) -> str:
    template = await new_template(gql, owner_token, title="满100减20", terms="周末可用")
    member = await make_member(mongo, shop, "alice")
    return await claimed_coupon(gql, member, template)


async def coupon_doc(mongo: Mongo, coupon_gid: str) -> dict[str, Any]:
    doc = await mongo.db[c.COUPONS].find_one({"_id": oid("Coupon", coupon_gid)})
    assert doc is not None
    return doc


async def a_cashier(mongo: Mongo, pii: PiiCipher, shop: Shop) -> Colleague:
    return await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, CASHIER_PHONE, name="收银小王")


async def type_code(phone: Phone, code: str) -> None:
    await phone.page.get_by_label("券码").fill(code)
    await phone.page.get_by_role("button", name="查询").click()


async def settled(phone: Phone) -> None:
    """No sheet still sliding in and no toast left over, so a screenshot shows the screen as the cashier sees it."""
    await expect(phone.page.locator(".van-popup-slide-bottom-enter-active")).to_have_count(0)
    await expect(phone.page.locator(".van-toast")).to_be_hidden()


async def test_cashier_redeems_a_typed_coupon_code_and_a_second_scan_says_when_where_and_who(
    phone: Phone, shop: Shop, gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a member's coupon 满100减20 and the store's cashier
    coupon = await a_claimed_coupon(gql, owner_token, shop, mongo)
    cashier = await a_cashier(mongo, pii, shop)
    code = coupon_code(shop, coupon)

    # when the cashier signs in and opens the scan screen from home
    await phone.open("/")
    await phone.page.get_by_label("手机号").fill(CASHIER_PHONE)
    await phone.page.get_by_label("密码").fill(STAFF_PASSWORD)
    await phone.page.get_by_role("button", name="登录").click()
    await phone.page.get_by_role("button", name="扫码").click()

    # and types the code the member shows
    await type_code(phone, code)

    # then the coupon is shown before anything happens: what it gives, whose it is, its terms
    sheet = phone.page.locator("[data-test=coupon-sheet]")
    await expect(sheet.get_by_text("满 ¥100.00 减 ¥20.00")).to_be_visible()
    await expect(sheet.get_by_text("alice0")).to_be_visible()
    await expect(sheet.get_by_text("周末可用")).to_be_visible()
    await settled(phone)
    await phone.shot("scan")
    assert (await coupon_doc(mongo, coupon))["status"] == "ACTIVE"

    # when the cashier confirms
    await sheet.get_by_role("button", name="确认核销").click()

    # then it says so, and the coupon is redeemed at the store by the cashier
    await expect(phone.page.locator("[data-test=last-redeemed]")).to_contain_text("满100减20 · alice0")
    used = await coupon_doc(mongo, coupon)
    assert used["status"] == "REDEEMED"
    assert used["redemption"]["store_id"] == shop.merchant.store.id
    assert used["redemption"]["staff_id"] == cashier.staff.id

    # when the same code is scanned again
    await settled(phone)
    await type_code(phone, code)

    # then the sheet says when, where and by whom it was used, and offers no redeeming
    when = used["redemption"]["at"].replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    alert = sheet.get_by_role("alert")
    await expect(alert).to_have_text(f"已于 {when} 在 甲店一号店 由 收银小王 核销")
    await expect(sheet.get_by_role("button", name="确认核销")).to_be_disabled()
    await settled(phone)
    await phone.shot("scan-already-redeemed")
    # and the coupon still holds its one redemption
    again = await coupon_doc(mongo, coupon)
    assert again["redemption"] == used["redemption"]


async def test_a_member_code_opens_that_members_card_and_is_used_up(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher, settings: Settings
) -> None:
    # given a member showing their member code, and a signed-in cashier on the scan screen
    member = await make_member(mongo, shop, "bob")
    shown = member_code.issue_member_code(
        signer=member_code.signer_for(Keyring(SECRET_KEY)), merchant_id=shop.merchant.merchant.id, member_id=member.id
    )
    await a_cashier(mongo, pii, shop)
    await phone.sign_in_as(CASHIER_PHONE, STAFF_PASSWORD)
    await phone.open("/scan")

    # when the cashier types it
    await type_code(phone, shown.code)

    # then the member's card opens
    await expect(phone.page).to_have_url(re.compile(f"/admin/members/{re.escape(member.gid)}$"))
    # and the code is used up: a screenshot of it opens nothing
    redis = Redis.from_url(settings.redis_url.get_secret_value())
    try:
        assert await redis.exists(f"member_code:used:{member_code.bare(shown.code)}") == 1
    finally:
        await redis.aclose()


async def test_a_text_that_is_no_code_says_so_under_the_field(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a cashier on the scan screen
    await a_cashier(mongo, pii, shop)
    await phone.sign_in_as(CASHIER_PHONE, STAFF_PASSWORD)
    await phone.open("/scan")

    # when they type something that is no code, then a coupon code with a typo
    await type_code(phone, "hello")
    await expect(phone.page.get_by_text("认不出这个码：请扫顾客的券码或会员码")).to_be_visible()
    await type_code(phone, "CPN-" + "A" * 48)

    # then the API's refusal shows under the field, and nothing was redeemed
    await expect(phone.page.locator(".van-field__error-message")).to_have_text("核销码无效")
    assert await mongo.db[c.COUPONS].count_documents({"status": "REDEEMED"}) == 0


def qr_video(text: str, path: Path) -> Path:
    """A one-frame Y4M video of `text` as a QR code (drawn by the app's own `qrcode` package), for chromium's fake
    camera to show in a loop."""
    script = (
        "const q = require('qrcode').create(process.argv[1]);"
        "process.stdout.write(JSON.stringify({size: q.modules.size, dark: Array.from(q.modules.data)}))"
    )
    drawn = json.loads(subprocess.run(["node", "-e", script, text], cwd=APP, capture_output=True, check=True).stdout)
    size, dark, scale = drawn["size"], drawn["dark"], 10
    width, height = 640, 480
    left, top = (width - size * scale) // 2, (height - size * scale) // 2
    luma = bytearray(b"\xff" * width * height)
    for y in range(size * scale):
        for x in range(size * scale):
            if dark[(y // scale) * size + x // scale]:
                luma[(top + y) * width + left + x] = 0
    chroma = b"\x80" * (width // 2) * (height // 2) * 2
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + luma + chroma)
    return path


async def test_the_camera_reads_a_coupon_qr_with_the_zxing_wasm_we_serve(
    shop: Shop, gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, app_url: str, chromium: Path, tmp_path: Path
) -> None:
    # given a member holding their coupon's QR code up to the cashier's phone camera
    coupon = await a_claimed_coupon(gql, owner_token, shop, mongo)
    video = qr_video(coupon_code(shop, coupon), tmp_path / "qr.y4m")
    await a_cashier(mongo, pii, shop)
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS + camera)
        context = await browser.new_context(**PHONE, permissions=["camera"])  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        phone = Phone(await context.new_page(), context, app_url)
        fetched: list[str] = []
        phone.page.on("request", lambda request: fetched.append(request.url))
        try:
            # when the cashier opens the scan screen
            await phone.sign_in_as(CASHIER_PHONE, STAFF_PASSWORD)
            await phone.open("/scan")

            # then the camera reads it and the coupon is shown, ready to redeem
            sheet = phone.page.locator("[data-test=coupon-sheet]")
            await expect(sheet.get_by_text("满 ¥100.00 减 ¥20.00")).to_be_visible()
            await expect(sheet.get_by_role("button", name="确认核销")).to_be_enabled()
        finally:
            await context.close()
            await browser.close()

    # and the reader's wasm came from our own server, nothing from a CDN
    wasm = [url for url in fetched if url.endswith(".wasm")]
    assert len(wasm) == 1 and wasm[0].startswith(f"{app_url}/admin/assets/"), fetched
    assert all(url.startswith(app_url) for url in fetched), fetched
    # and looking redeemed nothing
    assert (await coupon_doc(mongo, coupon))["status"] == "ACTIVE"
