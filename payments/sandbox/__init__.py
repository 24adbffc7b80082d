"""A local WeChat Pay v3 and Alipay, speaking both protocols with real signatures and locally generated keys, so
the whole pay flow runs offline: prepay / trade.create, query and refund, and notifications to our webhooks.

Keys: see `payments.sandbox.keys` (tests generate them; the dev stack keeps them in a file under its data dir).
`POST /_sandbox/pay {"provider": "wechatpay"|"alipay", "out_trade_no": …}` plays the member paying: the trade
is marked paid and its signed notification is posted to the notify_url given when it was opened (posting again
re-delivers the same notification, as a provider's retry does). Refund notifications follow refund calls on
their own. Merchant transfers (payouts) are `payments.sandbox.transfers`: `POST /_sandbox/confirm-transfer` plays
the payee confirming a bill. The app refuses to be created when JIKE_ENV=production.
"""

import os
from enum import StrEnum
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from payments.sandbox.alipay import AlipaySandbox
from payments.sandbox.deliveries import Deliveries, Delivery, SignedNotification
from payments.sandbox.keys import SandboxKeys
from payments.sandbox.transfers import TransferSandbox
from payments.sandbox.wechatpay import WeChatPaySandbox

__all__ = [
    "Delivery",
    "Provider",
    "Sandbox",
    "SandboxKeys",
    "SandboxRefused",
    "SignedNotification",
    "create_sandbox_app",
]


class SandboxRefused(RuntimeError):
    pass


class Provider(StrEnum):
    WECHATPAY = "wechatpay"
    ALIPAY = "alipay"


class Sandbox:
    """Both providers' books (orders, trades, refunds) and every notification delivered, in memory."""

    def __init__(self, keys: SandboxKeys) -> None:
        self.keys = keys
        self.deliveries = Deliveries()
        self.wechatpay = WeChatPaySandbox(keys, self.deliveries)
        self.alipay = AlipaySandbox(keys, self.deliveries)
        self.transfers = TransferSandbox(keys, self.deliveries, self.wechatpay)

    async def pay(self, provider: Provider, out_trade_no: str) -> Delivery | None:
        """None when the provider never opened this trade."""
        if provider is Provider.WECHATPAY:
            return await self.wechatpay.pay(out_trade_no)
        return await self.alipay.pay(out_trade_no)


def create_sandbox_app(sandbox: Sandbox) -> Starlette:
    # Checked here, where every way of starting the sandbox passes, so no configuration can put it in production.
    if os.environ.get("JIKE_ENV", "").strip().lower() == "production":
        raise SandboxRefused("the payments sandbox is refused when JIKE_ENV=production")

    async def pay(request: Request) -> Response:
        try:
            data: Any = await request.json()
            provider, out_trade_no = Provider(data["provider"]), str(data["out_trade_no"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected {"provider": "wechatpay"|"alipay", "out_trade_no": "…"}'}, 400)
        delivery = await sandbox.pay(provider, out_trade_no)
        if delivery is None:
            return JSONResponse({"error": f"no {provider} trade {out_trade_no}"}, 404)
        return JSONResponse({"url": delivery.url, "status": delivery.status, "answer": delivery.answer})

    return Starlette(
        routes=[
            *sandbox.wechatpay.routes(),
            *sandbox.alipay.routes(),
            *sandbox.transfers.routes(),
            Route("/_sandbox/pay", pay, methods=["POST"]),
        ]
    )
