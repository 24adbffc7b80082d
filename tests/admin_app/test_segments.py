"""The segments (会员分群) screens on a phone: a manager builds a segment, sees its live count and first members as
the filter changes, meets the API's refusal under the control it names, saves, renames and deletes it; and a
member is tagged and untagged from their card. Photographed as segment-builder (top, and -members), segment-list
and member-tags (and -add).
"""

import re

from playwright.async_api import expect

from db import collections as c
from db.mongo import Mongo
from domain.segments import rfm
from schema.ids import to_global_id
from tests.admin_app.conftest import Phone
from tests.conftest import Shop
from tests.segments.conftest import NOW, History, Paid, given_members


async def test_manager_builds_saves_renames_and_deletes_a_segment(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given four members: two regulars tagged 常客 who spent 300 and 1,200 yuan, one who spent 50, one who never paid
    await given_members(
        mongo,
        shop,
        [
            History("阿兰", [Paid(3, 30_000)], tags=["常客"]),
            History("宝儿", [Paid(70, 120_000)], tags=["常客", "敏感肌"]),
            History("晨晨", [Paid(5, 5_000)]),
            History("丹丹"),
        ],
    )
    # and the nightly job has scored them
    await rfm.refresh_all(mongo=mongo, now=NOW)

    # when the owner opens 会员分群 from the home screen and starts a new one
    await phone.sign_in_as(shop.owner_phone)
    await phone.open("/")
    await phone.page.get_by_text("会员分群").click()
    await expect(phone.page.get_by_text("还没有分群")).to_be_visible()
    await phone.page.locator("[data-test=new-segment]").click()

    # then everybody is counted
    count = phone.page.locator("[data-test=segment-count]")
    await expect(count).to_contain_text("共 4 位会员")

    # when they ask for the 常客 who spent at least 100 yuan
    await phone.page.locator("[data-test=tags]").get_by_text("常客").click()
    await phone.page.locator("[data-test=field-lifetimePaidMinFen] input").fill("100")

    # then the count and the first members follow
    await expect(count).to_contain_text("共 2 位会员")
    members = phone.page.locator("[data-test=segment-member]")
    await expect(members).to_have_count(2)
    await expect(members.first).to_contain_text("阿兰")
    await expect(members.first).to_contain_text("累计 ¥300.00")

    # when a window of days is given without the visits it counts; then the API's refusal is under 到店至少
    await phone.page.locator("[data-test=field-visitsInDays] input").fill("30")
    await expect(phone.page.locator("[data-test=field-visitsMin] .van-field__error-message")).to_be_visible()

    # when the window is cleared again; then the count is back, and they name the segment
    await phone.page.locator("[data-test=field-visitsInDays] input").fill("")
    await expect(count).to_contain_text("共 2 位会员")
    await phone.page.locator("[data-test=segment-name] input").fill("高消费常客")
    await phone.shot("segment-builder-members")
    await phone.page.evaluate("window.scrollTo(0, 0)")
    await phone.shot("segment-builder")

    # when they save it
    await phone.page.locator("[data-test=save-segment]").click()

    # then it is kept with its filter in fen, and the screen is the segment's own
    await expect(phone.page).to_have_url(re.compile(r"/admin/segments/(?!new$)[A-Za-z0-9=_-]+$"))
    kept = await mongo.db[c.SEGMENTS].find_one({"merchant_id": shop.merchant.merchant.id})
    assert kept is not None and kept["name"] == "高消费常客"
    assert kept["filter"] == {"tags_all": ["常客"], "lifetime_paid_min_fen": 10_000}

    # when they rename it
    await phone.page.locator("[data-test=segment-name] input").fill("老顾客")
    await phone.page.locator("[data-test=rename-segment]").click()
    await expect(phone.page.get_by_text("已改名")).to_be_visible()

    # then the list shows the new name
    await phone.open("/segments")
    await expect(phone.page.locator("[data-test=segment-row]")).to_contain_text("老顾客")
    await phone.shot("segment-list")

    # when they open it and delete it
    await phone.page.locator("[data-test=segment-row]").click()
    await expect(count).to_contain_text("共 2 位会员")
    await phone.page.locator("[data-test=delete-segment]").click()
    await phone.page.locator(".van-dialog__confirm").click()

    # then it is gone
    await expect(phone.page.get_by_text("还没有分群")).to_be_visible()
    assert await mongo.db[c.SEGMENTS].count_documents({"merchant_id": shop.merchant.merchant.id}) == 0


async def test_staff_tag_and_untag_a_member_from_their_card(phone: Phone, shop: Shop, mongo: Mongo) -> None:
    # given a member already tagged 常客
    [member_id] = await given_members(mongo, shop, [History("阿兰", [Paid(3, 30_000)], tags=["常客"])])
    await phone.sign_in_as(shop.owner_phone)
    await phone.open(f"/members/{to_global_id('Member', member_id)}")
    tags = phone.page.locator("[data-test=member-tags]")
    await expect(tags).to_contain_text("常客")

    # when a tag with a character tags cannot hold is typed; then the refusal shows on the field, nothing changes
    await tags.locator("[data-test=add-tag]").click()
    await phone.page.locator("[data-test=tag-input] input").fill("敏感肌!")
    await phone.page.locator("[data-test=tag-add]").click()
    await expect(phone.page.locator("[data-test=tag-input] .van-field__error-message")).to_be_visible()

    # when 敏感肌 is added
    await phone.page.locator("[data-test=tag-input] input").fill("敏感肌")
    await phone.shot("member-tags-add")
    await phone.page.locator("[data-test=tag-add]").click()
    await expect(phone.page.locator("[data-test=tag-input]")).to_be_hidden()

    # then the card shows both, as the member's facts do
    await expect(tags.locator("[data-test=tag-敏感肌]")).to_be_visible()
    await phone.shot("member-tags")
    facts = await mongo.db[c.MEMBER_FACTS].find_one({"merchant_id": shop.merchant.merchant.id, "member_id": member_id})
    assert facts is not None and facts["tags"] == ["常客", "敏感肌"]

    # when 常客 is removed by its cross; then it is gone here and for segments
    await tags.locator("[data-test=tag-常客] .van-tag__close").click()
    await expect(tags.locator("[data-test=tag-常客]")).to_have_count(0)
    facts = await mongo.db[c.MEMBER_FACTS].find_one({"merchant_id": shop.merchant.merchant.id, "member_id": member_id})
    assert facts is not None and facts["tags"] == ["敏感肌"]
