"""The merchant's privacy-policy versions: published by the OWNER, never changed afterwards (a unique version
string, no update), each in effect from its effective time; the current one is the latest already in effect.

A merchant that has published none is under the platform's built-in version `v0` (DEFAULT), which members must
agree to all the same: PIPL asks for consent before personal information is collected, whether or not the store has
written its own policy yet, and a member who agreed to v0 is asked again when the store's first version takes effect.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.privacy.errors import PrivacyCode, PrivacyError
from domain.tenancy import Role, Staff, audit

DEFAULT_VERSION = "v0"
MAX_TITLE = 64
MAX_TEXT = 20_000
MAX_URL = 512
MAX_LISTED = 100
# A clock a little behind ours still publishes "now".
_SKEW = timedelta(minutes=5)
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


@dataclass(frozen=True)
class Policy:
    version: str
    title: str
    text: str | None
    url: str | None
    effective_at: datetime
    # None for the platform's built-in DEFAULT.
    id: ObjectId | None = None
    published_at: datetime | None = None


DEFAULT = Policy(
    version=DEFAULT_VERSION,
    title="会员服务隐私政策",
    text=(
        "为向您提供会员卡、优惠券、预约、订单与分红服务，本店通过积客收集并使用您的以下个人信息："
        "小程序账号标识（openid）、您自愿填写的昵称、生日与手机号，以及您在本店的消费、预约、优惠券与推荐记录。"
        "手机号加密保存，仅向需要的店员部分显示。您可以在「我的 → 我的数据」获取个人信息副本，"
        "也可以注销账号。未经您同意，本店不会收集手机号、生日等个人信息。"
    ),
    url=None,
    effective_at=datetime(2020, 1, 1, tzinfo=UTC),
)


def policy_from_doc(doc: Doc) -> Policy:
    return Policy(
        id=doc["_id"],
        version=doc["version"],
        title=doc["title"],
        text=doc.get("text"),
        url=doc.get("url"),
        effective_at=doc["effective_at"].replace(tzinfo=UTC),
        published_at=doc["published_at"].replace(tzinfo=UTC),
    )


def _checked(version: str, title: str, text: str | None, url: str | None) -> tuple[str, str, str | None, str | None]:
    version, title = version.strip(), title.strip()
    if not _VERSION.fullmatch(version) or version == DEFAULT_VERSION:
        raise PrivacyError(PrivacyCode.POLICY_VERSION_INVALID, "version", reserved=DEFAULT_VERSION)
    if not title or len(title) > MAX_TITLE:
        raise PrivacyError(PrivacyCode.POLICY_TITLE_INVALID, "title", max_length=MAX_TITLE)
    text = (text or "").strip() or None
    url = (url or "").strip() or None
    if (text is None and url is None) or (text is not None and len(text) > MAX_TEXT):
        raise PrivacyError(PrivacyCode.POLICY_CONTENT_INVALID, "text", max_length=MAX_TEXT)
    if url is not None and (not url.startswith("https://") or len(url) > MAX_URL or any(ch.isspace() for ch in url)):
        raise PrivacyError(PrivacyCode.POLICY_CONTENT_INVALID, "url", max_length=MAX_URL)
    return version, title, text, url


async def publish(
    *,
    mongo: Mongo,
    actor: Staff,
    version: str,
    title: str,
    text: str | None,
    url: str | None,
    effective_at: datetime | None,
    now: datetime,
) -> Policy:
    """OWNER: a new version, in effect from `effective_at` (now when omitted; never in the past, so nobody's
    agreement is judged against a policy they could not have seen)."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    version, title, text, url = _checked(version, title, text, url)
    effective = now if effective_at is None else effective_at.astimezone(UTC)
    if effective < now - _SKEW:
        raise PrivacyError(PrivacyCode.POLICY_EFFECTIVE_IN_PAST, "effectiveAt")
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "version": version,
        "title": title,
        "text": text,
        "url": url,
        "effective_at": effective,
        "published_at": now,
        "published_by": actor.id,
    }
    try:
        await mongo.db[c.PRIVACY_POLICIES].insert_one(doc)
    except DuplicateKeyError as e:
        raise PrivacyError(PrivacyCode.POLICY_VERSION_TAKEN, "version") from e
    await audit(mongo=mongo, actor=actor, action="privacy_policy.publish", target=doc["_id"], version=version)
    return policy_from_doc(doc)


async def list_policies(*, mongo: Mongo, actor: Staff) -> list[Policy]:
    """OWNER and MANAGER: the published versions, the latest effective first."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    cursor = (
        mongo.db[c.PRIVACY_POLICIES]
        .find({"merchant_id": actor.merchant_id})
        .sort([("effective_at", DESCENDING), ("published_at", DESCENDING)])
        .limit(MAX_LISTED)
    )
    return [policy_from_doc(d) async for d in cursor]


async def current(*, mongo: Mongo, merchant_id: ObjectId, now: datetime) -> Policy:
    """The version in effect now: the latest published one whose effective time has come, else DEFAULT."""
    doc = await mongo.db[c.PRIVACY_POLICIES].find_one(
        {"merchant_id": merchant_id, "effective_at": {"$lte": now}},
        sort=[("effective_at", DESCENDING), ("published_at", DESCENDING)],
    )
    return policy_from_doc(doc) if doc else DEFAULT
