"""Privacy test helpers: a member signed in without agreeing to anything yet, and the owner publishing versions."""

import uuid
from typing import Any

from schema.ids import from_global_id, to_global_id
from tests.cards.conftest import Customer
from tests.conftest import Gql, Shop

LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) {
    member { id }
    session { accessToken }
    privacy { agreed policy { version title } }
    userErrors { code }
  }
}
"""

PUBLISH = """
mutation($input: PublishPrivacyPolicyInput!) {
  publishPrivacyPolicy(input: $input) {
    policy { version title effectiveAt publishedAt }
    userErrors { field code }
  }
}
"""

AGREE = """
mutation($input: AgreePrivacyPolicyInput!) {
  agreePrivacyPolicy(input: $input) { privacy { agreed agreedAt policy { version } } userErrors { field code } }
}
"""


async def first_open(gql: Gql, shop: Shop, user: str = "newcomer") -> tuple[Customer, dict[str, Any]]:
    """A member who just opened the mini-program: signed in, shown the policy, not agreed yet."""
    variables = {
        "input": {
            "code": f"{user}.{uuid.uuid4().hex}",
            "channel": "WECHAT",
            "merchantId": to_global_id("Merchant", shop.merchant.merchant.id),
        }
    }
    body = await gql("member", LOGIN, variables)
    login = body["data"]["login"]
    assert login["userErrors"] == [], body
    member_id = from_global_id("Member", login["member"]["id"])
    assert member_id is not None
    who = Customer(member_id, shop.merchant.merchant.id, login["member"]["id"], login["session"]["accessToken"])
    return who, login["privacy"]


async def publish(gql: Gql, token: str, **given: Any) -> dict[str, Any]:
    body = await gql("admin", PUBLISH, {"input": {"title": "会员隐私政策", "text": "……", **given}}, token=token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["publishPrivacyPolicy"]
    return payload


async def agree(gql: Gql, who: Customer, version: str) -> dict[str, Any]:
    body = await gql("member", AGREE, {"input": {"version": version}}, token=who.token)
    payload: dict[str, Any] = body["data"]["agreePrivacyPolicy"]
    return payload
