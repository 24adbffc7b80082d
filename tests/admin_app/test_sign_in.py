"""Signing in to the staff app: phone and password, the API's refusal under the field, and the signed-out screen
when the API refuses the phone's refresh token."""

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from tests.admin_app.conftest import Phone
from tests.conftest import Shop


async def test_owner_signs_in_and_lands_on_the_home_screen(phone: Phone, shop: Shop) -> None:
    # given the sign-in screen
    await phone.open("/")
    await expect(phone.page.get_by_role("button", name="登录")).to_be_visible()

    # when the owner types their phone and password
    await phone.page.get_by_label("手机号").fill(shop.owner_phone)
    await phone.page.get_by_label("密码").fill("owner-password-1")
    await phone.page.get_by_role("button", name="登录").click()

    # then the home screen shows the merchant and the store
    await expect(phone.page.get_by_text("甲店一号店")).to_be_visible()
    await expect(phone.page.get_by_role("button", name="扫码")).to_be_visible()
    await phone.shot("signed-in")


async def test_wrong_password_shows_the_apis_message(phone: Phone, shop: Shop) -> None:
    await phone.open("/sign-in")
    await phone.page.get_by_label("手机号").fill(shop.owner_phone)
    await phone.page.get_by_label("密码").fill("not-the-password")
    await phone.page.get_by_role("button", name="登录").click()

    await expect(phone.page.get_by_text("手机号或密码错误")).to_be_visible()
    assert phone.page.url.endswith("/admin/sign-in")


async def test_a_revoked_session_lands_on_the_signed_out_screen(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given a signed-in phone whose access token has run out
    await phone.sign_in_as(shop.owner_phone)
    await phone.context.add_init_script(
        "const s = JSON.parse(localStorage.getItem('jike.admin.session'));"
        "s.accessTokenExpiresAt = '2000-01-01T00:00:00Z';"
        "localStorage.setItem('jike.admin.session', JSON.stringify(s));"
    )
    # and every refresh token of the merchant revoked (signed out elsewhere)
    await mongo.db[c.REFRESH_TOKENS].delete_many({})

    # when the app opens
    await phone.open("/")

    # then it says so and offers to sign in again
    await expect(phone.page.get_by_text("已退出登录")).to_be_visible()
    await expect(phone.page.get_by_role("button", name="重新登录")).to_be_visible()
