"""Alipay open-platform calls for the mini-program (oauth.token), with RSA2 signatures both ways.

Requests are signed with the app's private key; responses are verified with Alipay's public key over the
exact bytes of the `*_response` member, as Alipay's gateway signs them.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_CST = ZoneInfo("Asia/Shanghai")


class AlipayError(Exception):
    def __init__(self, code: str, sub_code: str, message: str) -> None:
        super().__init__(f"{code}/{sub_code}: {message}")
        self.code = code
        self.sub_code = sub_code


@dataclass(frozen=True)
class AlipayUser:
    # Alipay's OpenID mode answers open_id; older apps get user_id. Either names the user within our app.
    open_id: str


@cache
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    # Parsing checks the key, tens of milliseconds for RSA-2048; each start of the clients loads the same few.
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("an RSA private key is required")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("an RSA public key is required")
    return key


def signing_content(params: dict[str, str]) -> str:
    """Alipay's canonical string: sorted key=value pairs, without sign and empty values."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")


def rsa2_sign(content: str, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(content: str, signature: str, key: rsa.RSAPublicKey) -> bool:
    try:
        key.verify(base64.b64decode(signature), content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_member(body: str, member: str) -> str | None:
    """The raw text of `member` inside a gateway response, i.e. exactly what Alipay signed."""
    marker = f'"{member}":'
    start = body.find(marker)
    end = body.rfind(',"sign"')
    if start < 0 or end < 0:
        return None
    return body[start + len(marker) : end].strip()


class AlipayClient:
    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        gateway: str,
        app_id: str,
        app_private_key: rsa.RSAPrivateKey,
        alipay_public_key: rsa.RSAPublicKey,
    ) -> None:
        self._http = http
        self._gateway = gateway
        self.app_id = app_id
        self._private_key = app_private_key
        self._alipay_key = alipay_public_key

    async def _call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        form = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(_CST).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            **params,
        }
        form["sign"] = rsa2_sign(signing_content(form), self._private_key)
        try:
            body = (await self._http.post(self._gateway, data=form)).text
            parsed = json.loads(body)
        except (httpx.HTTPError, ValueError) as e:
            # One exception type for callers: an unreachable or garbled gateway is a failed call.
            raise AlipayError("UNAVAILABLE", type(e).__name__, "gateway unreachable or not JSON") from e
        member = method.replace(".", "_") + "_response"
        content = signed_member(body, member) if f'"{member}"' in body else signed_member(body, "error_response")
        if (
            not isinstance(parsed, dict)
            or content is None
            or not rsa2_verify(content, str(parsed.get("sign", "")), self._alipay_key)
        ):
            raise AlipayError("SIGNATURE", "invalid-signature", "response signature did not verify")
        if "error_response" in parsed:
            error = parsed["error_response"]
            raise AlipayError(str(error.get("code")), str(error.get("sub_code", "")), str(error.get("sub_msg", "")))
        result: dict[str, Any] = parsed[member]
        return result

    async def oauth_token(self, code: str) -> AlipayUser:
        result = await self._call("alipay.system.oauth.token", {"grant_type": "authorization_code", "code": code})
        return AlipayUser(open_id=str(result.get("open_id") or result["user_id"]))
