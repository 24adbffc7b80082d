"""Cards test helpers: members signed in through the fake WeChat server (so each has a real card), staff of
every role, and short-hands for the ledger postings checkout will make.
"""

import uuid
from dataclasses import dataclass

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.cards import stored_value
from domain.cards.ledger import SYSTEM, Entry
from domain.pii import PiiCipher
from schema.ids import from_global_id, to_global_id
from tests.conftest import PASSWORDS, Gql, Shop, staff_token

LOGIN = """
mutation($input: LoginInput!) {
  login(input: $input) {
    member { id }
    session { accessToken }
    privacy { policy { version } }
    userErrors { code }
  }
}
"""
AGREE = """
mutation($input: AgreePrivacyPolicyInput!) {
  agreePrivacyPolicy(input: $input) { privacy { agreed } userErrors { code } }
}
"""


@dataclass(frozen=True)
class Customer:
    member_id: ObjectId
    merchant_id: ObjectId
    gid: str
    token: str


async def sign_in(gql: Gql, shop: Shop, user: str = "alice") -> Customer:
    """A member who opened the mini-program, logged in through WeChat (their card was issued then) and agreed to the
    privacy policy it showed them, as the mini-program asks before anything personal."""
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
    gid = login["member"]["id"]
    member_id = from_global_id("Member", gid)
    assert member_id is not None
    token = login["session"]["accessToken"]
    agreed = await gql("member", AGREE, {"input": {"version": login["privacy"]["policy"]["version"]}}, token=token)
    assert agreed["data"]["agreePrivacyPolicy"] == {"privacy": {"agreed": True}, "userErrors": []}, agreed
    return Customer(member_id, shop.merchant.merchant.id, gid, token)


@pytest.fixture
async def customer(gql: Gql, shop: Shop) -> Customer:
    return await sign_in(gql, shop)


@dataclass(frozen=True)
class StaffLogin:
    staff: tenancy.Staff
    token: str


STAFF_PASSWORD = "staff-password-1"


async def hire(mongo: Mongo, pii: PiiCipher, gql: Gql, shop: Shop, role: tenancy.Role, phone: str) -> StaffLogin:
    """A staff member of `shop` with `role`, added by its owner and signed in."""
    staff = await tenancy.add_staff(
        mongo=mongo,
        pii=pii,
        passwords=PASSWORDS,
        actor=shop.merchant.owner,
        name=f"{role.value.lower()}",
        phone=phone,
        password=STAFF_PASSWORD,
        role=role,
        all_stores=True,
        store_ids=[],
    )
    return StaffLogin(staff, await staff_token(gql, phone, STAFF_PASSWORD))


async def top_up(mongo: Mongo, who: Customer, paid_fen: int, bonus_fen: int = 0, key: str | None = None) -> Entry:
    return await stored_value.top_up(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        paid_fen=paid_fen,
        bonus_fen=bonus_fen,
        reference="pay-test",
        idempotency_key=key or uuid.uuid4().hex,
        actor=SYSTEM,
    )


async def card_doc(mongo: Mongo, who: Customer) -> dict[str, object]:
    doc = await mongo.db[c.CARDS].find_one({"member_id": who.member_id})
    assert doc is not None
    return doc
