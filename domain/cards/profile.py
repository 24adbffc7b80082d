"""What a member tells the merchant about themselves: nickname, birthday (settable once, for birthday perks)
and a phone number bound through WeChat's getPhoneNumber code, kept encrypted on the card.
"""

import logging
from datetime import UTC, date, datetime

from bson import ObjectId
from pymongo import ReturnDocument

from channels.wechat import WeChatClient, WeChatError
from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.errors import CardCode, CardError
from domain.members import CLOSED, Channel, Member, member_from_doc
from domain.pii import PiiCipher, normalize_phone
from domain.privacy import consent

log = logging.getLogger(__name__)

MAX_NICKNAME = 32
# WeChat: an invalid, used or expired getPhoneNumber code.
_BAD_PHONE_CODES = frozenset({40029, 40163, 40013})


def _check_nickname(nickname: str) -> str:
    nickname = nickname.strip()
    # CLOSED names closed accounts alone: a live member calling themself so would read as closed.
    if not nickname or len(nickname) > MAX_NICKNAME or nickname == CLOSED:
        raise CardError(CardCode.NICKNAME_INVALID, "nickname", max_length=MAX_NICKNAME)
    return nickname


def _check_birthday(birthday: date) -> str:
    if birthday.year < 1900 or birthday > datetime.now(UTC).date():
        raise CardError(CardCode.BIRTHDAY_INVALID, "birthday")
    return birthday.isoformat()


async def _phone_from(wechat: WeChatClient, member: Doc, code: str) -> str:
    if member["channel"] != Channel.WECHAT.value:
        raise CardError(CardCode.PHONE_UNAVAILABLE, "phoneCode")
    try:
        raw = await wechat.get_phone_number(code)
    except WeChatError as e:
        if e.errcode in _BAD_PHONE_CODES:
            raise CardError(CardCode.PHONE_CODE_INVALID, "phoneCode") from e
        log.error("wechat getuserphonenumber failed", extra={"errcode": e.errcode, "errmsg": e.errmsg})
        raise CardError(CardCode.PHONE_UNAVAILABLE, "phoneCode") from e
    phone = normalize_phone(raw)
    if phone is None:
        raise CardError(CardCode.PHONE_CODE_INVALID, "phoneCode")
    return phone


async def update_profile(
    *,
    mongo: Mongo,
    wechat: WeChatClient,
    pii: PiiCipher,
    merchant_id: ObjectId,
    member_id: ObjectId,
    nickname: str | None,
    birthday: date | None,
    phone_code: str | None,
) -> Member:
    """Every check (and the call to WeChat) comes before the first write, so a refused update changes nothing.
    Each of these is personal data the member tells us: refused until they agreed to the privacy policy in effect."""
    if nickname is not None or birthday is not None or phone_code:
        gated = "phoneCode" if phone_code else "birthday" if birthday is not None else "nickname"
        await consent.require(
            mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=datetime.now(UTC), field=gated
        )
    member = await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": merchant_id})
    # A closed account's access token may outlive the closing by minutes: it gives nothing personal back.
    if member is None or member.get("closed_at") is not None:
        raise CardError(CardCode.MEMBER_NOT_FOUND, "memberId")
    card_query: Doc = {"merchant_id": merchant_id, "member_id": member_id}
    card_set: Doc = {}
    if birthday is not None:
        iso = _check_birthday(birthday)
        # Settable once: sending the same date again is fine, changing it is not.
        card_query["birthday"] = {"$in": [None, iso]}
        card_set["birthday"] = iso
    new_nickname = _check_nickname(nickname) if nickname is not None else None
    if phone_code:
        phone = await _phone_from(wechat, member, phone_code.strip())
        card_set.update(phone_enc=pii.encrypt(phone), phone_hash=pii.lookup_hash(phone))
    if card_set:
        result = await mongo.db[c.CARDS].update_one(card_query, {"$set": card_set})
        if result.matched_count == 0:
            if "birthday" in card_query and await mongo.db[c.CARDS].find_one(
                {"merchant_id": merchant_id, "member_id": member_id}, {"_id": 1}
            ):
                raise CardError(CardCode.BIRTHDAY_ALREADY_SET, "birthday")
            raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
    if new_nickname is not None:
        member = await mongo.db[c.MEMBERS].find_one_and_update(
            {"merchant_id": merchant_id, "_id": member_id},
            {"$set": {"nickname": new_nickname}},
            return_document=ReturnDocument.AFTER,
        )
        if member is None:
            raise CardError(CardCode.MEMBER_NOT_FOUND, "memberId")
    return member_from_doc(member)
