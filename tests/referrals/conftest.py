"""Referral givens: members made straight in the database with minted access tokens (as first login would
have made them), staff with minted admin tokens, and bindings made through the domain.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import tenancy
from domain.cards.card import issue_card
from domain.coupons.touch import Sharer
from domain.keyring import Keyring
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, BindResult, bind_referrer
from domain.sessions import Audience, Principal, TokenSigner
from schema.ids import to_global_id
from tests.conftest import PASSWORDS, SECRET_KEY, Shop

SIGNER = TokenSigner(Keyring(SECRET_KEY), access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1))


@dataclass(frozen=True)
class Person:
    id: ObjectId
    gid: str
    token: str


async def make_members(
    mongo: Mongo, merchant_id: ObjectId, n: int, prefix: str = "friend", **fields: Any
) -> list[Person]:
    now = datetime.now(UTC)
    docs: list[Doc] = [
        {
            "_id": ObjectId(),
            "merchant_id": merchant_id,
            "channel": "WECHAT",
            "openid": f"{prefix}-{i}-{ObjectId()}",
            "unionid": None,
            "nickname": f"{prefix}{i}",
            "created_at": now,
            "first_touch": "",
            **fields,
        }
        for i in range(n)
    ]
    await mongo.db[c.MEMBERS].insert_many(docs)
    return [
        Person(
            d["_id"],
            to_global_id("Member", d["_id"]),
            SIGNER.sign(Principal(Audience.MEMBER, d["_id"], merchant_id), now)[0],
        )
        for d in docs
    ]


async def make_member(mongo: Mongo, shop: Shop, name: str, **fields: Any) -> Person:
    return (await make_members(mongo, shop.merchant.merchant.id, 1, name, **fields))[0]


@dataclass(frozen=True)
class Colleague:
    staff: tenancy.Staff
    gid: str
    token: str


async def make_staff(
    mongo: Mongo, pii: PiiCipher, shop: Shop, role: tenancy.Role, phone: str, name: str = "小李"
) -> Colleague:
    staff = await tenancy.add_staff(
        mongo=mongo,
        pii=pii,
        passwords=PASSWORDS,
        actor=shop.merchant.owner,
        name=name,
        phone=phone,
        password="staff-password-1",
        role=role,
        all_stores=True,
        store_ids=[],
    )
    token = SIGNER.sign(Principal(Audience.ADMIN, staff.id, staff.merchant_id), datetime.now(UTC))[0]
    return Colleague(staff, to_global_id("StaffMember", staff.id), token)


async def bind(
    mongo: Mongo, shop: Shop, friend: ObjectId, sharer: ObjectId, source: BindingSource = BindingSource.LOGIN_SHARE
) -> BindResult:
    return await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=friend,
        sharer=Sharer(member_id=sharer),
        source=source,
    )


async def chain_of(mongo: Mongo, shop: Shop, n: int, prefix: str = "m") -> list[Person]:
    """`n` members each bound under the one before: people[0] is the root, people[-1] the deepest."""
    people = await make_members(mongo, shop.merchant.merchant.id, n, prefix)
    for upper, lower in zip(people, people[1:], strict=False):
        assert (await bind(mongo, shop, lower.id, upper.id)).bound
    return people


async def bind_phone(mongo: Mongo, pii: PiiCipher, shop: Shop, member_id: ObjectId, phone: str) -> None:
    """The member's card, with a phone bound on it as getPhoneNumber would have."""
    merchant_id = shop.merchant.merchant.id
    await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
    await mongo.db[c.CARDS].update_one(
        {"merchant_id": merchant_id, "member_id": member_id},
        {"$set": {"phone_enc": pii.encrypt(phone), "phone_hash": pii.lookup_hash(phone)}},
    )


async def member_doc(mongo: Mongo, member_id: ObjectId) -> Doc:
    doc = await mongo.db[c.MEMBERS].find_one({"_id": member_id})
    assert doc is not None
    return doc


async def ancestors(mongo: Mongo, member_id: ObjectId) -> list[ObjectId]:
    return list((await member_doc(mongo, member_id)).get("ancestors") or [])
