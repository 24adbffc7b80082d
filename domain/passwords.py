"""Password hashing (argon2id) at the cost the settings name. Hashing is CPU-bound, so it runs off the event loop.
A hash carries its own cost, so one made at another cost still verifies."""

import asyncio
from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8


@dataclass(frozen=True)
class PasswordCost:
    """argon2id's passes and memory; the default is RFC 9106's second recommendation (64 MiB, three passes)."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024


class Passwords:
    def __init__(self, cost: PasswordCost) -> None:
        self._hasher = PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib)

    @cached_property
    def _dummy_hash(self) -> str:
        # Verified against when the phone is unknown, so a miss costs as long as a wrong password.
        return self._hasher.hash("jike-dummy-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, hashed: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self._hasher.verify(hashed or self._dummy_hash, password) and hashed is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)
