"""A small async client for the WeChat mini-program server APIs we use.

The access token comes from `stable_token` and is cached in Redis, shared by every process, with a
SET NX lock so a cold cache costs one upstream call. `session_key` is dropped on receipt: phone numbers
come through the getuserphonenumber code, so nothing of ours needs it, and it never leaves the server.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis

# errcodes that mean "this access token is no good": replace it and try once more.
TOKEN_ERRCODES = frozenset({40001, 42001, 40014})
# WeChat's own "system busy" errcode; also ours for a WeChat we could not reach or understand.
SYSTEM_BUSY = -1
MAX_SCENE_LENGTH = 32
_LOCK_TTL_S = 10
_EARLY_REFRESH_S = 300


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True)
class WxSession:
    openid: str
    unionid: str | None


class WeChatClient:
    def __init__(self, *, http: httpx.AsyncClient, redis: Redis, base_url: str, appid: str, secret: str) -> None:
        self._http = http
        self._redis = redis
        self._base = base_url.rstrip("/")
        self.appid = appid
        self._secret = secret
        self._token_key = f"wechat:access_token:{appid}"
        self._lock_key = f"wechat:access_token:lock:{appid}"

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, f"{self._base}{path}", **kwargs)
        except httpx.HTTPError as e:
            # One exception type for callers: an unreachable WeChat is a busy WeChat.
            raise WeChatError(SYSTEM_BUSY, f"WeChat unreachable: {type(e).__name__}") from e

    @staticmethod
    def _checked(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as e:
            raise WeChatError(SYSTEM_BUSY, f"HTTP {response.status_code} without a JSON body") from e
        if not isinstance(body, dict):
            raise WeChatError(SYSTEM_BUSY, f"HTTP {response.status_code} with a JSON body that is not an object")
        errcode = int(body.get("errcode") or 0)
        if errcode != 0:
            raise WeChatError(errcode, str(body.get("errmsg", "")))
        return body

    async def jscode2session(self, code: str) -> WxSession:
        response = await self._request(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        body = self._checked(response)
        return WxSession(openid=body["openid"], unionid=body.get("unionid"))

    async def _fetch_token(self, force_refresh: bool) -> str:
        response = await self._request(
            "POST",
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self._secret,
                "force_refresh": force_refresh,
            },
        )
        body = self._checked(response)
        token = str(body["access_token"])
        ttl = max(int(body["expires_in"]) - _EARLY_REFRESH_S, 1)
        await self._redis.set(self._token_key, token, ex=ttl)
        return token

    async def _cached_token(self, replacing: str | None) -> str | None:
        cached = await self._redis.get(self._token_key)
        if cached is None:
            return None
        token = cached.decode() if isinstance(cached, bytes) else str(cached)
        return None if token == replacing else token

    async def access_token(self, *, replacing: str | None = None) -> str:
        """The shared access token; with `replacing`, one other than that token, which WeChat refused.

        Many requests that saw the same token refused end in one forced refresh, not one each: stable_token
        allows few of those a day.
        """
        if (cached := await self._cached_token(replacing)) is not None:
            return cached
        if await self._redis.set(self._lock_key, "1", nx=True, ex=_LOCK_TTL_S):
            try:
                # Whoever held the lock before us may have just cached a token: look again before calling.
                if (cached := await self._cached_token(replacing)) is not None:
                    return cached
                return await self._fetch_token(force_refresh=replacing is not None)
            finally:
                await self._redis.delete(self._lock_key)
        # Someone else is fetching: wait for their result rather than spend our own call.
        for _ in range(50):
            await asyncio.sleep(0.1)
            if (cached := await self._cached_token(replacing)) is not None:
                return cached
        return await self._fetch_token(force_refresh=replacing is not None)

    async def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        """POST with the access token; when WeChat refuses the token, replace it once and retry."""
        token = await self.access_token()
        response = await self._request("POST", path, params={"access_token": token}, json=payload)
        if _refuses_token(response):
            token = await self.access_token(replacing=token)
            response = await self._request("POST", path, params={"access_token": token}, json=payload)
        return response

    async def get_phone_number(self, code: str) -> str:
        response = await self._post("/wxa/business/getuserphonenumber", {"code": code})
        return str(self._checked(response)["phone_info"]["purePhoneNumber"])

    async def send_subscribe_message(
        self,
        *,
        touser: str,
        template_id: str,
        data: dict[str, str],
        page: str | None = None,
        state: str = "formal",
    ) -> None:
        payload: dict[str, Any] = {
            "touser": touser,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": state,
            "lang": "zh_CN",
        }
        if page:
            payload["page"] = page
        response = await self._post("/cgi-bin/message/subscribe/send", payload)
        self._checked(response)

    async def get_unlimited_code(self, *, scene: str, page: str, width: int = 430) -> bytes:
        """A mini-program code image. WeChat answers image bytes, or JSON when it refuses."""
        if not scene or len(scene) > MAX_SCENE_LENGTH:
            raise ValueError(f"scene must be 1..{MAX_SCENE_LENGTH} characters")
        response = await self._post(
            "/wxa/getwxacodeunlimit",
            {"scene": scene, "page": page, "width": width, "check_path": False},
        )
        if response.headers.get("content-type", "").startswith("image/"):
            return response.content
        self._checked(response)
        raise WeChatError(SYSTEM_BUSY, f"HTTP {response.status_code} without an image")


def _refuses_token(response: httpx.Response) -> bool:
    if response.headers.get("content-type", "").startswith("image/"):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and int(body.get("errcode") or 0) in TOKEN_ERRCODES
