"""Staff sign-in by phone and password, with a lockout after repeated failures.

Each attempt reserves its slot in Redis *before* the password is checked, so even concurrent guesses
get no more than the allowed number of tries per window; an attempt MongoDB could not check is given back.
"""

from dataclasses import dataclass
from enum import StrEnum

from pymongo.errors import ConnectionFailure
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain.errors import DomainError
from domain.passwords import verify_password
from domain.pii import PiiCipher, normalize_phone
from domain.sessions import Audience, Principal, TokenPair, TokenSigner, start_session
from domain.tenancy import Staff, staff_from_doc


class StaffAuthCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    STAFF_LOGIN_LOCKED = "STAFF_LOGIN_LOCKED"


class StaffAuthError(DomainError):
    pass


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    window_s: int


@dataclass(frozen=True)
class StaffLogin:
    staff: Staff
    tokens: TokenPair


def attempts_key(phone_hash: str) -> str:
    """The Redis counter of sign-in attempts on one phone number in the current window."""
    return f"staff_login:attempts:{phone_hash}"


async def staff_login(
    *,
    mongo: Mongo,
    redis: Redis,
    pii: PiiCipher,
    signer: TokenSigner,
    policy: LockoutPolicy,
    phone: str,
    password: str,
) -> StaffLogin:
    normalized = normalize_phone(phone) or phone.strip()
    phone_hash = pii.lookup_hash(normalized)
    key = attempts_key(phone_hash)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, policy.window_s, nx=True)
        attempts, _ = await pipe.execute()
    if int(attempts) > policy.max_failures:
        raise StaffAuthError(StaffAuthCode.STAFF_LOGIN_LOCKED, "phone", retry_after_s=await redis.ttl(key))
    try:
        doc = await mongo.db[c.STAFF].find_one({"phone_hash": phone_hash, "active": True})
    except ConnectionFailure:
        # MongoDB is down and no password was checked: the attempt is given back, or staff who keep trying
        # through an outage would find themselves locked out once it is over.
        await redis.decr(key)
        raise
    if not await verify_password(doc["password_hash"] if doc else None, password) or doc is None:
        raise StaffAuthError(StaffAuthCode.INVALID_CREDENTIALS, "password")
    await redis.delete(key)
    staff = staff_from_doc(doc)
    tokens = await start_session(
        mongo=mongo, signer=signer, principal=Principal(Audience.ADMIN, staff.id, staff.merchant_id)
    )
    return StaffLogin(staff, tokens)
