"""Share codes end to end: a member's and a staff member's code with a real PNG from the fake WeChat, a first
login through a share link or a scanned scene binding the new member, a signed-in member scanning a code,
and codes that were never handed out (or handed out for the other kind of sharer) binding nobody.
"""

import base64
from typing import Any
from urllib.parse import quote

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.referrals.share_codes import ShareKind, ShareTouch, parse_share_params
from schema.ids import from_global_id
from tests.conftest import Gql, Shop
from tests.members.conftest import fresh_code, merchant_gid
from tests.referrals.conftest import make_member, member_doc

MY_SHARE_CODE = """
query { myShareCode { shareCode { code path scene imageDataUrl } userErrors { field code message } } }
"""
STAFF_SHARE_CODE = """
query { staffShareCode { shareCode { code path scene imageDataUrl } userErrors { field code message } } }
"""
LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) { created member { id } session { accessToken } userErrors { code } }
}
"""
RECORD_SHARE_TOUCH = """
mutation($input: RecordShareTouchInput!) { recordShareTouch(input: $input) { bound userErrors { code } } }
"""


async def _share_code(gql: Gql, door: str, token: str) -> dict[str, Any]:
    body = await gql(door, MY_SHARE_CODE if door == "member" else STAFF_SHARE_CODE, token=token)
    payload: dict[str, Any] = body["data"]["myShareCode" if door == "member" else "staffShareCode"]
    assert payload["userErrors"] == [], body
    return dict(payload["shareCode"])


async def _login(
    gql: Gql, shop: Shop, user: str, share_params: str | None, device: str | None = None
) -> tuple[ObjectId, str]:
    variables = {
        "input": {
            "code": fresh_code(user),
            "channel": "WECHAT",
            "merchantId": merchant_gid(shop),
            "shareParams": share_params,
            "deviceId": device,
        }
    }
    body = await gql("member", LOGIN, variables)
    assert body["data"]["login"]["userErrors"] == [], body
    member_id = from_global_id("Member", body["data"]["login"]["member"]["id"])
    assert member_id is not None
    return member_id, str(body["data"]["login"]["session"]["accessToken"])


def test_share_params_are_read_from_a_query_a_page_path_or_an_encoded_scene() -> None:
    # given the ways the mini-program may pass what it was opened with
    code = "abcdefgh23"
    cases = {
        f"r={code}": ShareTouch(ShareKind.MEMBER_LINK, code),
        f"pages/index/index?from=timeline&r={code}": ShareTouch(ShareKind.MEMBER_LINK, code),
        f"scene={quote(f'm={code}')}": ShareTouch(ShareKind.MEMBER_QR, code),
        f"s={code.upper()}": ShareTouch(ShareKind.STAFF, code),
        "": None,
        "r=short": None,
        "r=abcdefgh10": None,
        "campaign=spring": None,
    }

    # when each is parsed, then the touch (or none) comes out
    assert {raw: parse_share_params(raw) for raw in cases} == cases


async def test_a_member_gets_a_share_link_and_a_real_png_qr_code(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member
    member = await make_member(mongo, shop, "sharer")

    # when they open their share code twice
    first = await _share_code(gql, "member", member.token)
    again = await _share_code(gql, "member", member.token)

    # then they get one lasting code: a link with r=, a scene with m= within 32 characters, and a PNG image
    assert first == again
    assert first["path"] == f"pages/index/index?r={first['code']}"
    assert first["scene"] == f"m={first['code']}" and len(first["scene"]) <= 32
    prefix = "data:image/png;base64,"
    assert first["imageDataUrl"].startswith(prefix)
    assert base64.b64decode(first["imageDataUrl"][len(prefix) :]).startswith(b"\x89PNG\r\n\x1a\n")


async def test_a_first_login_through_a_share_link_binds_the_new_member(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member's share link
    sharer = await make_member(mongo, shop, "sharer")
    link = await _share_code(gql, "member", sharer.token)

    # when a friend opens the mini-program through it for the first time
    friend, _ = await _login(gql, shop, "xiaohong", link["path"])

    # then the friend is bound under the sharer, from a share link
    doc = await member_doc(mongo, friend)
    assert (doc["referrer_id"], doc["bound_source"]) == (sharer.id, "LOGIN_SHARE")


async def test_scanning_a_members_qr_code_binds_as_a_member_qr_touch(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member's QR code, whose scene arrives URL-encoded
    sharer = await make_member(mongo, shop, "sharer")
    scene = (await _share_code(gql, "member", sharer.token))["scene"]

    # when a friend scans it
    friend, _ = await _login(gql, shop, "xiaogang", f"scene={quote(scene)}")

    # then the friend is bound under the sharer, from a member QR code
    doc = await member_doc(mongo, friend)
    assert (doc["referrer_id"], doc["bound_source"]) == (sharer.id, "MEMBER_QR")


async def test_scanning_a_staff_qr_code_attributes_the_new_member_to_that_staff_member(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given the owner's own staff QR code
    code = await _share_code(gql, "admin", owner_token)
    assert code["scene"].startswith("s=")

    # when a walk-in scans it
    walk_in, _ = await _login(gql, shop, "walkin", f"scene={quote(code['scene'])}")

    # then the walk-in is the owner's, from a staff QR code
    doc = await member_doc(mongo, walk_in)
    assert (doc["acquired_by_staff_id"], doc["bound_source"]) == (shop.merchant.owner.id, "STAFF_QR")
    assert doc.get("referrer_id") is None


async def test_codes_nobody_was_given_bind_nobody(gql: Gql, mongo: Mongo, shop: Shop, owner_token: str) -> None:
    # given a real staff code, and a member's code passed off as the other kind
    staff_code = (await _share_code(gql, "admin", owner_token))["code"]
    sharer = await make_member(mongo, shop, "sharer")
    member_code = (await _share_code(gql, "member", sharer.token))["code"]

    # when new members arrive with a made-up code, a staff code under the member prefix, and the reverse
    arrivals = [
        (await _login(gql, shop, "a", "r=abcdefghjk"))[0],
        (await _login(gql, shop, "b", f"m={staff_code}"))[0],
        (await _login(gql, shop, "c", f"s={member_code}"))[0],
    ]

    # then none of them is bound
    assert [(await member_doc(mongo, m)).get("bound_at") for m in arrivals] == [None] * 3


async def test_a_second_account_on_the_sharers_device_is_not_bound(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a sharer who signed in twice on one phone, and their share link
    sharer, _ = await _login(gql, shop, "owner-of-phone", None, device="device-42")
    _, token = await _login(gql, shop, "owner-of-phone", None, device="device-42")
    link = await _share_code(gql, "member", token)

    # when a second WeChat account on that same phone opens the link
    twin, _ = await _login(gql, shop, "second-account", link["path"], device="device-42")

    # then it is not bound, and the device is recorded once on the sharer
    assert (await member_doc(mongo, twin)).get("bound_at") is None
    assert (await member_doc(mongo, sharer))["device_ids"] == ["device-42"]


async def test_a_signed_in_member_scanning_a_code_is_bound_once(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member's QR scene and a friend who is already signed in
    sharer = await make_member(mongo, shop, "sharer")
    other = await make_member(mongo, shop, "other")
    scene = (await _share_code(gql, "member", sharer.token))["scene"]
    other_scene = (await _share_code(gql, "member", other.token))["scene"]
    friend = await make_member(mongo, shop, "friend")

    # when the friend scans it, and later scans someone else's
    first = await gql("member", RECORD_SHARE_TOUCH, {"input": {"shareParams": scene}}, token=friend.token)
    second = await gql("member", RECORD_SHARE_TOUCH, {"input": {"shareParams": other_scene}}, token=friend.token)

    # then only the first bound them
    assert first["data"]["recordShareTouch"] == {"bound": True, "userErrors": []}
    assert second["data"]["recordShareTouch"] == {"bound": False, "userErrors": []}
    assert (await member_doc(mongo, friend.id))["referrer_id"] == sharer.id
    assert await mongo.db[c.REFERRAL_BINDINGS].count_documents({"member_id": friend.id}) == 1
