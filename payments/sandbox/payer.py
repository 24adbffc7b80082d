"""The payer's side of the sandbox: the page a counter code opens (what WeChat or Alipay shows the payer after a
scan) with its 付款 button, and why a trade can no longer be paid.

A real code is `weixin://wxpay/bizpayurl?pr=…` or `https://qr.alipay.com/…`, opened by the payer's app; the
sandbox's codes are addresses of this page, `{sandbox}/_sandbox/scan/{token}`, so a developer opens one in a browser.
"""

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from payments.sandbox.deliveries import Delivery

_SCAN_PREFIX = "/_sandbox/scan/"


class CannotPay(Exception):
    """The trade exists but can no longer be paid (it was closed); the message is what the payer's app says."""


@dataclass(frozen=True)
class Bill:
    """What the payer sees after scanning: who collects, for what, how much, and whether it can still be paid."""

    provider: str
    description: str
    amount_fen: int
    state: str
    payable: bool


def code_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{_SCAN_PREFIX}{token}"


def token_of(url: str) -> str | None:
    path = urlsplit(url).path
    if not path.startswith(_SCAN_PREFIX):
        return None
    return path.removeprefix(_SCAN_PREFIX) or None


def _page(title: str, *paragraphs: str, button: bool = False) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    form = '<form method="post"><button type="submit">付款</button></form>' if button else ""
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>{body}{form}</body></html>"
    )


def scan_routes(bill: Callable[[str], Bill | None], pay: Callable[[str], Awaitable[Delivery | None]]) -> list[Route]:
    """GET shows the bill with a 付款 button; POST (the button) pays it, and the signed notification goes to our
    webhook as after any payment."""

    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        found = bill(token)
        if found is None:
            return HTMLResponse(_page("二维码无效", "沙箱没有开出这个收款码。"), 404)
        yuan = f"¥{found.amount_fen // 100}.{found.amount_fen % 100:02d}"
        return HTMLResponse(
            _page(f"{found.provider}（沙箱）", found.description, yuan, found.state, button=found.payable)
        )

    async def pay_it(request: Request) -> Response:
        try:
            delivery = await pay(request.path_params["token"])
        except CannotPay as e:
            return HTMLResponse(_page("不能付款", str(e)), 409)
        if delivery is None:
            return HTMLResponse(_page("二维码无效", "沙箱没有开出这个收款码。"), 404)
        return HTMLResponse(
            _page("已付款", f"支付通知已送达 {delivery.url}，应答 HTTP {delivery.status}：{delivery.answer}")
        )

    return [
        Route(_SCAN_PREFIX + "{token}", show, methods=["GET"]),
        Route(_SCAN_PREFIX + "{token}", pay_it, methods=["POST"]),
    ]
