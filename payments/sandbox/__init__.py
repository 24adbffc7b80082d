"""A local WeChat Pay v3 and Alipay, speaking both protocols with real signatures and locally generated keys, so
the whole pay flow runs offline: JSAPI / Native prepay, trade.create / precreate, query, close and refund, and
notifications to our webhooks.

Keys: see `payments.sandbox.keys` (tests generate them; the dev stack keeps them in a file under its data dir).
`POST /_sandbox/pay {"provider": "wechatpay"|"alipay", "out_trade_no": …}` (or `{"code_url": …}` for a code shown at
the counter, or `{"prepay_id": …}`, all a mini-program's `wx.requestPayment` holds) plays the member paying: the trade
is marked paid and its signed notification is posted to the notify_url given when it was opened (posting again
re-delivers the same notification, as a provider's retry does); a closed one answers 409. A counter code's URL opens
the sandbox's scan page in a browser, whose 付款 button does the same (`payments.sandbox.payer`). Refund notifications
follow refund calls on their own. Merchant transfers (payouts) are `payments.sandbox.transfers`:
`POST /_sandbox/confirm-transfer` plays the payee confirming a bill.
The app refuses to be created when JIKE_ENV=production.
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
from payments.sandbox.payer import Bill, CannotPay, scan_routes, token_of
from payments.sandbox.transfers import TransferSandbox
from payments.sandbox.wechatpay import WeChatPaySandbox

__all__ = [
    "CannotPay",
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
        """None when the provider never opened this trade; CannotPay when it was closed."""
        if provider is Provider.WECHATPAY:
            return await self.wechatpay.pay(out_trade_no)
        return await self.alipay.pay(out_trade_no)

    def bill(self, token: str) -> Bill | None:
        return self.wechatpay.bill(token) or self.alipay.bill(token)

    async def pay_token(self, token: str) -> Delivery | None:
        if token in self.wechatpay.codes:
            return await self.wechatpay.pay(self.wechatpay.codes[token])
        if token in self.alipay.codes:
            return await self.alipay.pay(self.alipay.codes[token])
        return None

    async def pay_prepay(self, prepay_id: str) -> Delivery | None:
        """The member confirms WeChat Pay's sheet in the mini-program; None when no JSAPI prepay has this id."""
        out_trade_no = self.wechatpay.trade_of_prepay(prepay_id)
        return None if out_trade_no is None else await self.wechatpay.pay(out_trade_no)

    async def scan_and_pay(self, code_url: str) -> Delivery | None:
        """Whoever stands at the counter scans the code shown and pays it; None when no such code was opened."""
        token = token_of(code_url)
        return None if token is None else await self.pay_token(token)


def create_sandbox_app(sandbox: Sandbox) -> Starlette:
    # Checked here, where every way of starting the sandbox passes, so no configuration can put it in production.
    if os.environ.get("JIKE_ENV", "").strip().lower() == "production":
        raise SandboxRefused("the payments sandbox is refused when JIKE_ENV=production")

    async def pay(request: Request) -> Response:
        try:
            data: Any = await request.json()
            if "code_url" in data:
                code = str(data["code_url"])
                paying, missing = sandbox.scan_and_pay(code), f"no code {code}"
            elif "prepay_id" in data:
                prepay = str(data["prepay_id"])
                paying, missing = sandbox.pay_prepay(prepay), f"no prepay {prepay}"
            else:
                provider, out_trade_no = Provider(data["provider"]), str(data["out_trade_no"])
                paying, missing = sandbox.pay(provider, out_trade_no), f"no {provider} trade {out_trade_no}"
        except (ValueError, KeyError, TypeError):
            expected = (
                '{"provider": "wechatpay"|"alipay", "out_trade_no": "…"}, {"code_url": "…"} or {"prepay_id": "…"}'
            )
            return JSONResponse({"error": f"expected {expected}"}, 400)
        try:
            delivery = await paying
        except CannotPay as e:
            return JSONResponse({"error": str(e)}, 409)
        if delivery is None:
            return JSONResponse({"error": missing}, 404)
        return JSONResponse({"url": delivery.url, "status": delivery.status, "answer": delivery.answer})

    return Starlette(
        routes=[
            *sandbox.wechatpay.routes(),
            *sandbox.alipay.routes(),
            *sandbox.transfers.routes(),
            *scan_routes(sandbox.bill, sandbox.pay_token),
            Route("/_sandbox/pay", pay, methods=["POST"]),
        ]
    )
