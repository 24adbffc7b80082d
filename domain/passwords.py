"""Password hashing (argon2id). Hashing is CPU-bound, so it runs off the event loop."""

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Verified against when the phone is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("jike-dummy-password")

MIN_LENGTH = 8


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(hashed: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _HASHER.verify(hashed or _DUMMY_HASH, password) and hashed is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
