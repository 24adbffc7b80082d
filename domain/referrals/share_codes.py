"""Share codes: a member's or staff member's short random code, the share path and mini-program code image
(wxacode.getUnlimited) that carry it, and reading a touch back out of the launch query or QR scene.

The format, at most 32 characters as a wxacode scene must be: `r=<code>` a member's share link, `m=<code>`
a member's QR code, `s=<code>` a staff member's QR code or link. Codes are random (not ids), so nobody can
name an upline or a staff member they were not given.

A plain QR code (one an app draws itself) opens the mini-program only through a link whose prefix is registered in
the mini-program's console (扫普通链接二维码打开小程序): `<prefix>?s=<code>`. WeChat opens the mini-program with
that link in its launch query, and the touch is read back from the link's own query like any other.
"""

import logging
import secrets
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from channels.wechat import WeChatClient, WeChatError
from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.touch import Sharer
from domain.referrals.binding import BindingSource
from domain.referrals.errors import ReferralCode, ReferralError
from domain.tenancy import Staff

log = logging.getLogger(__name__)

LANDING_PAGE = "pages/index/index"
CODE_LENGTH = 10
# No 0/o, 1/l/i: a code read aloud or typed from a poster survives.
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_ATTEMPTS = 5


class ShareKind(StrEnum):
    MEMBER_LINK = "r"
    MEMBER_QR = "m"
    STAFF = "s"


SOURCES = {
    ShareKind.MEMBER_LINK: BindingSource.LOGIN_SHARE,
    ShareKind.MEMBER_QR: BindingSource.MEMBER_QR,
    ShareKind.STAFF: BindingSource.STAFF_QR,
}


@dataclass(frozen=True)
class ShareTouch:
    kind: ShareKind
    code: str


@dataclass(frozen=True)
class ShareCode:
    code: str
    path: str
    scene: str
    image_png: bytes
    # What a plain QR code carries; None until a link prefix is registered and configured.
    qr_link: str | None


def qr_link(link_base: str, scene: str) -> str | None:
    """The registered link carrying the QR code's scene as its query; None without a registered prefix."""
    if not link_base:
        return None
    return f"{link_base}{'&' if '?' in link_base else '?'}{scene}"


def scene_of(kind: ShareKind, code: str) -> str:
    return f"{kind.value}={code}"


def _valid_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in _ALPHABET for ch in code)


def parse_share_params(raw: str) -> ShareTouch | None:
    """The touch in a launch query (`r=…`, `a=1&s=…`), a page path with one, or a QR `scene=` (URL-encoded)."""
    params = dict(parse_qsl(raw.rpartition("?")[2][:512]))
    if "scene" in params:
        params = dict(parse_qsl(params["scene"]))
    for kind in ShareKind:
        code = params.get(kind.value, "").strip().lower()
        if _valid_code(code):
            return ShareTouch(kind, code)
    return None


def _new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def _owner_key(sharer: Sharer) -> str:
    return f"member:{sharer.member_id}" if sharer.member_id else f"staff:{sharer.staff_id}"


async def code_for(mongo: Mongo, merchant_id: ObjectId, sharer: Sharer) -> str:
    """The sharer's code, made on first use; racing first uses agree on one (owner_key is unique)."""
    codes = mongo.db[c.SHARE_CODES]
    key = _owner_key(sharer)
    for _ in range(_ATTEMPTS):
        found = await codes.find_one({"owner_key": key})
        if found is not None:
            return str(found["_id"])
        doc: Doc = {"_id": _new_code(), "owner_key": key, "merchant_id": merchant_id, **sharer.doc()}
        try:
            await codes.insert_one(doc)
            return str(doc["_id"])
        except DuplicateKeyError:
            # Either a concurrent first use made this owner's code (read it next time round) or the
            # random code is taken (draw again); both are settled by going round.
            continue
    raise RuntimeError("no share code after several draws")


async def sharer_of(mongo: Mongo, merchant_id: ObjectId, code: str) -> Sharer | None:
    doc = await mongo.db[c.SHARE_CODES].find_one({"_id": code, "merchant_id": merchant_id})
    return Sharer(doc.get("member_id"), doc.get("staff_id")) if doc else None


async def _image(wechat: WeChatClient, scene: str) -> bytes:
    try:
        return await wechat.get_unlimited_code(scene=scene, page=LANDING_PAGE)
    except WeChatError as e:
        log.error("wechat getwxacodeunlimit failed", extra={"errcode": e.errcode, "errmsg": e.errmsg})
        raise ReferralError(ReferralCode.SHARE_CODE_UNAVAILABLE) from e


async def member_share_code(
    *, mongo: Mongo, wechat: WeChatClient, link_base: str, merchant_id: ObjectId, member_id: ObjectId
) -> ShareCode:
    """The link a member shares (`r=`) and the QR code they show (`m=`): both bind a friend under them."""
    code = await code_for(mongo, merchant_id, Sharer(member_id=member_id))
    scene = scene_of(ShareKind.MEMBER_QR, code)
    path = f"{LANDING_PAGE}?{scene_of(ShareKind.MEMBER_LINK, code)}"
    return ShareCode(code, path, scene, await _image(wechat, scene), qr_link(link_base, scene))


async def staff_share_code(*, mongo: Mongo, wechat: WeChatClient, link_base: str, actor: Staff) -> ShareCode:
    """A staff member's own QR code (员工专属二维码); members who come in through it are theirs."""
    code = await code_for(mongo, actor.merchant_id, Sharer(staff_id=actor.id))
    scene = scene_of(ShareKind.STAFF, code)
    return ShareCode(code, f"{LANDING_PAGE}?{scene}", scene, await _image(wechat, scene), qr_link(link_base, scene))
