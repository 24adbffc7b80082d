"""Our WeChat Pay v3 client for a direct merchant in public-key mode: JSAPI prepay, `wx.requestPayment`
parameters, Native prepay (the code shown at the counter), order query and close, refund, and notification
verification.

Our own small httpx client rather than wechatpayv3's AsyncWeChatPay: that one hard-codes its gateway (so it cannot
reach the sandbox), raises a bare Exception for every failure and checks no timestamp. tests/payments still runs
that SDK against our sandbox as an independent check of the protocol.
"""

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import rsa

from payments.errors import NotificationRejected, ProviderRefused, ProviderUnavailable
from payments.wechatpay.resources import (
    PaymentNotification,
    Refund,
    RefundNotification,
    RequestPaymentParams,
    Transaction,
    parse_event,
    parse_refund,
    parse_transaction,
    sealed_resource,
)
from payments.wechatpay.signing import (
    aes_gcm_decrypt,
    authorization,
    new_nonce,
    rsa_sign,
    signature_problem,
    signed_message,
)

_CST = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WeChatPayConfig:
    base_url: str
    mchid: str
    # The mini-program's appid: payments are made by its users, and paySign covers it.
    appid: str
    # Serial number of the merchant API certificate whose private key signs our requests.
    merchant_serial_no: str
    merchant_private_key: rsa.RSAPrivateKey
    apiv3_key: str
    # "PUB_KEY_ID_…": WeChat Pay names the key it signed with in Wechatpay-Serial.
    public_key_id: str
    public_key: rsa.RSAPublicKey

    def __post_init__(self) -> None:
        if len(self.apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key is exactly 32 bytes")


class WeChatPayClient:
    def __init__(self, config: WeChatPayConfig, *, http: httpx.AsyncClient) -> None:
        self.config = config
        self._http = http
        self._base = config.base_url.rstrip("/")

    async def _call(self, method: str, target: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        c = self.config
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Authorization": authorization(
                mchid=c.mchid,
                serial_no=c.merchant_serial_no,
                key=c.merchant_private_key,
                method=method,
                target=target,
                body=payload,
            ),
            "Accept": "application/json",
            # In public-key mode WeChat Pay signs the answer with the key named here; without it, with a certificate.
            "Wechatpay-Serial": c.public_key_id,
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = await self._http.request(method, self._base + target, content=payload or None, headers=headers)
        except httpx.HTTPError as e:
            raise ProviderUnavailable(f"WeChat Pay unreachable: {type(e).__name__}") from e
        return self._checked(response)

    def _checked(self, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status >= 500:
            raise ProviderUnavailable(f"WeChat Pay answered HTTP {status}")
        if status < 300:
            problem = signature_problem(
                public_key_id=self.config.public_key_id,
                public_key=self.config.public_key,
                headers=response.headers,
                body=response.content,
                now=datetime.now(UTC),
                type_required=False,
            )
            if problem is not None:
                raise ProviderUnavailable(f"WeChat Pay response not verified: {problem}")
        try:
            parsed = json.loads(response.content) if response.content else {}
        except ValueError as e:
            raise ProviderUnavailable(f"WeChat Pay answered HTTP {status} without JSON") from e
        if not isinstance(parsed, dict):
            raise ProviderUnavailable(f"WeChat Pay answered HTTP {status} with JSON that is not an object")
        if status >= 300:
            raise ProviderRefused(str(parsed.get("code", status)), str(parsed.get("message", "")))
        return parsed

    def _prepay_body(
        self, *, out_trade_no: str, description: str, amount_fen: int, notify_url: str, expire_at: datetime
    ) -> dict[str, Any]:
        """What JSAPI and Native prepay share: after `expire_at` (time_expire) the payer can no longer pay."""
        if amount_fen <= 0 or expire_at.tzinfo is None:
            raise ValueError("WeChat Pay takes only positive amounts and an expiry with a time zone")
        c = self.config
        return {
            "appid": c.appid,
            "mchid": c.mchid,
            "description": description,
            "out_trade_no": out_trade_no,
            "time_expire": expire_at.astimezone(_CST).isoformat(timespec="seconds"),
            "notify_url": notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
        }

    async def jsapi_prepay(
        self,
        *,
        out_trade_no: str,
        description: str,
        amount_fen: int,
        payer_openid: str,
        notify_url: str,
        expire_at: datetime,
    ) -> str:
        """Opens the payment and returns its prepay_id; the same out_trade_no and amount again is safe."""
        body = self._prepay_body(
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            notify_url=notify_url,
            expire_at=expire_at,
        ) | {"payer": {"openid": payer_openid}}
        prepay_id = (await self._call("POST", "/v3/pay/transactions/jsapi", body)).get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise ProviderUnavailable("WeChat Pay prepay answer without prepay_id")
        return prepay_id

    async def native_prepay(
        self, *, out_trade_no: str, description: str, amount_fen: int, notify_url: str, expire_at: datetime
    ) -> str:
        """Opens a payment whoever scans its code may pay (no payer named) and returns the code_url to show as a QR
        code; the same out_trade_no and amount again is safe."""
        body = self._prepay_body(
            out_trade_no=out_trade_no,
            description=description,
            amount_fen=amount_fen,
            notify_url=notify_url,
            expire_at=expire_at,
        )
        code_url = (await self._call("POST", "/v3/pay/transactions/native", body)).get("code_url")
        if not isinstance(code_url, str) or not code_url:
            raise ProviderUnavailable("WeChat Pay native answer without code_url")
        return code_url

    def request_payment_params(self, prepay_id: str) -> RequestPaymentParams:
        """What the mini-program needs for `wx.requestPayment`, signed (RSA) with the merchant key."""
        appid, timestamp, nonce, package = (
            self.config.appid,
            str(int(time.time())),
            new_nonce(),
            f"prepay_id={prepay_id}",
        )
        return RequestPaymentParams(
            appId=appid,
            timeStamp=timestamp,
            nonceStr=nonce,
            package=package,
            signType="RSA",
            paySign=rsa_sign(self.config.merchant_private_key, signed_message(appid, timestamp, nonce, package)),
        )

    async def query_order(self, out_trade_no: str) -> Transaction | None:
        """The payment's state at WeChat Pay, or None when WeChat Pay never saw this out_trade_no."""
        target = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}?mchid={quote(self.config.mchid)}"
        try:
            answer = await self._call("GET", target)
        except ProviderRefused as e:
            if e.code == "ORDER_NOT_EXIST":
                return None
            raise
        try:
            return parse_transaction(answer)
        except (KeyError, ValueError, TypeError) as e:
            raise ProviderUnavailable(f"WeChat Pay query answer malformed: {e}") from e

    async def close_order(self, out_trade_no: str) -> None:
        """Closes an unpaid payment so it can no longer be paid (answered 204); a paid one is refused (ORDERPAID)."""
        target = f"/v3/pay/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close"
        await self._call("POST", target, {"mchid": self.config.mchid})

    async def refund(
        self,
        *,
        out_trade_no: str,
        out_refund_no: str,
        refund_fen: int,
        total_fen: int,
        reason: str,
        notify_url: str,
    ) -> Refund:
        """Asks for a refund; usually answered PROCESSING, the outcome arrives as a REFUND.* notification."""
        if refund_fen <= 0 or refund_fen > total_fen:
            raise ValueError("a refund is positive and at most the order total")
        body = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "reason": reason,
            "notify_url": notify_url,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        }
        answer = await self._call("POST", "/v3/refund/domestic/refunds", body)
        try:
            return parse_refund(answer, status_key="status")
        except (KeyError, ValueError, TypeError) as e:
            raise ProviderUnavailable(f"WeChat Pay refund answer malformed: {e}") from e

    def parse_notification(
        self, headers: Mapping[str, str], raw_body: bytes, *, now: datetime
    ) -> PaymentNotification | RefundNotification:
        """Verifies and decrypts one webhook call; raises NotificationRejected unless it is genuine and fresh.

        Verification is over the raw body bytes. The merchant check is separate (`check_merchant`) so the caller
        can log whose notification it was.
        """
        problem = signature_problem(
            public_key_id=self.config.public_key_id,
            public_key=self.config.public_key,
            headers=headers,
            body=raw_body,
            now=now,
            type_required=True,
        )
        if problem is not None:
            raise NotificationRejected(problem)
        try:
            envelope = json.loads(raw_body)
            sealed = sealed_resource(envelope)
            resource = json.loads(
                aes_gcm_decrypt(
                    self.config.apiv3_key,
                    nonce=sealed.nonce,
                    ciphertext=sealed.ciphertext,
                    associated_data=sealed.associated_data,
                )
            )
            event = parse_event(envelope, resource)
        except InvalidTag as e:
            raise NotificationRejected("resource does not decrypt with our APIv3 key") from e
        # RecursionError: JSON nested deeper than the parser follows, however well it is signed.
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as e:
            raise NotificationRejected(f"malformed notification: {type(e).__name__}: {e}") from e
        if event is None:
            raise NotificationRejected(f"unexpected event type {envelope.get('event_type')!r}")
        return event
