"""Privacy givens: a member signed in without agreeing to anything yet, the owner publishing policy versions, a
member signed in through the fake WeChat (a real openid and unionid) with a phone, nickname and birthday, and a scan
of every collection for a set of values, as the closing's headline test reads the database.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from bson import ObjectId, json_util

from db import collections as c
from db.mongo import Mongo
from db.sharding import SHARD_KEYS
from domain.cards.ledger import SYSTEM, Account, EntryKind, Parts, Posting, post_alone
from domain.members import member_from_doc
from domain.pii import PiiCipher
from schema.ids import from_global_id, to_global_id
from tests.cards.conftest import Customer
from tests.conftest import Gql, Shop
from tests.members.conftest import fresh_code, log_in
from tests.referrals.conftest import bind_phone

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


@dataclass(frozen=True)
class Signed:
    id: ObjectId
    token: str
    user: str


async def sign_in(gql: Gql, shop: Shop, user: str) -> Signed:
    """A member as the mini-program signs one in: through the fake WeChat, with a fresh login code."""
    payload = await log_in(gql, shop, fresh_code(user))
    member_id = from_global_id("Member", payload["member"]["id"])
    assert member_id is not None
    return Signed(member_id, payload["session"]["accessToken"], user)


async def personal_values(
    mongo: Mongo, pii: PiiCipher, shop: Shop, member_id: ObjectId, *, phone: str, nickname: str, birthday: str
) -> list[str]:
    """Gives the member a phone, nickname and birthday, and returns every personal value they now have stored:
    what must not be anywhere once they close."""
    merchant_id, device = shop.merchant.merchant.id, f"dev-{phone}"
    await bind_phone(mongo, pii, shop, member_id, phone)
    await mongo.db[c.CARDS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id}, {"$set": {"birthday": birthday}}
    )
    await mongo.db[c.MEMBERS].update_one(
        {"merchant_id": merchant_id, "_id": member_id}, {"$set": {"nickname": nickname, "device_ids": [device]}}
    )
    member_doc = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id})
    card = await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": member_id})
    assert member_doc is not None and card is not None
    member = member_from_doc(member_doc)
    assert member.unionid is not None
    return [
        phone,
        pii.lookup_hash(phone),
        card["phone_enc"],
        nickname,
        birthday,
        member.openid,
        member.unionid,
        device,
    ]


async def scan_for(mongo: Mongo, merchant_id: ObjectId, values: list[str]) -> list[tuple[str, str]]:
    """(collection, value) for every value found in any document of any collection the database has."""
    found: list[tuple[str, str]] = []
    for name in sorted(await mongo.db.list_collection_names()):
        query = {"merchant_id": merchant_id} if name in SHARD_KEYS else {}
        async for doc in mongo.db[name].find(query):
            text = json_util.dumps(doc, ensure_ascii=False)
            found.extend((name, v) for v in values if v in text)
    return found


async def give_bonus(mongo: Mongo, shop: Shop, member_id: ObjectId, fen: int) -> None:
    """Bonus stored value the merchant gave (a goodwill credit), through the ledger."""
    posting = Posting(
        merchant_id=shop.merchant.merchant.id,
        member_id=member_id,
        account=Account.STORED_VALUE,
        kind=EntryKind.ADJUSTMENT,
        amount=fen,
        reference="given",
        actor=SYSTEM,
        idempotency_key=str(ObjectId()),
        parts=Parts(0, fen),
    )
    await post_alone(mongo=mongo, posting=posting)
