"""WeChat Pay v3's signatures and encryption: what a request, an answer and a notification are signed over, and
the AEAD_AES_256_GCM sealing of notification resources. Shared by our client and the sandbox.
"""

import base64
import re
import secrets
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat Pay sends probes signed with this prefix to see whether a merchant really verifies; they must fail.
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"
MAX_CLOCK_SKEW = timedelta(minutes=5)
_SIGNED_HEADERS = ("wechatpay-signature", "wechatpay-timestamp", "wechatpay-nonce", "wechatpay-serial")
# Seconds since the epoch in ASCII digits: str.isdigit() would also pass "²", which int() refuses.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def signed_message(*parts: str | bytes) -> bytes:
    """WeChat Pay's signed text: every part followed by a newline, bodies as their exact bytes."""
    return b"".join((p if isinstance(p, bytes) else p.encode()) + b"\n" for p in parts)


def rsa_sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def new_nonce() -> str:
    return secrets.token_hex(16).upper()


def authorization(*, mchid: str, serial_no: str, key: rsa.RSAPrivateKey, method: str, target: str, body: bytes) -> str:
    """The request Authorization header: method, path with query, timestamp, nonce and body, signed."""
    timestamp, nonce = str(int(time.time())), new_nonce()
    signature = rsa_sign(key, signed_message(method, target, timestamp, nonce, body))
    return (
        f'{SIGNATURE_TYPE} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def signature_problem(
    *,
    public_key_id: str,
    public_key: rsa.RSAPublicKey,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    type_required: bool,
) -> str | None:
    """Why a signed response or notification is not genuine and fresh, or None when it is."""
    h = {k.lower(): v for k, v in headers.items()}
    missing = [name for name in _SIGNED_HEADERS if not h.get(name)]
    if missing:
        return f"missing {', '.join(missing)}"
    signature_type = h.get("wechatpay-signature-type")
    if signature_type != SIGNATURE_TYPE and (type_required or signature_type is not None):
        return f"signature type {signature_type!r} is not {SIGNATURE_TYPE}"
    signature = h["wechatpay-signature"]
    if signature.startswith(SIGNTEST_PREFIX):
        return "a WECHATPAY/SIGNTEST probe signature"
    if h["wechatpay-serial"] != public_key_id:
        return f"signed with unknown key {h['wechatpay-serial']!r}"
    timestamp = h["wechatpay-timestamp"]
    if not _TIMESTAMP.fullmatch(timestamp) or abs(now.timestamp() - int(timestamp)) > MAX_CLOCK_SKEW.total_seconds():
        return f"timestamp {timestamp!r} is more than 5 minutes from now"
    if not rsa_verify(public_key, signed_message(timestamp, h["wechatpay-nonce"], body), signature):
        return "signature does not verify"
    return None


def aes_gcm_decrypt(apiv3_key: str, *, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    return AESGCM(apiv3_key.encode()).decrypt(nonce.encode(), base64.b64decode(ciphertext), associated_data.encode())


def aes_gcm_encrypt(apiv3_key: str, *, nonce: str, plaintext: bytes, associated_data: str) -> str:
    return base64.b64encode(
        AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plaintext, associated_data.encode())
    ).decode()
