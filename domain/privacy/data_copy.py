"""The member's copy of their data (个人信息副本): asked for at most once a China calendar day (a unique index, so
racing taps make one request and one job), prepared by the worker from the declaration in `member_data` into a
gzipped JSON file kept for COPY_TTL (MongoDB's TTL index then deletes it), and downloaded through a link signed for
LINK_TTL that serves only the member it was made for, signed in.
"""

import base64
import gzip
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bson import Binary, ObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.events import MemberDataRequested
from domain.keyring import Keyring, derive
from domain.members import display_name
from domain.pii import PiiCipher
from domain.privacy.errors import PrivacyCode, PrivacyError
from domain.privacy.member_data import HIDDEN, MEMBER_DATA

# The day a request counts against, as the member's own calendar has it.
CHINA = ZoneInfo("Asia/Shanghai")
COPY_TTL = timedelta(days=7)
LINK_TTL = timedelta(minutes=10)
FORMAT = "jike-member-data/1"


class RequestStatus(StrEnum):
    PREPARING = "PREPARING"
    READY = "READY"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class DataRequest:
    id: ObjectId
    member_id: ObjectId
    requested_at: datetime
    status: RequestStatus
    ready_at: datetime | None
    expires_at: datetime | None
    size_bytes: int | None


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _request_from(doc: Doc, now: datetime) -> DataRequest:
    expires_at = _utc(doc.get("expires_at"))
    status = RequestStatus(doc["status"])
    if status is RequestStatus.READY and expires_at is not None and expires_at <= now:
        status = RequestStatus.EXPIRED
    return DataRequest(
        id=doc["_id"],
        member_id=doc["member_id"],
        requested_at=doc["requested_at"].replace(tzinfo=UTC),
        status=status,
        ready_at=_utc(doc.get("ready_at")),
        expires_at=expires_at,
        size_bytes=doc.get("size_bytes"),
    )


def china_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


async def request_copy(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime) -> DataRequest:
    """A new request and its MEMBER_DATA_REQUESTED, in one transaction; DATA_REQUEST_TOO_SOON when the member
    already asked today (China time), however many asks race."""
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "member_id": member_id,
        "day": china_day(now).isoformat(),
        "requested_at": now,
        "status": RequestStatus.PREPARING.value,
    }

    async def work(s: AsyncClientSession) -> None:
        await mongo.db[c.MEMBER_DATA_REQUESTS].insert_one(doc, session=s)
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=merchant_id,
            event=MemberDataRequested(doc["_id"], member_id),
            dedupe_key=f"member-data:{doc['_id']}",
        )

    try:
        await transaction(mongo, work)
    except DuplicateKeyError as e:
        tomorrow = datetime.combine(china_day(now) + timedelta(days=1), datetime.min.time(), CHINA)
        raise PrivacyError(PrivacyCode.DATA_REQUEST_TOO_SOON, next_at=tomorrow.isoformat()) from e
    return _request_from(doc, now)


async def latest(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime) -> DataRequest | None:
    doc = await mongo.db[c.MEMBER_DATA_REQUESTS].find_one(
        {"merchant_id": merchant_id, "member_id": member_id}, sort=[("day", -1)]
    )
    return _request_from(doc, now) if doc else None


def _plain(value: Any) -> Any:
    """BSON as JSON a person can read: ids and times as strings, keys and hashes left out."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if k not in HIDDEN}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, bytes):
        return None
    return value


def member_query(collection: str, merchant_id: ObjectId, member_id: ObjectId) -> Doc:
    """The member's own documents of `collection` (member_data.MEMBER_DATA[collection].own)."""
    own = MEMBER_DATA[collection].own
    return {"merchant_id": merchant_id, "$or": [{f: member_id} for f in own]}


async def _referrals(mongo: Mongo, merchant_id: ObjectId, member: Doc) -> Doc:
    """Up and down, by display name only: other members' ids and details are theirs."""
    members = mongo.db[c.MEMBERS]
    upline = None
    if member.get("referrer_id") is not None:
        up = await members.find_one({"merchant_id": merchant_id, "_id": member["referrer_id"]}, {"nickname": 1})
        upline = display_name(up.get("nickname")) if up else None
    downline = [
        {"name": display_name(d.get("nickname")), "level": 1 if d.get("referrer_id") == member["_id"] else 2}
        async for d in members.find(
            {"merchant_id": merchant_id, "ancestors": member["_id"]}, {"nickname": 1, "referrer_id": 1}
        ).sort("_id", 1)
    ]
    return {"upline": upline, "downline": downline}


async def collect(*, mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, member_id: ObjectId) -> Doc:
    """Everything Jike holds about the member, as the copy's JSON object."""
    member = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id})
    if member is None:
        raise RuntimeError(f"member {member_id} of a data request is gone")
    merchant = await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"name": 1})
    sections: dict[str, list[Any]] = {}
    for collection, declared in MEMBER_DATA.items():
        if not declared.own:
            continue
        docs = [
            d async for d in mongo.db[collection].find(member_query(collection, merchant_id, member_id)).sort("_id", 1)
        ]
        if collection == c.CARDS:
            # The member's own phone, the one place the copy decrypts one.
            for card in docs:
                if card.get("phone_enc"):
                    card["phone"] = pii.decrypt(card["phone_enc"])
        sections[collection] = _plain(docs)
    return {
        "format": FORMAT,
        "merchant": (merchant or {}).get("name"),
        "member_id": str(member_id),
        "referrals": await _referrals(mongo, merchant_id, member),
        "collections": sections,
    }


async def prepare(*, mongo: Mongo, pii: PiiCipher, merchant_id: ObjectId, request_id: ObjectId, now: datetime) -> bool:
    """The worker's part: the file, then the request READY. Idempotent: a retried job rewrites the same file, and a
    request already prepared is left as it is. False when there was nothing to do."""
    request = await mongo.db[c.MEMBER_DATA_REQUESTS].find_one({"merchant_id": merchant_id, "_id": request_id})
    if request is None or request["status"] != RequestStatus.PREPARING.value:
        return False
    data = await collect(mongo=mongo, pii=pii, merchant_id=merchant_id, member_id=request["member_id"])
    data["prepared_at"] = now.isoformat()
    body = gzip.compress(json.dumps(data, ensure_ascii=False, indent=1).encode())
    expires_at = now + COPY_TTL
    await mongo.db[c.MEMBER_DATA_FILES].replace_one(
        {"merchant_id": merchant_id, "_id": request_id},
        {
            "merchant_id": merchant_id,
            "member_id": request["member_id"],
            "expires_at": expires_at,
            "gzip": Binary(body),
        },
        upsert=True,
    )
    await mongo.db[c.MEMBER_DATA_REQUESTS].update_one(
        {"merchant_id": merchant_id, "_id": request_id, "status": RequestStatus.PREPARING.value},
        {
            "$set": {
                "status": RequestStatus.READY.value,
                "ready_at": now,
                "expires_at": expires_at,
                "size_bytes": len(body),
            }
        },
    )
    return True


@dataclass(frozen=True)
class Grant:
    merchant_id: ObjectId
    member_id: ObjectId
    request_id: ObjectId
    expires_at: datetime


_SIGNED = ("merchant", "member", "request", "expires", "kid")
_PURPOSE = b"jike/member-data-copy"


class DataLinkSigner:
    """Links to a copy, signed with a key of their own derived from the service secrets (as the reconciliation
    export's are); a link names the key that signed it."""

    def __init__(self, keys: Keyring) -> None:
        self._keys = keys
        self._current = derive(keys.current, _PURPOSE)

    @staticmethod
    def _mac(key: bytes, params: Mapping[str, str]) -> str:
        mac = hmac.new(key, "\n".join(params[k] for k in _SIGNED).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def sign(self, grant: Grant) -> dict[str, str]:
        params = {
            "merchant": str(grant.merchant_id),
            "member": str(grant.member_id),
            "request": str(grant.request_id),
            "expires": str(int(grant.expires_at.timestamp())),
            "kid": self._keys.current_id,
        }
        return {**params, "sig": self._mac(self._current, params)}

    def open(self, params: Mapping[str, str], now: datetime) -> Grant:
        try:
            signed = {k: params[k] for k in _SIGNED}
            secret = self._keys.secret(signed["kid"])
            if secret is None or not hmac.compare_digest(
                params["sig"].encode(), self._mac(derive(secret, _PURPOSE), signed).encode()
            ):
                raise PrivacyError(PrivacyCode.DATA_LINK_INVALID)
            grant = Grant(
                merchant_id=ObjectId(signed["merchant"]),
                member_id=ObjectId(signed["member"]),
                request_id=ObjectId(signed["request"]),
                expires_at=datetime.fromtimestamp(int(signed["expires"]), UTC),
            )
        except (KeyError, ValueError, InvalidId) as e:
            raise PrivacyError(PrivacyCode.DATA_LINK_INVALID) from e
        if now >= grant.expires_at:
            raise PrivacyError(PrivacyCode.DATA_LINK_EXPIRED)
        return grant


def signer_for(keys: Keyring) -> DataLinkSigner:
    return DataLinkSigner(keys)


def link_params(
    *, signer: DataLinkSigner, merchant_id: ObjectId, request: DataRequest, now: datetime
) -> tuple[dict[str, str], datetime] | None:
    """A fresh link to a READY copy, valid for LINK_TTL (never past the copy's own expiry); None otherwise."""
    if request.status is not RequestStatus.READY or request.expires_at is None:
        return None
    expires_at = min(now + LINK_TTL, request.expires_at)
    grant = Grant(merchant_id, request.member_id, request.id, expires_at)
    return signer.sign(grant), expires_at


@dataclass(frozen=True)
class RequestView:
    request: DataRequest
    # The link's query parameters and when it stops working, while the copy is READY.
    link: tuple[dict[str, str], datetime] | None


async def view_latest(
    *, mongo: Mongo, signer: DataLinkSigner, merchant_id: ObjectId, member_id: ObjectId, now: datetime
) -> RequestView | None:
    """The member's latest request, with a fresh link once READY."""
    request = await latest(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=now)
    if request is None:
        return None
    return RequestView(request, link_params(signer=signer, merchant_id=merchant_id, request=request, now=now))


@dataclass(frozen=True)
class Download:
    filename: str
    body: bytes


async def open_download(
    *, mongo: Mongo, signer: DataLinkSigner, params: Mapping[str, str], member_id: ObjectId | None, now: datetime
) -> Download:
    """The copy a link names, for the member it was made for (`member_id`, from their session) and nobody else."""
    grant = signer.open(params, now)
    if member_id != grant.member_id:
        raise PrivacyError(PrivacyCode.DATA_LINK_NOT_YOURS)
    file = await mongo.db[c.MEMBER_DATA_FILES].find_one(
        {"merchant_id": grant.merchant_id, "_id": grant.request_id, "member_id": grant.member_id}
    )
    if file is None or file["expires_at"].replace(tzinfo=UTC) <= now:
        raise PrivacyError(PrivacyCode.DATA_COPY_EXPIRED)
    day = china_day(grant.request_id.generation_time).isoformat()
    return Download(filename=f"jike-my-data-{day}.json", body=gzip.decompress(file["gzip"]))
