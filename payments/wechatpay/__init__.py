"""WeChat Pay API v3 (direct merchant, public-key mode): JSAPI prepay, `wx.requestPayment` parameters, Native
prepay (a code to scan), order query and close, refund, and verified payment / refund notifications.

Requests carry a WECHATPAY2-SHA256-RSA2048 Authorization signed with the merchant key; answers and notifications
are verified over their raw bytes with the WeChat Pay public key named by `Wechatpay-Serial`, within ±5 minutes.
"""

from payments.wechatpay.client import WeChatPayClient, WeChatPayConfig
from payments.wechatpay.resources import (
    PaymentNotification,
    Refund,
    RefundNotification,
    RefundStatus,
    RequestPaymentParams,
    TradeState,
    Transaction,
)

__all__ = [
    "PaymentNotification",
    "Refund",
    "RefundNotification",
    "RefundStatus",
    "RequestPaymentParams",
    "TradeState",
    "Transaction",
    "WeChatPayClient",
    "WeChatPayConfig",
]
