"""Coupons test helpers: members made straight in the database with minted access tokens (racing thousands
of them through WeChat login would test login, not coupons), staff of any role, and templates made through
the admin API.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.keyring import Keyring
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal, TokenSigner
from schema.ids import from_global_id, to_global_id
from tests.conftest import PASSWORDS, SECRET_KEY, Gql, Shop

SIGNER = TokenSigner(Keyring(SECRET_KEY), access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1))


@dataclass(frozen=True)
class Customer:
    id: ObjectId
    gid: str
    token: str


async def make_members(mongo: Mongo, shop: Shop, n: int, prefix: str = "friend") -> list[Customer]:
    """`n` members of the shop, as first login would have made them, each with a valid access token."""
    merchant_id = shop.merchant.merchant.id
    now = datetime.now(UTC)
    docs: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "merchant_id": merchant_id,
            "channel": "WECHAT",
            "openid": f"{prefix}-{i}-{ObjectId()}",
            "unionid": None,
            "nickname": f"{prefix}{i}",
            "created_at": now,
            "first_touch": "",
        }
        for i in range(n)
    ]
    for start in range(0, n, 1000):
        await mongo.db[c.MEMBERS].insert_many(docs[start : start + 1000])
    return [
        Customer(
            d["_id"],
            to_global_id("Member", d["_id"]),
            SIGNER.sign(Principal(Audience.MEMBER, d["_id"], merchant_id), now)[0],
        )
        for d in docs
    ]


async def make_member(mongo: Mongo, shop: Shop, name: str) -> Customer:
    return (await make_members(mongo, shop, 1, name))[0]


@dataclass(frozen=True)
class Colleague:
    staff: tenancy.Staff
    token: str


async def make_staff(
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    role: tenancy.Role,
    phone: str,
    *,
    store_ids: list[ObjectId] | None = None,
    name: str = "小李",
) -> Colleague:
    """Added by the owner through the domain, with a minted admin token (no argon2 login round trip)."""
    staff = await tenancy.add_staff(
        mongo=mongo,
        pii=pii,
        passwords=PASSWORDS,
        actor=shop.merchant.owner,
        name=name,
        phone=phone,
        password="staff-password-1",
        role=role,
        all_stores=store_ids is None,
        store_ids=store_ids or [],
    )
    principal = Principal(Audience.ADMIN, staff.id, staff.merchant_id)
    return Colleague(staff, SIGNER.sign(principal, datetime.now(UTC))[0])


def store_gid(shop: Shop) -> str:
    return to_global_id("Store", shop.merchant.store.id)


CREATE_TEMPLATE = """
mutation($input: CreateCouponTemplateInput!) {
  createCouponTemplate(input: $input) {
    template { id title status stock issued remaining perMemberLimit transferable allStores
               benefit { kind valueFen percentOffBp capFen minimumSpendFen itemId itemName }
               validity { startsAt endsAt days } stores { name } }
    userErrors { field code message }
  }
}
"""

SET_STATUS = """
mutation($input: SetCouponTemplateStatusInput!) {
  setCouponTemplateStatus(input: $input) {
    template { id status }
    userErrors { field code message }
  }
}
"""


def amount_off(**overrides: Any) -> dict[str, Any]:
    """A 满 100 减 20 coupon valid 30 days from receipt, 1 per member, unlimited, transferable."""
    return {"kind": "AMOUNT_OFF", "title": "满100减20", "valueFen": 2000, "minimumSpendFen": 10000, "validDays": 30} | (
        overrides
    )


async def new_template(gql: Gql, token: str, *, activate: bool = True, **overrides: Any) -> str:
    body = await gql("admin", CREATE_TEMPLATE, {"input": amount_off(**overrides)}, token=token)
    payload = body["data"]["createCouponTemplate"]
    assert payload["userErrors"] == [], body
    gid = str(payload["template"]["id"])
    if activate:
        await set_status(gql, token, gid, "ACTIVE")
    return gid


async def set_status(gql: Gql, token: str, template_gid: str, status: str) -> dict[str, Any]:
    body = await gql("admin", SET_STATUS, {"input": {"templateId": template_gid, "status": status}}, token=token)
    payload: dict[str, Any] = body["data"]["setCouponTemplateStatus"]
    return payload


def oid(type_name: str, gid: str) -> ObjectId:
    found = from_global_id(type_name, gid)
    assert found is not None, gid
    return found


CLAIM = """
mutation($input: ClaimCouponInput!) {
  claimCoupon(input: $input) {
    coupon { id status validFrom validTo template { id title } }
    userErrors { field code message }
  }
}
"""


async def claim(gql: Gql, who: Customer, template_gid: str, key: str | None = None) -> dict[str, Any]:
    variables = {"input": {"templateId": template_gid, "idempotencyKey": key or str(ObjectId())}}
    body = await gql("member", CLAIM, variables, token=who.token)
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["claimCoupon"]
    return payload


async def claimed_coupon(gql: Gql, who: Customer, template_gid: str) -> str:
    payload = await claim(gql, who, template_gid)
    assert payload["userErrors"] == [], payload
    return str(payload["coupon"]["id"])
