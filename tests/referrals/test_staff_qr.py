"""A staff member's own QR code on `me`: the link an app draws as a plain QR code (the registered prefix with the
code's scene), which WeChat opens the mini-program with, attributing the walk-in to that staff member; and only
your own code is shown to you.
"""

import pytest

from db.mongo import Mongo
from domain import tenancy
from domain.pii import PiiCipher
from startup.settings import Settings
from tests.conftest import Gql, Shop
from tests.referrals.conftest import make_staff, member_doc
from tests.referrals.test_share_codes import _login

LINK_BASE = "https://jike.example.com/q"
MY_QR = "query { me { id shareCode { code scene qrLink imageDataUrl } } }"
COLLEAGUE_QR = "query($id: ID!) { staffMember(id: $id) { name shareCode { code } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The link prefix registered for the mini-program under 扫普通链接二维码打开小程序."""
    return Settings(_env_file=None, **settings.model_dump() | {"share_qr_link_base": LINK_BASE})


async def test_a_walk_in_scanning_the_qr_drawn_from_your_link_is_yours(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given the owner's own share code, read from `me`
    body = await gql("admin", MY_QR, token=owner_token)
    code = body["data"]["me"]["shareCode"]

    # when the app draws a QR code of its link, and WeChat opens the mini-program with that link for a walk-in
    walk_in, _ = await _login(gql, shop, "walkin", code["qrLink"])

    # then the link is the registered prefix with the code's scene, and the walk-in is the owner's
    assert code["qrLink"] == f"{LINK_BASE}?{code['scene']}" and code["scene"] == f"s={code['code']}"
    assert code["imageDataUrl"].startswith("data:image/png;base64,")
    doc = await member_doc(mongo, walk_in)
    assert (doc["acquired_by_staff_id"], doc["bound_source"]) == (shop.merchant.owner.id, "STAFF_QR")


async def test_nobody_is_shown_a_colleagues_share_code(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given a cashier
    cashier = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000041", name="收银小王")

    # when the owner looks the cashier up, and the cashier looks at themselves
    seen_by_owner = await gql("admin", COLLEAGUE_QR, {"id": cashier.gid}, token=owner_token)
    own = await gql("admin", MY_QR, token=cashier.token)

    # then the owner sees no code of the cashier's, and the cashier sees their own
    assert seen_by_owner["data"]["staffMember"] == {"name": "收银小王", "shareCode": None}
    assert own["data"]["me"]["id"] == cashier.gid and own["data"]["me"]["shareCode"]["qrLink"].startswith(LINK_BASE)
