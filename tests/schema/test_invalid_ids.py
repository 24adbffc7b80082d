"""A global id that cannot be read, or names an object of another type, is refused the same way on both doors:
one user error INVALID_ID on the input field that carried it, before anything is read or written.
"""

from typing import Any

import pytest
from bson import ObjectId

from schema.ids import to_global_id
from schema.messages import ZH, message
from tests.conftest import Gql, Shop
from tests.members.conftest import fresh_code, log_in

CLAIM_COUPON = """
mutation($input: ClaimCouponInput!) {
  claimCoupon(input: $input) { coupon { id } userErrors { field code message } }
}
"""

REPORT_CARD_LOST = """
mutation($input: CardStatusInput!) {
  reportCardLost(input: $input) { card { number } userErrors { field code message } }
}
"""

CORRECT_REFERRER = """
mutation($input: CorrectReferrerInput!) {
  correctReferrer(input: $input) { correction { memberId } userErrors { field code message } }
}
"""

MALFORMED = "not-an-id"


def _invalid_id(field: str) -> list[dict[str, Any]]:
    return [{"field": field, "code": "INVALID_ID", "message": message("INVALID_ID", ZH)}]


def _store_gid(shop: Shop) -> str:
    """A real id, of the wrong type for every field below."""
    return to_global_id("Store", shop.merchant.store.id)


@pytest.mark.parametrize("kind", ["malformed", "wrong type"])
async def test_a_member_mutation_refuses_a_bad_id_on_its_field(gql: Gql, shop: Shop, kind: str) -> None:
    # given a signed-in member and a template id that is garbage or a store's id
    login = await log_in(gql, shop, fresh_code("bad-id"))
    token = login["session"]["accessToken"]
    template_id = MALFORMED if kind == "malformed" else _store_gid(shop)

    # when they claim a coupon of it
    body = await gql(
        "member", CLAIM_COUPON, {"input": {"templateId": template_id, "idempotencyKey": "k1"}}, token=token
    )

    # then the id is refused on its field, as a user error, and nothing is claimed
    assert "errors" not in body, body
    assert body["data"]["claimCoupon"] == {"coupon": None, "userErrors": _invalid_id("templateId")}


@pytest.mark.parametrize("kind", ["malformed", "wrong type"])
async def test_an_admin_mutation_refuses_a_bad_id_on_its_field(
    gql: Gql, shop: Shop, owner_token: str, kind: str
) -> None:
    # given the owner and a member id that is garbage or a store's id
    member_id = MALFORMED if kind == "malformed" else _store_gid(shop)

    # when they report that member's card lost
    body = await gql("admin", REPORT_CARD_LOST, {"input": {"memberId": member_id, "reason": "丢了"}}, token=owner_token)

    # then the id is refused on its field, in the same words as on the member door
    assert "errors" not in body, body
    assert body["data"]["reportCardLost"] == {"card": None, "userErrors": _invalid_id("memberId")}


async def test_an_empty_optional_id_is_malformed_not_left_out(gql: Gql, shop: Shop, owner_token: str) -> None:
    # given a correction whose optional referrer id is an empty string (null would detach the member)
    variables = {"input": {"memberId": to_global_id("Member", ObjectId()), "referrerId": "", "reason": "录错了"}}

    # when the owner sends it
    body = await gql("admin", CORRECT_REFERRER, variables, token=owner_token)

    # then the empty id is refused on its field rather than read as "no referrer"
    assert body["data"]["correctReferrer"] == {"correction": None, "userErrors": _invalid_id("referrerId")}
