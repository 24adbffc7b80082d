"""A real HTTP server speaking the WeChat mini-program server API and Alipay's gateway, for dev and tests.

Login codes look like `<user>.<anything>`: every code of one user yields the same openid, each code works
once (40163 after), and a code without a dot is invalid (40029), just as WeChat answers a forged code.
Alipay requests must carry a valid RSA2 signature by the app key; responses are signed with the fake's key.
"""

import base64
import hashlib
import json
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from channels.alipay import rsa2_sign, rsa2_verify, signing_content


@dataclass
class FakeState:
    appid: str
    secret: str
    alipay_app_id: str
    alipay_app_public_key: rsa.RSAPublicKey
    alipay_private_key: rsa.RSAPrivateKey
    used_codes: set[str] = field(default_factory=set)
    # Every session_key handed out, so a test can prove none of them ever leaves our server.
    session_keys: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    current_token: str | None = None
    tokens_issued: int = 0
    phones: dict[str, str] = field(default_factory=dict)
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    refusing_users: set[str] = field(default_factory=set)


def openid_for(appid: str, user: str) -> str:
    return "o" + hashlib.sha256(f"{appid}:{user}".encode()).hexdigest()[:27]


def _err(errcode: int, errmsg: str) -> JSONResponse:
    return JSONResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(6)}"})


def _png(width: int) -> bytes:
    """A real (blank, square) PNG, enough for a client to decode and draw."""
    size = max(1, min(width, 1280))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _take_code(state: FakeState, code: str) -> str | JSONResponse:
    user, dot, _ = code.partition(".")
    if not dot or not user:
        return _err(40029, "invalid code")
    if code in state.used_codes:
        return _err(40163, "code been used")
    state.used_codes.add(code)
    return user


_BAD_TOKEN = (40001, "invalid credential, access_token is invalid or not latest")


class _Endpoints:
    def __init__(self, state: FakeState) -> None:
        self.state = state

    def _token_ok(self, request: Request) -> bool:
        return request.query_params.get("access_token") in self.state.tokens

    async def jscode2session(self, request: Request) -> Response:
        q = request.query_params
        if q.get("appid") != self.state.appid or q.get("secret") != self.state.secret:
            return _err(40125, "invalid appsecret")
        user = _take_code(self.state, q.get("js_code", ""))
        if isinstance(user, JSONResponse):
            return user
        openid = openid_for(self.state.appid, user)
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        self.state.session_keys.append(session_key)
        return JSONResponse({"openid": openid, "session_key": session_key, "unionid": "u" + openid[1:]})

    async def stable_token(self, request: Request) -> Response:
        body = await request.json()
        if body.get("appid") != self.state.appid or body.get("secret") != self.state.secret:
            return _err(40125, "invalid appsecret")
        if body.get("force_refresh") or self.state.current_token not in self.state.tokens:
            self.state.current_token = secrets.token_hex(24)
            self.state.tokens.add(self.state.current_token)
            self.state.tokens_issued += 1
        return JSONResponse({"access_token": self.state.current_token, "expires_in": 7200})

    async def phone_number(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _err(*_BAD_TOKEN)
        phone = self.state.phones.get((await request.json()).get("code", ""))
        if phone is None:
            return _err(40029, "invalid code")
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": phone,
                    "purePhoneNumber": phone,
                    "countryCode": "86",
                    "watermark": {"timestamp": 0, "appid": self.state.appid},
                },
            }
        )

    async def subscribe_send(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _err(*_BAD_TOKEN)
        body = await request.json()
        if body.get("touser") in self.state.refusing_users:
            return _err(43101, "user refuse to accept the msg")
        self.state.sent_messages.append(body)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def wxacode(self, request: Request) -> Response:
        if not self._token_ok(request):
            return _err(*_BAD_TOKEN)
        body = await request.json()
        scene = str(body.get("scene", ""))
        if not scene or len(scene) > 32:
            return _err(40169, "invalid length for scene, or the data is not json string")
        return Response(_png(int(body.get("width", 430))), media_type="image/png")

    async def alipay_gateway(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("app_id") != self.state.alipay_app_id or not rsa2_verify(
            signing_content(form), form.get("sign", ""), self.state.alipay_app_public_key
        ):
            return self._alipay_error("40002", "Invalid Arguments", "isv.invalid-signature", "验签出错")
        if form.get("method") != "alipay.system.oauth.token":
            return self._alipay_error("40004", "Business Failed", "isv.invalid-method", "")
        user = _take_code(self.state, form.get("code", ""))
        if isinstance(user, JSONResponse):
            return self._alipay_error("40002", "Invalid Arguments", "isv.code-invalid", "授权码code无效")
        return _alipay_reply(
            self.state,
            "alipay_system_oauth_token_response",
            {
                "user_id": "2088" + hashlib.sha256(user.encode()).hexdigest()[:12],
                "open_id": openid_for(self.state.alipay_app_id, user),
                "access_token": secrets.token_hex(16),
                "expires_in": 1209600,
                "refresh_token": secrets.token_hex(16),
                "re_expires_in": 2592000,
            },
        )

    def _alipay_error(self, code: str, msg: str, sub_code: str, sub_msg: str) -> Response:
        return _alipay_reply(
            self.state, "error_response", {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_msg}
        )

    async def expire_token(self, request: Request) -> Response:
        # Test control: the current token stops working, as when WeChat invalidates it early.
        self.state.tokens.clear()
        return PlainTextResponse("ok")


def create_fake_app(state: FakeState) -> Starlette:
    e = _Endpoints(state)
    return Starlette(
        routes=[
            Route("/sns/jscode2session", e.jscode2session),
            Route("/cgi-bin/stable_token", e.stable_token, methods=["POST"]),
            Route("/wxa/business/getuserphonenumber", e.phone_number, methods=["POST"]),
            Route("/cgi-bin/message/subscribe/send", e.subscribe_send, methods=["POST"]),
            Route("/wxa/getwxacodeunlimit", e.wxacode, methods=["POST"]),
            Route("/gateway.do", e.alipay_gateway, methods=["POST"]),
            Route("/_fake/expire-token", e.expire_token, methods=["POST"]),
        ]
    )


def _alipay_reply(state: FakeState, member: str, payload: dict[str, Any]) -> Response:
    content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sign = rsa2_sign(content, state.alipay_private_key)
    body = f'{{"{member}":{content},"sign":"{sign}"}}'
    return Response(body, media_type="application/json; charset=utf-8")
