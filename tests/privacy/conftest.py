"""Privacy givens: a member signed in through the fake WeChat (a real openid and unionid) with a phone, nickname and
birthday, and a scan of every collection for a set of values, as the closing's headline test reads the database.
"""

from dataclasses import dataclass

from bson import ObjectId, json_util

from db import collections as c
from db.mongo import Mongo
from db.sharding import SHARD_KEYS
from domain.cards.ledger import SYSTEM, Account, EntryKind, Parts, Posting, post_alone
from domain.members import member_from_doc
from domain.pii import PiiCipher
from schema.ids import from_global_id
from tests.conftest import Gql, Shop
from tests.members.conftest import fresh_code, log_in
from tests.referrals.conftest import bind_phone


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
