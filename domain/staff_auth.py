"""Staff sign-in by phone and password, with a lockout after repeated failures, and its lifting by an owner.

Failures are counted per phone and client address, so a stranger who knows a phone number locks out only
themselves; a higher ceiling per phone, from every address, bounds guesses from many. Each attempt reserves its
slot in Redis *before* the password is checked, so even concurrent guesses get no more tries than allowed; an
attempt MongoDB could not check is given back.
"""

from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId
from pymongo.errors import ConnectionFailure
from redis.asyncio import Redis

from db import collections as c
from db.mongo import Mongo
from domain.errors import DomainError, PermissionDenied
from domain.passwords import Passwords
from domain.pii import PiiCipher, normalize_phone
from domain.sessions import Audience, Principal, TokenPair, TokenSigner, start_session
from domain.tenancy import Role, Staff, audit, staff_from_doc


class StaffAuthCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    STAFF_LOGIN_LOCKED = "STAFF_LOGIN_LOCKED"
    # Shared with other capabilities on purpose: the same code means the same thing everywhere.
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND"


class StaffAuthError(DomainError):
    pass


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int  # per phone and client address
    max_failures_per_phone: int  # from every address together
    window_s: int


@dataclass(frozen=True)
class StaffLogin:
    staff: Staff
    tokens: TokenPair


def attempts_key(phone_hash: str, client: str) -> str:
    """The Redis counter of sign-in attempts on one phone number from one client address in the current window."""
    return f"staff_login:attempts:{phone_hash}:{client}"


def _phone_attempts_key(phone_hash: str) -> str:
    return f"staff_login:attempts:{phone_hash}"


def _clients_key(phone_hash: str) -> str:
    """The client addresses with a counter on the phone this window, so an unlock can clear every one."""
    return f"staff_login:clients:{phone_hash}"


async def _reserve(redis: Redis, key: str, window_s: int, *, client_of: tuple[str, str] | None = None) -> int:
    """One more attempt on `key`, whose window starts with its first attempt; the count so far."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_s, nx=True)
        if client_of is not None:
            pipe.sadd(*client_of)
            pipe.expire(client_of[0], window_s)
        attempts, *_ = await pipe.execute()
    return int(attempts)


async def staff_login(
    *,
    mongo: Mongo,
    redis: Redis,
    pii: PiiCipher,
    signer: TokenSigner,
    passwords: Passwords,
    policy: LockoutPolicy,
    phone: str,
    password: str,
    client: str,
) -> StaffLogin:
    normalized = normalize_phone(phone) or phone.strip()
    phone_hash = pii.lookup_hash(normalized)
    key = attempts_key(phone_hash, client)
    if await _reserve(redis, key, policy.window_s, client_of=(_clients_key(phone_hash), client)) > policy.max_failures:
        raise StaffAuthError(StaffAuthCode.STAFF_LOGIN_LOCKED, "phone", retry_after_s=await redis.ttl(key))
    # Only attempts this address may still make count against the phone: one address alone cannot use up the
    # ceiling that locks the phone everywhere.
    everywhere = _phone_attempts_key(phone_hash)
    if await _reserve(redis, everywhere, policy.window_s) > policy.max_failures_per_phone:
        raise StaffAuthError(StaffAuthCode.STAFF_LOGIN_LOCKED, "phone", retry_after_s=await redis.ttl(everywhere))
    try:
        doc = await mongo.db[c.STAFF].find_one({"phone_hash": phone_hash, "active": True})
    except ConnectionFailure:
        # MongoDB is down and no password was checked: the attempts are given back, or staff who keep trying
        # through an outage would find themselves locked out once it is over.
        await redis.decr(key)
        await redis.decr(everywhere)
        raise
    if not await passwords.verify(doc["password_hash"] if doc else None, password) or doc is None:
        raise StaffAuthError(StaffAuthCode.INVALID_CREDENTIALS, "password")
    # This address starts over; the phone's count does not, or each sign-in would give guessers elsewhere more tries.
    await redis.delete(key)
    staff = staff_from_doc(doc)
    tokens = await start_session(
        mongo=mongo, signer=signer, principal=Principal(Audience.ADMIN, staff.id, staff.merchant_id)
    )
    return StaffLogin(staff, tokens)


async def unlock_staff(*, mongo: Mongo, redis: Redis, actor: Staff, staff_id: ObjectId) -> Staff:
    """OWNER: lifts the sign-in lockout of a staff member of their merchant, from every address at once."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    doc = await mongo.db[c.STAFF].find_one({"_id": staff_id, "merchant_id": actor.merchant_id})
    if doc is None:
        raise StaffAuthError(StaffAuthCode.STAFF_NOT_FOUND, "staffId")
    phone_hash = doc["phone_hash"]
    clients = _clients_key(phone_hash)
    addresses = await redis.smembers(clients)  # type: ignore[misc]
    await redis.delete(_phone_attempts_key(phone_hash), clients, *(attempts_key(phone_hash, a) for a in addresses))
    await audit(mongo=mongo, actor=actor, action="staff.unlock", target=staff_id)
    return staff_from_doc(doc)
