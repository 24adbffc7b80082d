"""The payments sandbox as a real HTTP server for the session, with keys generated here, and a stand-in webhook
that verifies what the sandbox posts with our own clients and records it, so round trips are real HTTP both ways.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from api import embedded
from payments.alipay import AlipayConfig, AlipayNotification, AlipayPayClient
from payments.errors import NotificationRejected
from payments.sandbox import Sandbox, SandboxKeys, create_sandbox_app
from payments.wechatpay import PaymentNotification, RefundNotification, WeChatPayClient, WeChatPayConfig


@asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[str]:
    """Serves the app with uvicorn in this (the session's) event loop; yields its base URL."""
    port = embedded.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Webhooks:
    """What our stand-in webhook accepted, by out_trade_no / out_refund_no, and why it refused the rest."""

    url: str
    wechatpay: dict[str, list[PaymentNotification | RefundNotification]] = field(default_factory=dict)
    alipay: dict[str, list[AlipayNotification]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PaymentsWorld:
    sandbox: Sandbox
    keys: SandboxKeys
    base_url: str
    webhooks: Webhooks

    @property
    def gateway(self) -> str:
        return f"{self.base_url}/gateway.do"

    def wechatpay_config(self) -> WeChatPayConfig:
        return self.keys.wechatpay_config(self.base_url)

    def alipay_config(self) -> AlipayConfig:
        return self.keys.alipay_config(self.gateway)


def _webhook_app(keys: SandboxKeys, sandbox_url: str, webhooks: Webhooks, http: httpx.AsyncClient) -> Starlette:
    wechatpay = WeChatPayClient(keys.wechatpay_config(sandbox_url), http=http)
    alipay = AlipayPayClient(keys.alipay_config(f"{sandbox_url}/gateway.do"), http=http)

    async def on_wechatpay(request: Request) -> Response:
        try:
            note = wechatpay.parse_notification(request.headers, await request.body(), now=datetime.now(UTC))
            if isinstance(note, PaymentNotification):
                note.check_merchant(keys.wechat_mchid, keys.wechat_appid)
                reference = note.transaction.out_trade_no
            else:
                note.check_merchant(keys.wechat_mchid)
                reference = note.refund.out_refund_no
        except NotificationRejected as e:
            webhooks.refusals.append(e.reason)
            return JSONResponse({"code": "FAIL", "message": e.reason}, 400)
        webhooks.wechatpay.setdefault(reference, []).append(note)
        return Response(status_code=204)

    async def on_alipay(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            note = alipay.parse_notification(form)
            note.check_merchant(keys.alipay_app_id, keys.alipay_seller_id)
        except NotificationRejected as e:
            webhooks.refusals.append(e.reason)
            return PlainTextResponse("fail")
        webhooks.alipay.setdefault(note.out_biz_no or note.out_trade_no, []).append(note)
        return PlainTextResponse("success")

    return Starlette(
        routes=[Route("/wechatpay", on_wechatpay, methods=["POST"]), Route("/alipay", on_alipay, methods=["POST"])]
    )


@pytest.fixture(scope="session")
def sandbox_keys() -> SandboxKeys:
    return SandboxKeys.generate()


@pytest.fixture(scope="session")
async def payments(sandbox_keys: SandboxKeys) -> AsyncIterator[PaymentsWorld]:
    sandbox = Sandbox(sandbox_keys)
    async with serving(create_sandbox_app(sandbox)) as base_url, httpx.AsyncClient() as http:
        webhooks = Webhooks(url="")
        async with serving(_webhook_app(sandbox_keys, base_url, webhooks, http)) as webhook_url:
            webhooks.url = webhook_url
            yield PaymentsWorld(sandbox, sandbox_keys, base_url, webhooks)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as client:
        yield client


@pytest.fixture
def wechatpay(payments: PaymentsWorld, http: httpx.AsyncClient) -> WeChatPayClient:
    return WeChatPayClient(payments.wechatpay_config(), http=http)


@pytest.fixture
def alipay(payments: PaymentsWorld, http: httpx.AsyncClient) -> AlipayPayClient:
    return AlipayPayClient(payments.alipay_config(), http=http)
