"""我的: a staff member's own QR code (员工专属二维码) to show a customer, who they are, and the app's language."""

import re

import pytest
from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from startup.settings import Settings
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.coupons.conftest import make_staff

QR_LINK_BASE = "https://jike.example.com/q"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with the link prefix registered for the mini-program, so share codes carry a QR link."""
    return Settings(_env_file=None, **settings.model_dump() | {"share_qr_link_base": QR_LINK_BASE})


async def test_a_cashier_shows_their_own_qr_code_and_switches_to_english(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a cashier signed in
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000051", name="收银小王")
    await phone.sign_in_as("13700000051", "staff-password-1")

    # when they open 我的
    await phone.open("/mine")

    # then they see who they are and their own QR code, drawn from their share code
    await expect(phone.page.get_by_text("收银小王")).to_be_visible()
    await expect(phone.page.get_by_text("收银员")).to_be_visible()
    share = phone.page.locator("[data-test=share-code]")
    drawn = share.get_by_role("img", name="我的专属二维码")
    await expect(drawn).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    kept = await mongo.db[c.SHARE_CODES].find_one({"owner_key": f"staff:{cashier.staff.id}"})
    assert kept is not None
    await expect(share.get_by_text(kept["_id"])).to_be_visible()
    await phone.shot("share-code")

    # when they switch to English
    await phone.page.get_by_role("radio", name="English").click()

    # then the screen speaks English, and still does after a reload
    await expect(phone.page.get_by_role("button", name="Sign out")).to_be_visible()
    await phone.page.reload()
    await expect(phone.page.get_by_text("My QR code")).to_be_visible()
    # and one share code is all the cashier has, however often it is shown
    assert await mongo.db[c.SHARE_CODES].count_documents({"owner_key": f"staff:{cashier.staff.id}"}) == 1
