"""Members: who they are per merchant and channel (the mini-program platform they came through), and the name
every screen shows for one, as every capability reads them. Signing in, which creates the member on first login,
is domain.member_auth.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.events import MemberJoined

# What a member who gave no nickname is called, as the mini-program platforms themselves call such a user.
ANONYMOUS = "微信用户"
# What a closed account (注销) is called: closing replaces the nickname with it, so every screen that names members
# through display_name, and every list of an upline's downline, shows the closed member as this.
CLOSED = "已注销"


def display_name(nickname: str | None) -> str:
    """How any screen names a member: their nickname, else ANONYMOUS (never blank, never null); CLOSED once the
    account is closed."""
    return (nickname or "").strip() or ANONYMOUS


class Channel(StrEnum):
    WECHAT = "WECHAT"
    ALIPAY = "ALIPAY"


@dataclass(frozen=True)
class Member:
    id: ObjectId
    merchant_id: ObjectId
    channel: Channel
    openid: str
    unionid: str | None
    nickname: str | None
    created_at: datetime
    # Staff's tags on the member (敏感肌, 常客), kept by domain.segments.tags.
    tags: tuple[str, ...] = ()


def member_from_doc(doc: Doc) -> Member:
    return Member(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        channel=Channel(doc["channel"]),
        openid=doc["openid"],
        unionid=doc.get("unionid"),
        nickname=doc.get("nickname"),
        created_at=doc["created_at"],
        tags=tuple(doc.get("tags") or ()),
    )


async def get_member(*, mongo: Mongo, member_id: ObjectId, merchant_id: ObjectId) -> Member | None:
    doc = await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": merchant_id})
    return member_from_doc(doc) if doc else None


async def record_joined(
    *, mongo: Mongo, session: AsyncClientSession | None, merchant_id: ObjectId, member_id: ObjectId
) -> None:
    """MEMBER_JOINED in the transaction that made the member (`session`): the reports count new members from it."""
    await outbox.record(
        mongo=mongo,
        session=session,
        merchant_id=merchant_id,
        event=MemberJoined(member_id),
        dedupe_key=f"member-joined:{member_id}",
    )
