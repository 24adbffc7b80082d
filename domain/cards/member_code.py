"""The member code (会员码): a short-lived signed code the mini-program shows as a QR code for staff to scan.

A code carries the member, the 60-second window it was made in and a nonce, sealed by an HMAC for one
merchant under a key derived from the service secret (the current one; during a key rotation a code sealed under
the previous one still opens: the code has no room for a key id, and lives 70 s). Staff may use a code once (Redis
SET NX) while its window lasts, plus a few seconds for the scan itself; a screenshot of an older code is
MEMBER_CODE_EXPIRED.

Staff scan every code into one field, so a code's text says what it is: `MBR-` and 48 base32 characters (a
coupon's redeem code starts `CPN-`). The prefix may be left out when a code is typed by hand, and codes made
before it existed (bare base32) still open; with or without it, a code is used once.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from bson import ObjectId
from redis.asyncio import Redis

from domain.cards.errors import CardCode, CardError
from domain.keyring import Keyring

WINDOW_S = 60
GRACE_S = 10
_MAC_BYTES = 10
_NONCE_BYTES = 4
# member id (12) + window (4) + nonce + mac: 30 bytes, 48 base32 characters, no padding.
_CODE_BYTES = 12 + 4 + _NONCE_BYTES + _MAC_BYTES
PREFIX = "MBR-"


def bare(code: str) -> str:
    """The base32 body of a code as scanned or typed: trimmed, upper case, without its prefix."""
    return code.strip().upper().removeprefix(PREFIX)


class MemberCodeSigner:
    def __init__(self, keys: Keyring) -> None:
        # Keys of their own, derived from the service secrets, so no new setting and no key shared with tokens.
        self._keys = keys.derived(b"jike/member-code")

    @staticmethod
    def _mac(key: bytes, merchant_id: ObjectId, body: bytes) -> bytes:
        return hmac.new(key, merchant_id.binary + body, hashlib.sha256).digest()[:_MAC_BYTES]

    def sign(self, merchant_id: ObjectId, member_id: ObjectId, window: int, nonce: bytes) -> str:
        body = member_id.binary + window.to_bytes(4, "big") + nonce
        return PREFIX + base64.b32encode(body + self._mac(self._keys[0], merchant_id, body)).decode()

    def open(self, merchant_id: ObjectId, code: str) -> tuple[ObjectId, int]:
        """(member id, window) of a code made for this merchant; MEMBER_CODE_INVALID for anything else."""
        try:
            raw = base64.b32decode(bare(code))
        except (binascii.Error, ValueError) as e:
            raise CardError(CardCode.MEMBER_CODE_INVALID, "code") from e
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) != _CODE_BYTES or not any(
            hmac.compare_digest(mac, self._mac(key, merchant_id, body)) for key in self._keys
        ):
            raise CardError(CardCode.MEMBER_CODE_INVALID, "code")
        return ObjectId(body[:12]), int.from_bytes(body[12:16], "big")


@lru_cache(maxsize=8)
def signer_for(keys: Keyring) -> MemberCodeSigner:
    return MemberCodeSigner(keys)


def window_of(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_S


@dataclass(frozen=True)
class IssuedMemberCode:
    code: str
    expires_at: datetime


def issue_member_code(*, signer: MemberCodeSigner, merchant_id: ObjectId, member_id: ObjectId) -> IssuedMemberCode:
    """A fresh code for the current window; the mini-program asks again at `expires_at` or after a scan."""
    window = window_of(datetime.now(UTC))
    return IssuedMemberCode(
        code=signer.sign(merchant_id, member_id, window, secrets.token_bytes(_NONCE_BYTES)),
        expires_at=datetime.fromtimestamp((window + 1) * WINDOW_S, UTC),
    )


async def use_member_code(*, redis: Redis, signer: MemberCodeSigner, merchant_id: ObjectId, code: str) -> ObjectId:
    """The member a scanned code names, once: a second scan of the same code is MEMBER_CODE_USED."""
    # The body alone marks the use, so the same code with and without its prefix is still one use.
    code = bare(code)
    member_id, window = signer.open(merchant_id, code)
    now = datetime.now(UTC)
    if now.timestamp() >= (window + 1) * WINDOW_S + GRACE_S:
        raise CardError(CardCode.MEMBER_CODE_EXPIRED, "code")
    if window > window_of(now) + 1:
        raise CardError(CardCode.MEMBER_CODE_INVALID, "code")
    if not await redis.set(f"member_code:used:{code}", "1", nx=True, ex=2 * WINDOW_S + GRACE_S):
        raise CardError(CardCode.MEMBER_CODE_USED, "code")
    return member_id
