"""Alipay trades: create for the mini-program's `my.tradePay`, precreate for a code shown at the counter
(当面付), query, close, refund, and verified async notifications.

Gateway requests are signed RSA2 with the app key and answers verified with Alipay's public key over the exact
text of the `*_response` member; notifications over their sorted parameters without `sign` and `sign_type`.
Amounts cross this boundary as integer fen: Alipay's yuan strings are converted exactly or refused.
These are our own async httpx calls rather than alipay-sdk-python's DefaultAlipayClient, which cannot reach a
gateway URL with a port (it always dials 80/443 and raises TypeError on a port), so never the sandbox;
tests/payments still checks our signatures against that SDK's signer and verifier.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from channels.alipay import rsa2_sign, rsa2_verify, signed_member, signing_content
from payments.errors import NotificationRejected, ProviderRefused, ProviderUnavailable

_CST = ZoneInfo("Asia/Shanghai")
_YUAN = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?")
# Alipay user ids (2088 + 12 digits) predate OpenID; apps created before it still log users in with them.
_USER_ID = re.compile(r"2088[0-9]{12}")
SUCCESS_CODE = "10000"


def yuan_to_fen(text: str) -> int:
    """'12.30' -> 1230, exactly; anything with a sign, an exponent or a third decimal is refused."""
    if not _YUAN.fullmatch(text):
        raise ValueError(f"{text!r} is not a yuan amount with at most two decimals")
    return int(Decimal(text) * 100)


def fen_to_yuan(fen: int) -> str:
    if fen < 0:
        raise ValueError("amounts are never negative")
    return f"{fen // 100}.{fen % 100:02d}"


def _beijing_time(text: str) -> datetime:
    """Alipay's 'yyyy-MM-dd HH:mm:ss[.SSS]' is Beijing time without an offset."""
    return datetime.fromisoformat(text).replace(tzinfo=_CST).astimezone(UTC)


class TradeStatus(StrEnum):
    WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
    TRADE_CLOSED = "TRADE_CLOSED"
    TRADE_SUCCESS = "TRADE_SUCCESS"
    TRADE_FINISHED = "TRADE_FINISHED"


@dataclass(frozen=True)
class AlipayConfig:
    gateway: str
    app_id: str
    # The merchant's partner id (2088…), which notifications name as seller_id.
    seller_id: str
    app_private_key: rsa.RSAPrivateKey
    # Alipay's key, never the app's own public key: only Alipay can sign what Alipay says.
    alipay_public_key: rsa.RSAPublicKey


@dataclass(frozen=True)
class Trade:
    out_trade_no: str
    trade_no: str
    trade_status: TradeStatus
    total_fen: int
    buyer_open_id: str | None


@dataclass(frozen=True)
class RefundResult:
    out_trade_no: str
    trade_no: str
    # Alipay reports the trade's cumulative refunded amount, not this refund's.
    refund_fee_fen: int
    # False when Alipay had already made this refund (same out_request_no): no money moved this time.
    fund_change: bool


@dataclass(frozen=True)
class AlipayNotification:
    """One verified `trade_status_sync` notification: a payment, a close, or (with refund fields) a refund."""

    notify_id: str
    notify_time: datetime
    app_id: str
    seller_id: str
    out_trade_no: str
    trade_no: str
    trade_status: TradeStatus
    total_fen: int
    buyer_open_id: str | None
    gmt_payment: datetime | None
    # Cumulative refunded amount of the trade; present only on refund notifications.
    refund_fee_fen: int | None
    gmt_refund: datetime | None
    # The out_request_no we gave the refund.
    out_biz_no: str | None

    @property
    def is_refund(self) -> bool:
        # A partial refund still says TRADE_SUCCESS: only the refund fields tell it from the payment.
        return self.refund_fee_fen is not None

    def check_merchant(self, expected_app_id: str, expected_seller_id: str) -> None:
        if self.app_id != expected_app_id or self.seller_id != expected_seller_id:
            raise NotificationRejected(f"trade of app {self.app_id} / seller {self.seller_id}, not ours")


def _text(d: Mapping[str, Any], key: str) -> str:
    value = d[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _optional(d: Mapping[str, Any], key: str) -> str | None:
    return _text(d, key) if d.get(key) else None


def _reject(reason: str) -> NoReturn:
    raise NotificationRejected(reason)


def _notification(form: Mapping[str, str]) -> AlipayNotification:
    refund_fee, gmt_payment, gmt_refund = _optional(form, "refund_fee"), form.get("gmt_payment"), form.get("gmt_refund")
    return AlipayNotification(
        notify_id=_text(form, "notify_id"),
        notify_time=_beijing_time(_text(form, "notify_time")),
        app_id=_text(form, "app_id"),
        seller_id=_text(form, "seller_id"),
        out_trade_no=_text(form, "out_trade_no"),
        trade_no=_text(form, "trade_no"),
        trade_status=TradeStatus(_text(form, "trade_status")),
        total_fen=yuan_to_fen(_text(form, "total_amount")),
        buyer_open_id=_optional(form, "buyer_open_id") or _optional(form, "buyer_id"),
        gmt_payment=_beijing_time(gmt_payment) if gmt_payment else None,
        refund_fee_fen=yuan_to_fen(refund_fee) if refund_fee is not None else None,
        gmt_refund=_beijing_time(gmt_refund) if gmt_refund else None,
        out_biz_no=_optional(form, "out_biz_no"),
    )


class AlipayPayClient:
    def __init__(self, config: AlipayConfig, *, http: httpx.AsyncClient) -> None:
        self.config = config
        self._http = http

    async def _call(self, method: str, biz: Mapping[str, str], **common: str) -> dict[str, Any]:
        form = {
            "app_id": self.config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(_CST).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **common,
        }
        form["sign"] = rsa2_sign(signing_content(form), self.config.app_private_key)
        try:
            response = await self._http.post(self.config.gateway, data=form)
        except httpx.HTTPError as e:
            raise ProviderUnavailable(f"Alipay unreachable: {type(e).__name__}") from e
        if response.status_code != 200:
            raise ProviderUnavailable(f"Alipay answered HTTP {response.status_code}")
        return self._verified(method, response.text)

    def _verified(self, method: str, body: str) -> dict[str, Any]:
        try:
            parsed = json.loads(body)
        except ValueError as e:
            raise ProviderUnavailable("Alipay answered without JSON") from e
        member = method.replace(".", "_") + "_response"
        name = member if isinstance(parsed, dict) and member in parsed else "error_response"
        content = signed_member(body, name)
        if content is None or not rsa2_verify(content, str(parsed.get("sign", "")), self.config.alipay_public_key):
            raise ProviderUnavailable(f"Alipay answer to {method} not verified")
        result = parsed[name]
        if not isinstance(result, dict):
            raise ProviderUnavailable(f"Alipay answer to {method} malformed")
        if str(result.get("code")) != SUCCESS_CODE:
            code = str(result.get("sub_code") or result.get("code"))
            raise ProviderRefused(code, str(result.get("sub_msg") or result.get("msg") or ""))
        return result

    async def trade_create(
        self,
        *,
        out_trade_no: str,
        total_fen: int,
        subject: str,
        buyer_open_id: str,
        notify_url: str,
        expire_at: datetime,
    ) -> str:
        """Creates the trade `my.tradePay` pays and returns Alipay's trade_no; after `expire_at` Alipay refuses
        to take the payment (time_expire, an absolute time in China time)."""
        if total_fen <= 0 or expire_at.tzinfo is None:
            raise ValueError("Alipay takes only positive amounts, and an expiry with its timezone")
        buyer_key = "buyer_id" if _USER_ID.fullmatch(buyer_open_id) else "buyer_open_id"
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(total_fen),
            "subject": subject,
            "product_code": "JSAPI_PAY",
            "op_app_id": self.config.app_id,
            "time_expire": expire_at.astimezone(_CST).strftime("%Y-%m-%d %H:%M:%S"),
            buyer_key: buyer_open_id,
        }
        result = await self._call("alipay.trade.create", biz, notify_url=notify_url)
        return self._field(result, "trade_no")

    async def precreate(
        self, *, out_trade_no: str, total_fen: int, subject: str, notify_url: str, expire_at: datetime
    ) -> str:
        """当面付 扫码支付: returns the qr_code whoever scans with Alipay may pay (no buyer named). Alipay makes the
        trade only when the code is scanned, so until then query and close answer ACQ.TRADE_NOT_EXIST."""
        if total_fen <= 0 or expire_at.tzinfo is None:
            raise ValueError("Alipay takes only positive amounts, and an expiry with its timezone")
        biz = {
            "out_trade_no": out_trade_no,
            "total_amount": fen_to_yuan(total_fen),
            "subject": subject,
            "product_code": "FACE_TO_FACE_PAYMENT",
            "time_expire": expire_at.astimezone(_CST).strftime("%Y-%m-%d %H:%M:%S"),
        }
        result = await self._call("alipay.trade.precreate", biz, notify_url=notify_url)
        return self._field(result, "qr_code")

    async def query(self, out_trade_no: str) -> Trade | None:
        """The trade's state at Alipay, or None when Alipay has no such trade."""
        try:
            result = await self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        except ProviderRefused as e:
            if e.code == "ACQ.TRADE_NOT_EXIST":
                return None
            raise
        try:
            return Trade(
                out_trade_no=_text(result, "out_trade_no"),
                trade_no=_text(result, "trade_no"),
                trade_status=TradeStatus(_text(result, "trade_status")),
                total_fen=yuan_to_fen(_text(result, "total_amount")),
                buyer_open_id=_optional(result, "buyer_open_id") or _optional(result, "buyer_user_id"),
            )
        except (KeyError, ValueError) as e:
            raise ProviderUnavailable(f"Alipay query answer malformed: {e}") from e

    async def close(self, out_trade_no: str) -> None:
        """Closes an unpaid trade so it can no longer be paid; a paid one is refused (ACQ.TRADE_STATUS_ERROR). A
        precreated code nobody has scanned has no trade yet: Alipay answers ACQ.TRADE_NOT_EXIST (merchants report
        the code refuses payment afterwards all the same)."""
        await self._call("alipay.trade.close", {"out_trade_no": out_trade_no})

    async def refund(self, *, out_trade_no: str, out_request_no: str, refund_fen: int, reason: str) -> RefundResult:
        """Refunds at once (Alipay answers synchronously); the same out_request_no again refunds nothing more."""
        if refund_fen <= 0:
            raise ValueError("a refund is positive")
        biz = {
            "out_trade_no": out_trade_no,
            "out_request_no": out_request_no,
            "refund_amount": fen_to_yuan(refund_fen),
            "refund_reason": reason,
        }
        result = await self._call("alipay.trade.refund", biz)
        try:
            return RefundResult(
                out_trade_no=_text(result, "out_trade_no"),
                trade_no=_text(result, "trade_no"),
                refund_fee_fen=yuan_to_fen(_text(result, "refund_fee")),
                fund_change=result.get("fund_change") == "Y",
            )
        except (KeyError, ValueError) as e:
            raise ProviderUnavailable(f"Alipay refund answer malformed: {e}") from e

    @staticmethod
    def _field(result: Mapping[str, Any], key: str) -> str:
        try:
            return _text(result, key)
        except (KeyError, ValueError) as e:
            raise ProviderUnavailable(f"Alipay answer without {key}") from e

    def parse_notification(self, form: Mapping[str, str]) -> AlipayNotification:
        """Verifies one form-encoded notification; raises NotificationRejected unless Alipay signed exactly this.

        The merchant check is separate (`check_merchant`) so the caller can log whose notification it was.
        """
        sign = form.get("sign")
        if not sign:
            _reject("missing sign")
        if form.get("sign_type") != "RSA2":
            _reject(f"sign_type {form.get('sign_type')!r} is not RSA2")
        content = signing_content({k: v for k, v in form.items() if k != "sign_type"})
        if not rsa2_verify(content, sign, self.config.alipay_public_key):
            _reject("signature does not verify with Alipay's public key")
        if form.get("notify_type") != "trade_status_sync":
            _reject(f"notify_type {form.get('notify_type')!r} is not trade_status_sync")
        try:
            return _notification(form)
        except (KeyError, ValueError) as e:
            _reject(f"malformed notification: {type(e).__name__}: {e}")
