"""Finding members, always inside the staff member's own merchant: at the counter by member code, card number
or phone (`lookup_member`), and in the admin by card number, phone or nickname prefix (`search_members`).
"""

from bson import ObjectId
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.errors import CardCode, CardError
from domain.cards.member_code import MemberCodeSigner, use_member_code
from domain.cards.profile import MAX_NICKNAME
from domain.cards.views import MemberCard, member_cards
from domain.pagination import Page, clamp
from domain.pii import PiiCipher, normalize_phone
from domain.tenancy import Staff


async def _members_in_order(mongo: Mongo, merchant_id: ObjectId, member_ids: list[ObjectId]) -> list[Doc]:
    docs = await mongo.db[c.MEMBERS].find({"merchant_id": merchant_id, "_id": {"$in": member_ids}}).to_list()
    by_id = {d["_id"]: d for d in docs}
    return [by_id[i] for i in member_ids if i in by_id]


async def _member_ids_by_card(mongo: Mongo, query: Doc, limit: int, after: ObjectId | None) -> list[ObjectId]:
    if after is not None:
        query = {**query, "member_id": {"$gt": after}}
    docs = await mongo.db[c.CARDS].find(query, {"member_id": 1}).sort("member_id", 1).limit(limit).to_list()
    return [d["member_id"] for d in docs]


def _prefix_range(prefix: str) -> Doc:
    """Every string starting with `prefix`, as bounds the nickname index serves: code point order is the order
    of the UTF-8 bytes the database compares, so the bound above is the prefix with its last character raised
    (past the surrogates, which no stored string holds)."""
    head = prefix.rstrip(chr(0x10FFFF))
    if not head:
        return {"$gte": prefix}
    raised = ord(head[-1]) + 1
    if 0xD800 <= raised <= 0xDFFF:
        raised = 0xE000
    return {"$gte": prefix, "$lt": head[:-1] + chr(raised)}


async def search_members(
    *,
    mongo: Mongo,
    pii: PiiCipher,
    actor: Staff,
    card_number: str | None,
    phone: str | None,
    nickname: str | None,
    first: int | None,
    after: ObjectId | None,
) -> Page[MemberCard]:
    """One criterion, in this order of precedence: card number (any number the card ever had, exact), phone
    (exact, through its lookup hash), nickname (prefix, at most as long as a nickname may be); none lists every
    member. Oldest member first."""
    prefix = (nickname or "").strip()
    if len(prefix) > MAX_NICKNAME:
        raise CardError(CardCode.SEARCH_TOO_LONG, "nickname", max_length=MAX_NICKNAME)
    limit = clamp(first)
    merchant_id = actor.merchant_id
    if card_number or phone:
        if card_number:
            query: Doc = {"merchant_id": merchant_id, "numbers": card_number.strip()}
        else:
            normalized = normalize_phone(phone or "")
            if normalized is None:
                return Page([], False)
            query = {"merchant_id": merchant_id, "phone_hash": pii.lookup_hash(normalized)}
        ids = await _member_ids_by_card(mongo, query, limit + 1, after)
        docs = await _members_in_order(mongo, merchant_id, ids)
    else:
        members: Doc = {"merchant_id": merchant_id}
        if prefix:
            members["nickname"] = _prefix_range(prefix)
        if after is not None:
            members["_id"] = {"$gt": after}
        docs = await mongo.db[c.MEMBERS].find(members).sort("_id", 1).limit(limit + 1).to_list()
    found = await member_cards(mongo=mongo, merchant_id=merchant_id, member_docs=docs[:limit])
    return Page([(m.member.id, m) for m in found], len(docs) > limit)


async def get_member_card(*, mongo: Mongo, actor: Staff, member_id: ObjectId) -> MemberCard | None:
    doc = await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id})
    if doc is None:
        return None
    [found] = await member_cards(mongo=mongo, merchant_id=actor.merchant_id, member_docs=[doc])
    return found


async def _by_card_number(mongo: Mongo, merchant_id: ObjectId, number: str) -> ObjectId:
    card = await mongo.db[c.CARDS].find_one(
        {"merchant_id": merchant_id, "numbers": number}, {"member_id": 1, "number": 1}
    )
    if card is None:
        raise CardError(CardCode.MEMBER_NOT_FOUND, "cardNumber")
    if card["number"] != number:
        # A number the card had before a reissue: whoever holds that plastic must not be served with it.
        raise CardError(CardCode.CARD_REPLACED, "cardNumber")
    member_id: ObjectId = card["member_id"]
    return member_id


async def _by_phone(mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, phone: str) -> ObjectId:
    normalized = normalize_phone(phone)
    if normalized is None:
        raise CardError(CardCode.MEMBER_NOT_FOUND, "phone")
    cards = (
        await mongo.db[c.CARDS]
        .find({"merchant_id": merchant_id, "phone_hash": pii.lookup_hash(normalized)}, {"member_id": 1})
        .limit(2)
        .to_list()
    )
    if not cards:
        raise CardError(CardCode.MEMBER_NOT_FOUND, "phone")
    if len(cards) > 1:
        # The same person signed in through WeChat and Alipay: the cashier picks in the member search.
        raise CardError(CardCode.MEMBER_AMBIGUOUS, "phone")
    member_id: ObjectId = cards[0]["member_id"]
    return member_id


async def lookup_member(
    *,
    mongo: Mongo,
    redis: Redis,
    pii: PiiCipher,
    signer: MemberCodeSigner,
    actor: Staff,
    code: str | None,
    card_number: str | None,
    phone: str | None,
) -> MemberCard:
    """The member in front of the cashier, by exactly one of: a scanned member code (used up by the scan),
    a card number, a phone number."""
    given = [v for v in (code, card_number, phone) if v and v.strip()]
    if len(given) != 1:
        raise CardError(CardCode.LOOKUP_INVALID, "input")
    if code and code.strip():
        member_id = await use_member_code(redis=redis, signer=signer, merchant_id=actor.merchant_id, code=code)
    elif card_number and card_number.strip():
        member_id = await _by_card_number(mongo, actor.merchant_id, card_number.strip())
    else:
        member_id = await _by_phone(mongo, pii, actor.merchant_id, phone or "")
    found = await get_member_card(mongo=mongo, actor=actor, member_id=member_id)
    if found is None:
        raise CardError(CardCode.MEMBER_NOT_FOUND, "input")
    return found
