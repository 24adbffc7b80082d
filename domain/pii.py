"""Personal data at rest: phone numbers are AES-GCM encrypted and looked up by a keyed hash.

Both keys are derived from one secret (HKDF with distinct labels) so an operator manages one value.
"""

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PHONE = re.compile(r"^\+?\d{6,15}$")
_VERSION = "v1"


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


def normalize_phone(raw: str) -> str | None:
    phone = raw.strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone if _PHONE.match(phone) else None


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class PiiCipher:
    def __init__(self, secret: str) -> None:
        material = secret.encode()
        self._aead = AESGCM(_derive(material, b"jike/pii/aes-gcm"))
        self._hash_key = _derive(material, b"jike/pii/lookup-hash")

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _VERSION.encode())
        return f"{_VERSION}:" + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token: str) -> str:
        version, _, body = token.partition(":")
        raw = base64.b64decode(body)
        return self._aead.decrypt(raw[:12], raw[12:], version.encode()).decode()

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()
