"""隐私政策 in a real browser: the owner publishes a version in effect now and one from a later day, is told when a
version number was used before, and a manager reads them without a way to publish. Photographed as
privacy-policies and privacy-publish.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.pii import PiiCipher
from domain.privacy import policy
from domain.tenancy import Role
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.coupons.conftest import make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _publish(phone: Phone, version: str, title: str, *, text: str = "", link: str = "", day: str = "") -> None:
    """Fills the publish form as an owner would and confirms the dialog."""
    page = phone.page
    await page.locator("input[name=version]").fill(version)
    await page.locator("input[name=title]").fill(title)
    if link:
        await page.get_by_role("radio", name="填写链接").click()
        await page.locator("input[name=url]").fill(link)
    else:
        await page.locator("textarea[name=text]").fill(text)
    if day:
        await page.get_by_role("radio", name="指定日期").click()
        await page.locator("input[name=day]").fill(day)
    await page.get_by_role("button", name="发布", exact=True).click()
    await page.locator(".van-dialog__confirm").click()


async def test_the_owner_publishes_privacy_policies_and_a_manager_reads_them(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a store with no privacy policy of its own
    page = phone.page
    next_week = (datetime.now(SHANGHAI) + timedelta(days=7)).date()

    # when the owner opens 我的 → 隐私政策
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/mine")
    await page.locator("[data-test=privacy-policies]").click()

    # then the screen says members see the platform's default
    await expect(page.locator("[data-test=no-policy]")).to_contain_text("平台默认版本")

    # when they publish a version in effect now, with its text
    await page.locator("[data-test=publish-policy]").click()
    await page.locator("input[name=version]").fill("2026.12")
    await page.locator("input[name=title]").fill("积客会员隐私政策")
    await page.locator("textarea[name=text]").fill("我们为办理会员卡收集您的手机号，仅用于会员服务。")
    await phone.shot("privacy-publish")
    await page.get_by_role("button", name="发布", exact=True).click()
    await page.locator(".van-dialog__confirm").click()

    # then it is listed as in effect
    policies = page.locator("[data-test=policy]")
    await expect(policies).to_have_count(1)
    await expect(policies.first).to_have_attribute("data-state", "current")
    await expect(policies.first).to_contain_text("生效中")

    # when they publish a linked version from a day next week
    await page.locator("[data-test=publish-policy]").click()
    await _publish(phone, "2027.01", "会员隐私政策（新版）", link="https://jike.example.cn/privacy", day=str(next_week))

    # then it waits for its day above the one in effect, from midnight store time
    await expect(policies).to_have_count(2)
    await expect(policies.nth(0)).to_have_attribute("data-state", "scheduled")
    await expect(policies.nth(0)).to_contain_text("待生效")
    await expect(policies.nth(1)).to_have_attribute("data-state", "current")
    await policies.nth(1).click()
    await expect(policies.nth(1).get_by_text("仅用于会员服务")).to_be_visible()
    await expect(page.locator(".van-toast")).to_be_hidden()
    await phone.shot("privacy-policies")
    later = await mongo.db[c.PRIVACY_POLICIES].find_one({"version": "2027.01"})
    assert later is not None and later["url"] == "https://jike.example.cn/privacy" and later["text"] is None
    midnight = datetime.combine(next_week, datetime.min.time(), SHANGHAI)
    assert later["effective_at"].replace(tzinfo=UTC) == midnight

    # when they publish under a version number used before
    await page.locator("[data-test=publish-policy]").click()
    await _publish(phone, "2026.12", "重复的版本", text="……")

    # then the form says so under the version, and nothing was added
    await expect(page.locator("[data-test=policy-form]")).to_contain_text("该版本号已发布过")
    assert await mongo.db[c.PRIVACY_POLICIES].count_documents({}) == 2


async def test_a_manager_reads_the_privacy_policies_but_cannot_publish(
    phone: Phone, shop: Shop, mongo: Mongo, pii: PiiCipher
) -> None:
    # given a store with a published policy, and its manager
    await policy.publish(
        mongo=mongo,
        actor=shop.merchant.owner,
        version="2026.12",
        title="积客会员隐私政策",
        text="我们为办理会员卡收集您的手机号。",
        url=None,
        effective_at=None,
        now=datetime.now(UTC),
    )
    await make_staff(mongo, pii, shop, Role.MANAGER, "13800000072", name="店长小周")

    # when the manager opens 隐私政策 from 我的
    await phone.sign_in_as("13800000072", "staff-password-1")
    await phone.open("/mine")
    await phone.page.locator("[data-test=privacy-policies]").click()

    # then they read the version in effect, with no way to publish; the form's address sends them home
    await expect(phone.page.locator("[data-test=policy]")).to_contain_text("生效中")
    await expect(phone.page.locator("[data-test=publish-policy]")).to_have_count(0)
    await phone.open("/privacy/new")
    await expect(phone.page).to_have_url(f"{phone.url}/admin/")
