"""The payment providers checkout talks to, made once at start-up: either may be off (None) when the merchant
has not configured it; the notify URLs are where the providers reach our webhooks.
"""

from dataclasses import dataclass

from payments.alipay import AlipayPayClient
from payments.wechatpay import WeChatPayClient


@dataclass(frozen=True)
class Providers:
    wechatpay: WeChatPayClient | None
    alipay: AlipayPayClient | None
    wechatpay_notify_url: str
    alipay_notify_url: str
