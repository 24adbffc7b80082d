"""Scanning at the counter: one field takes every code, so a coupon's redeem code and a member code tell
themselves apart by their text; the cashier sees what a coupon code names (and, for a used coupon, when, where
and by whom) before redeeming it, and looking changes nothing.
"""

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db.mongo import Mongo
from domain import tenancy
from domain.coupons import redemption
from domain.keyring import Keyring
from domain.pii import PiiCipher
from tests.conftest import SECRET_KEY, Gql, Shop, count_commands
from tests.coupons.conftest import Customer, claimed_coupon, make_member, make_staff, new_template, oid, store_gid
from tests.coupons.test_redemption import _code, _redeem

MEMBER_CODE = "query { memberCode { code } }"
PREVIEW = """
query($store: ID!, $code: String!) {
  couponByCode(storeId: $store, code: $code) {
    preview {
      coupon { id status validFrom validTo ownerMemberId
               template { title terms benefit { kind valueFen minimumSpendFen } validity { days } } }
      memberName codeExpiresAt
      redemption { at storeName staffName }
      refusal { field code message }
    }
    userErrors { field code message }
  }
}
"""


async def _preview(gql: Gql, token: str, code: str, store: str, lang: str | None = None) -> dict[str, Any]:
    body = await gql("admin", PREVIEW, {"store": store, "code": code}, token=token, lang=lang)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["couponByCode"]
    return payload


async def _coupon(gql: Gql, owner_token: str, mongo: Mongo, shop: Shop, nickname: str) -> tuple[Customer, str]:
    template = await new_template(gql, owner_token, title="满100减20", terms="周末可用")
    member = await make_member(mongo, shop, nickname)
    return member, await claimed_coupon(gql, member, template)


async def test_a_coupon_code_and_a_member_code_say_what_they_are(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member showing their member code and one of their coupons' redeem code
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    member_code = (await gql("member", MEMBER_CODE, token=member.token))["data"]["memberCode"]["code"]
    coupon_code = await _code(gql, member, coupon)

    # when the staff app reads the two texts
    shapes = [re.fullmatch(r"(MBR|CPN)-[A-Z2-7]{48}", code) for code in (member_code, coupon_code)]

    # then each names its kind in its prefix
    assert [shape[1] if shape else None for shape in shapes] == ["MBR", "CPN"]


async def test_the_cashier_sees_the_coupon_and_whose_it_is_before_redeeming_and_looking_changes_nothing(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member at the counter showing a coupon's code
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    code = await _code(gql, member, coupon)

    # when the cashier scans it
    payload = await _preview(gql, owner_token, code, store_gid(shop))

    # then they see the template, the benefit and its conditions, its validity and the member, and it can be used
    preview = payload["preview"]
    assert payload["userErrors"] == [] and preview["refusal"] is None and preview["redemption"] is None
    assert preview["memberName"] == "alice0" and preview["coupon"]["ownerMemberId"] == member.gid
    assert preview["coupon"]["status"] == "ACTIVE"
    assert preview["coupon"]["template"] == {
        "title": "满100减20",
        "terms": "周末可用",
        "benefit": {"kind": "AMOUNT_OFF", "valueFen": 2000, "minimumSpendFen": 10000},
        "validity": {"days": 30},
    }
    expires = datetime.fromisoformat(preview["codeExpiresAt"])
    assert timedelta(0) < expires - datetime.now(UTC) <= timedelta(seconds=redemption.WINDOW_S)
    # and the coupon is still the member's to use, with the same code
    assert (await _redeem(gql, owner_token, code, store_gid(shop)))["userErrors"] == []


async def test_cashier_sees_already_redeemed_with_who_and_where(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a coupon a cashier of the shop redeemed a moment ago, and its code scanned again at another till
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000021", name="收银小王")
    code = await _code(gql, member, coupon)
    redeemed = await _redeem(gql, cashier.token, code, store_gid(shop))

    # when the owner looks at the code
    preview = (await _preview(gql, owner_token, code, store_gid(shop)))["preview"]

    # then it reads REDEEMED, at the shop by the cashier, and redeeming it would say so in those words
    assert preview["coupon"]["status"] == "REDEEMED"
    assert preview["redemption"] == redeemed["redemption"]
    assert preview["redemption"]["storeName"] == "甲店一号店" and preview["redemption"]["staffName"] == "收银小王"
    at = datetime.fromisoformat(preview["redemption"]["at"])
    when = at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert preview["refusal"] == {
        "field": "code",
        "code": "ALREADY_REDEEMED",
        "message": f"该券已核销：{when} 于甲店一号店，由收银小王核销",
    }


async def test_an_expired_scan_still_shows_the_coupon_and_says_the_code_is_old(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a screenshot of a coupon's code made five minutes ago
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    window = int((datetime.now(UTC) - timedelta(minutes=5)).timestamp()) // redemption.WINDOW_S
    stale = redemption.signer_for(Keyring(SECRET_KEY)).sign(shop.merchant.merchant.id, oid("Coupon", coupon), window)

    # when it is scanned, in English
    preview = (await _preview(gql, owner_token, stale, store_gid(shop), lang="en"))["preview"]

    # then the coupon is shown, unused, with why it cannot be redeemed with this code
    assert preview["coupon"]["status"] == "ACTIVE"
    assert preview["refusal"]["code"] == "REDEEM_CODE_EXPIRED" and preview["refusal"]["field"] == "code"


async def test_a_member_code_or_a_typo_scanned_as_a_coupon_is_invalid(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a member code and a mistyped text
    member = await make_member(mongo, shop, "bob")
    member_code = (await gql("member", MEMBER_CODE, token=member.token))["data"]["memberCode"]["code"]

    # when each is looked up as a coupon
    results = [await _preview(gql, owner_token, code, store_gid(shop)) for code in (member_code, "CPN-12345")]

    # then each is REDEEM_CODE_INVALID on the code, with no preview
    assert [(r["preview"], r["userErrors"][0]["code"], r["userErrors"][0]["field"]) for r in results] == [
        (None, "REDEEM_CODE_INVALID", "code"),
        (None, "REDEEM_CODE_INVALID", "code"),
    ]


async def test_a_code_shown_before_the_prefix_existed_still_redeems(
    gql: Gql, owner_token: str, mongo: Mongo, shop: Shop
) -> None:
    # given a fresh code without its CPN- prefix (an older app's screen, or typed by hand in lower case)
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    bare = (await _code(gql, member, coupon)).removeprefix("CPN-").lower()

    # when the cashier previews it and redeems it
    preview = await _preview(gql, owner_token, bare, store_gid(shop))
    redeemed = await _redeem(gql, owner_token, bare, store_gid(shop))

    # then both work as with the prefix
    assert preview["preview"]["refusal"] is None and redeemed["userErrors"] == []


async def test_a_cashier_of_another_store_cannot_look_at_the_shops_codes(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a cashier of a second store only, and a coupon code of a member of the shop
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000022", store_ids=[second.id])
    code = await _code(gql, member, coupon)

    # when they look it up for the first store
    body = await gql("admin", PREVIEW, {"store": store_gid(shop), "code": code}, token=cashier.token)

    # then it is an auth error, as redeeming there would be
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_scan_preview_costs_a_fixed_number_of_commands(
    gql: Gql, owner_token: str, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a redeemed coupon, the costliest to show
    member, coupon = await _coupon(gql, owner_token, mongo, shop, "alice")
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000023", name="收银小王")
    code = await _code(gql, member, coupon)
    await _redeem(gql, cashier.token, code, store_gid(shop))

    # when the owner scans it
    with count_commands(mongo) as commands:
        await _preview(gql, owner_token, code, store_gid(shop))

    # then: the viewer, the store, the coupon, its template, its member, the redemption's store and staff member
    assert commands == ["find"] * 7, commands
