"""The service secret and the ones it replaced: what signs (always the current key) and what verifies (the current
key and, during a rotation's window, the previous ones), each key named by a key id derived from it.

A key id is a fingerprint of its key, so rotating is changing JIKE_SECRET_KEY and moving the old value to
JIKE_SECRET_KEY_PREVIOUS: nothing to number or keep in step between processes.
"""

import base64
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_ID_BYTES = 6


def derive(secret: str, purpose: bytes, length: int = 32) -> bytes:
    """A key of its own for one purpose (`jike/member-code`), so no two uses ever share key material."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(secret.encode())


def key_id(secret: str) -> str:
    """Eight characters naming a key in a token's header or a link, telling nothing about the key itself."""
    return base64.urlsafe_b64encode(derive(secret, b"jike/key-id", _KEY_ID_BYTES)).decode()


@dataclass(frozen=True)
class Keyring:
    # repr=False: a keyring turns up in tracebacks and debug output, its keys must not.
    current: str = field(repr=False)
    previous: tuple[str, ...] = field(default=(), repr=False)

    @cached_property
    def current_id(self) -> str:
        return key_id(self.current)

    @cached_property
    def _by_id(self) -> dict[str, str]:
        return {key_id(secret): secret for secret in (*reversed(self.previous), self.current)}

    def secret(self, kid: str) -> str | None:
        """The key a token names, or None for one that is not ours (or no longer is)."""
        return self._by_id.get(kid)

    def derived(self, purpose: bytes) -> tuple[bytes, ...]:
        """Each key's own key for `purpose`, the current one first: what codes too short to name a key are tried
        with, in order."""
        return tuple(derive(secret, purpose) for secret in (self.current, *self.previous))
