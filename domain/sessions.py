"""Sign-in sessions for members and staff: short-lived signed access tokens and rotating refresh tokens.

A refresh token is used once; presenting a used one again means it leaked, so its whole family is revoked. A closed
member account's access tokens are refused from the moment it closes, not when they expire.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from bson import ObjectId
from bson.errors import InvalidId
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain.errors import DomainError
from domain.keyring import Keyring


class Audience(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class SessionCode(StrEnum):
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    REFRESH_TOKEN_REUSED = "REFRESH_TOKEN_REUSED"


class SessionError(DomainError):
    pass


class InvalidToken(Exception):
    """An access token that is malformed, expired, tampered with or meant for the other door."""


@dataclass(frozen=True)
class Principal:
    audience: Audience
    subject_id: ObjectId
    merchant_id: ObjectId


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


_ISSUER = "jike"


class TokenSigner:
    """Signs with the current key, naming it in the token's `kid` header; verifies with whichever key of the
    keyring the token names. Refresh tokens are random and kept server-side, so no key ever signs them."""

    def __init__(self, keys: Keyring, access_ttl: timedelta, refresh_ttl: timedelta) -> None:
        self._keys = keys
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl

    def sign(self, principal: Principal, now: datetime) -> tuple[str, datetime]:
        expires = now + self.access_ttl
        claims = {
            "iss": _ISSUER,
            "aud": principal.audience.value,
            "sub": str(principal.subject_id),
            "mid": str(principal.merchant_id),
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(claims, self._keys.current, algorithm="HS256", headers={"kid": self._keys.current_id})
        return token, expires

    def verify(self, token: str, audience: Audience) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            secret = self._keys.secret(kid) if isinstance(kid, str) else None
            if secret is None:
                raise InvalidToken("signed by a key that is not ours (or no longer is)")
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=audience.value,
                issuer=_ISSUER,
                options={"require": ["exp", "aud", "iss", "sub", "mid"]},
            )
            return Principal(audience, ObjectId(claims["sub"]), ObjectId(claims["mid"]))
        except (jwt.PyJWTError, InvalidId, TypeError) as e:
            raise InvalidToken(str(e)) from e


def _digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


async def _issue(mongo: Mongo, signer: TokenSigner, principal: Principal, family: str) -> TokenPair:
    now = datetime.now(UTC)
    access, access_expires = signer.sign(principal, now)
    refresh = secrets.token_urlsafe(32)
    refresh_expires = now + signer.refresh_ttl
    await mongo.db[c.REFRESH_TOKENS].insert_one(
        {
            "_id": _digest(refresh),
            "family": family,
            "audience": principal.audience.value,
            "subject_id": principal.subject_id,
            "merchant_id": principal.merchant_id,
            "created_at": now,
            "expires_at": refresh_expires,
            "used_at": None,
            "revoked": False,
        }
    )
    return TokenPair(access, access_expires, refresh, refresh_expires)


async def start_session(*, mongo: Mongo, signer: TokenSigner, principal: Principal) -> TokenPair:
    return await _issue(mongo, signer, principal, family=secrets.token_hex(16))


async def refresh_session(*, mongo: Mongo, signer: TokenSigner, audience: Audience, refresh_token: str) -> TokenPair:
    now = datetime.now(UTC)
    tokens = mongo.db[c.REFRESH_TOKENS]
    digest = _digest(refresh_token)
    # Claiming the token is one conditional update, so two concurrent refreshes cannot both succeed.
    doc = await tokens.find_one_and_update(
        {
            "_id": digest,
            "audience": audience.value,
            "used_at": None,
            "revoked": False,
            "expires_at": {"$gt": now},
        },
        {"$set": {"used_at": now}},
    )
    if doc is None:
        stale = await tokens.find_one({"_id": digest, "audience": audience.value})
        if stale is not None and stale["used_at"] is not None:
            await tokens.update_many({"family": stale["family"]}, {"$set": {"revoked": True}})
            raise SessionError(SessionCode.REFRESH_TOKEN_REUSED, "refreshToken")
        raise SessionError(SessionCode.INVALID_REFRESH_TOKEN, "refreshToken")
    # Looked at after the claim: a refresh racing a revocation may still issue a child the revocation
    # missed, but that child is refused here the moment it is presented.
    if await tokens.find_one({"family": doc["family"], "revoked": True}, {"_id": 1}) is not None:
        raise SessionError(SessionCode.INVALID_REFRESH_TOKEN, "refreshToken")
    principal = Principal(audience, doc["subject_id"], doc["merchant_id"])
    # A closing deletes the member's refresh tokens, but one claimed just before it may be presented just after.
    if audience is Audience.MEMBER and not await _open_member(mongo, principal):
        raise SessionError(SessionCode.INVALID_REFRESH_TOKEN, "refreshToken")
    return await _issue(mongo, signer, principal, family=doc["family"])


async def _open_member(mongo: Mongo, principal: Principal) -> bool:
    found = await mongo.db[c.MEMBERS].find_one(
        {"merchant_id": principal.merchant_id, "_id": principal.subject_id, "closed_at": None}, {"_id": 1}
    )
    return found is not None


# An access token is a signed claim good until it expires, so ending one is remembered that long, and a minute more
# for one that a refresh racing the ending signed just after it.
_ENDED_MARGIN = timedelta(minutes=1)


def _ended_key(principal: Principal) -> str:
    return f"jike:access-ended:{principal.audience.value}:{principal.merchant_id}:{principal.subject_id}"


async def end_access(*, redis: Redis, signer: TokenSigner, principal: Principal) -> None:
    """Refuses from now on every access token already handed to `principal`, whose refresh tokens the caller has
    deleted (closing an account)."""
    await redis.set(_ended_key(principal), "1", ex=signer.access_ttl + _ENDED_MARGIN)


async def access_ended(*, redis: Redis, principal: Principal) -> bool:
    return bool(await redis.exists(_ended_key(principal)))
