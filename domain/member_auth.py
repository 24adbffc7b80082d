"""Member sign-in from the mini-program: the platform's login code names the member, who is created on first
login (exactly once per merchant + channel + openid, however many logins race, its MEMBER_JOINED in the same
transaction), gets a card, has the login's
share link or QR scene recorded as a referral touch, and starts a session.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from channels.alipay import AlipayClient, AlipayError
from channels.wechat import WeChatClient, WeChatError
from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.cards.card import issue_card
from domain.errors import DomainError
from domain.members import Channel, Member, member_from_doc, record_joined
from domain.pii import PiiCipher
from domain.privacy import consent
from domain.privacy.consent import ConsentStatus
from domain.referrals.touches import record_login
from domain.sessions import Audience, Principal, TokenPair, TokenSigner, start_session

log = logging.getLogger(__name__)

# WeChat: invalid code, code already used, high-risk user blocked. Alipay: an unusable auth code.
_BAD_WECHAT_CODES = frozenset({40029, 40163, 40226})
_BAD_ALIPAY_CODES = frozenset({"isv.code-invalid", "isv.code-expired", "isv.auth-code-invalid"})


class MemberCode(StrEnum):
    INVALID_LOGIN_CODE = "INVALID_LOGIN_CODE"
    MERCHANT_NOT_FOUND = "MERCHANT_NOT_FOUND"
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"


class MemberError(DomainError):
    pass


@dataclass(frozen=True)
class LoginResult:
    member: Member
    created: bool
    tokens: TokenPair
    # Whether the member agreed to the privacy policy in effect; the mini-program asks them when not.
    privacy: ConsentStatus


async def _identify(
    channel: Channel, code: str, wechat: WeChatClient, alipay: AlipayClient | None
) -> tuple[str, str | None]:
    try:
        if channel is Channel.WECHAT:
            session = await wechat.jscode2session(code)
            return session.openid, session.unionid
        if alipay is None:
            raise MemberError(MemberCode.CHANNEL_UNAVAILABLE, "channel")
        user = await alipay.oauth_token(code)
        return user.open_id, None
    except WeChatError as e:
        if e.errcode in _BAD_WECHAT_CODES:
            raise MemberError(MemberCode.INVALID_LOGIN_CODE, "code", errcode=e.errcode) from e
        log.error("wechat jscode2session failed", extra={"errcode": e.errcode, "errmsg": e.errmsg})
        raise MemberError(MemberCode.CHANNEL_UNAVAILABLE, "channel") from e
    except AlipayError as e:
        if e.sub_code in _BAD_ALIPAY_CODES:
            raise MemberError(MemberCode.INVALID_LOGIN_CODE, "code", sub_code=e.sub_code) from e
        log.error("alipay oauth.token failed", extra={"code": e.code, "sub_code": e.sub_code})
        raise MemberError(MemberCode.CHANNEL_UNAVAILABLE, "channel") from e


async def _closed_before(mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, channel: Channel, openid: str) -> bool:
    """Whether this platform account closed a member account here before (domain.privacy.erasure keeps the hash)."""
    key = {"merchant_id": merchant_id, "channel": channel.value, "openid_hash": pii.lookup_hash(openid)}
    return await mongo.db[c.CLOSED_ACCOUNTS].find_one(key, {"_id": 1}) is not None


async def _find_or_create(
    mongo: Mongo,
    pii: PiiCipher,
    merchant_id: ObjectId,
    channel: Channel,
    openid: str,
    unionid: str | None,
    share_params: str,
) -> tuple[Doc, bool]:
    key = {"merchant_id": merchant_id, "channel": channel.value, "openid": openid}
    new_id = ObjectId()
    insert: Doc = {
        "_id": new_id,
        "unionid": unionid,
        "nickname": None,
        "created_at": datetime.now(UTC),
        # The first touch is kept as it came, for the referral binding to read.
        "first_touch": share_params,
    }
    if await mongo.db[c.MEMBERS].find_one(key, {"_id": 1}) is None and await _closed_before(
        mongo, pii, merchant_id, channel, openid
    ):
        # A closed account coming back is a new member, but not a new friend to bind under someone's upline.
        insert["returned_after_closing"] = True
    members = mongo.db[c.MEMBERS]

    async def work(s: AsyncClientSession) -> Doc | None:
        made = await members.find_one_and_update(
            # The last sign-in is what retention (domain.privacy.retention) reads as activity.
            key,
            {"$setOnInsert": insert, "$set": {"last_login_at": insert["created_at"]}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=s,
        )
        if made is not None and made["_id"] == new_id:
            await record_joined(mongo=mongo, session=s, merchant_id=merchant_id, member_id=new_id)
        return made

    try:
        doc = await transaction(mongo, work)
    except DuplicateKeyError:
        doc = None
    if doc is None:
        # A concurrent first login won the insert: MongoDB reports that as a duplicate key, and SecantusDB
        # sometimes as an empty answer. Either way the member now exists; theirs is the one.
        doc = await members.find_one(key)
    if doc is None:
        raise RuntimeError("member neither upserted nor found")
    return doc, doc["_id"] == new_id


async def login(
    *,
    mongo: Mongo,
    pii: PiiCipher,
    signer: TokenSigner,
    wechat: WeChatClient,
    alipay: AlipayClient | None,
    merchant_id: ObjectId,
    channel: Channel,
    code: str,
    share_params: str,
    device_id: str | None = None,
) -> LoginResult:
    if await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"_id": 1}) is None:
        raise MemberError(MemberCode.MERCHANT_NOT_FOUND, "merchantId")
    if not code.strip() or len(code) > 256:
        raise MemberError(MemberCode.INVALID_LOGIN_CODE, "code")
    openid, unionid = await _identify(channel, code, wechat, alipay)
    doc, created = await _find_or_create(mongo, pii, merchant_id, channel, openid, unionid, share_params[:512])
    # Idempotent: issues the card on first login, and on a later one if a crash came between the two writes.
    await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=doc["_id"])
    # A share link or QR scene binds the member under its sharer if nobody has yet (domain.referrals).
    await record_login(
        mongo=mongo, merchant_id=merchant_id, member_id=doc["_id"], share_params=share_params, device_id=device_id
    )
    member = member_from_doc(doc)
    tokens = await start_session(
        mongo=mongo, signer=signer, principal=Principal(Audience.MEMBER, member.id, merchant_id)
    )
    privacy = await consent.status(mongo=mongo, merchant_id=merchant_id, member_id=member.id, now=datetime.now(UTC))
    return LoginResult(member, created, tokens, privacy)
