"""The sandbox's WeChat Pay v3: JSAPI and Native prepay, order query and close, refund, and the notifications it
sends. A Native order's code_url is the sandbox's own scan page (`payments.sandbox.payer`).

A request must carry a valid merchant Authorization and name the public key in `Wechatpay-Serial`; every answer
is signed with the platform key, as WeChat Pay does in public-key mode. A refund succeeds just after the call
and is then notified in the background, the way WeChat Pay reports refunds.
"""

import json
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from payments.sandbox.deliveries import Deliveries, Delivery, SignedNotification
from payments.sandbox.keys import SandboxKeys
from payments.sandbox.payer import Bill, CannotPay, code_url
from payments.wechatpay.resources import RefundStatus, TradeState
from payments.wechatpay.signing import (
    MAX_CLOCK_SKEW,
    SIGNATURE_TYPE,
    aes_gcm_encrypt,
    new_nonce,
    rsa_sign,
    rsa_verify,
    signed_message,
)

_CST = ZoneInfo("Asia/Shanghai")
_AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


def _iso(moment: datetime) -> str:
    return moment.astimezone(_CST).isoformat(timespec="seconds")


def _dumps(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(keys: SandboxKeys, body: bytes, now: datetime) -> dict[str, str]:
    """The headers WeChat Pay puts on its answers and notifications, signed with its platform key."""
    timestamp, nonce = str(int(now.timestamp())), new_nonce()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(keys.wechat_platform_key, signed_message(timestamp, nonce, body)),
        "Wechatpay-Serial": keys.wechat_public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def notification(
    keys: SandboxKeys, *, event_id: str, event_type: str, resource: Mapping[str, Any], now: datetime
) -> SignedNotification:
    """Any notification, sealed with the APIv3 key and signed, so a test can also send ones WeChat Pay never would."""
    original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
    nonce = secrets.token_hex(6)
    ciphertext = aes_gcm_encrypt(
        keys.wechat_apiv3_key, nonce=nonce, plaintext=_dumps(resource), associated_data=original_type
    )
    body = _dumps(
        {
            "id": event_id,
            "create_time": _iso(now),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "退款成功" if original_type == "refund" else "支付成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext,
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
    )
    return SignedNotification(signed_headers(keys, body, now), body)


@dataclass(frozen=True)
class _Payment:
    transaction_id: str
    success_time: datetime


@dataclass
class _Order:
    out_trade_no: str
    trade_type: str
    description: str
    amount_fen: int
    # JSAPI names its payer when it is prepaid; a Native code is paid by whoever scans it, known once they pay.
    payer_openid: str | None
    notify_url: str
    prepay_id: str | None = None
    code_token: str | None = None
    trade_state: TradeState = TradeState.NOTPAY
    payment: _Payment | None = None
    # One id per notification, kept across redeliveries, as WeChat Pay does.
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Refund:
    order: _Order
    transaction_id: str
    out_refund_no: str
    refund_id: str
    refund_fen: int
    notify_url: str | None
    created: datetime
    status: RefundStatus = RefundStatus.PROCESSING
    success_time: datetime | None = None
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class _Invalid(Exception):
    pass


def _json_object(body: bytes) -> Mapping[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError as e:
        raise _Invalid("body is not JSON") from e
    if not isinstance(parsed, dict):
        raise _Invalid("body is not a JSON object")
    return parsed


def _positive_fen(amount: Any, key: str) -> int:
    value = amount.get(key) if isinstance(amount, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _Invalid(f"amount.{key} must be a positive integer")
    return value


def _required(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _Invalid(f"{key} is required")
    return value


class WeChatPaySandbox:
    def __init__(self, keys: SandboxKeys, deliveries: Deliveries) -> None:
        self.keys = keys
        self.deliveries = deliveries
        self.orders: dict[str, _Order] = {}
        self.refunds: dict[str, _Refund] = {}
        # A Native code's token (the last part of its code_url) -> its out_trade_no.
        self.codes: dict[str, str] = {}

    def routes(self) -> list[Route]:
        return [
            Route("/v3/pay/transactions/jsapi", self._jsapi, methods=["POST"]),
            Route("/v3/pay/transactions/native", self._native, methods=["POST"]),
            Route("/v3/pay/transactions/out-trade-no/{out_trade_no}", self._query, methods=["GET"]),
            Route("/v3/pay/transactions/out-trade-no/{out_trade_no}/close", self._close, methods=["POST"]),
            Route("/v3/refund/domestic/refunds", self._refund, methods=["POST"]),
        ]

    def transaction_resource(self, order: _Order) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "appid": self.keys.wechat_appid,
            "mchid": self.keys.wechat_mchid,
            "out_trade_no": order.out_trade_no,
            "trade_type": order.trade_type,
            "trade_state": order.trade_state.value,
            "trade_state_desc": "订单未支付" if order.payment is None else "支付成功",
            "amount": {"total": order.amount_fen, "currency": "CNY"},
        }
        if order.payment is not None:
            resource |= {
                "transaction_id": order.payment.transaction_id,
                "bank_type": "OTHERS",
                "success_time": _iso(order.payment.success_time),
                "payer": {"openid": order.payer_openid},
            }
            resource["amount"] |= {"payer_total": order.amount_fen, "payer_currency": "CNY"}
        return resource

    def refund_resource(self, refund: _Refund) -> dict[str, Any]:
        """A refund as its notification carries it; the refund call answers the same with `status`."""
        resource: dict[str, Any] = {
            "mchid": self.keys.wechat_mchid,
            "out_trade_no": refund.order.out_trade_no,
            "transaction_id": refund.transaction_id,
            "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id,
            "refund_status": refund.status.value,
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": refund.order.amount_fen,
                "refund": refund.refund_fen,
                "payer_total": refund.order.amount_fen,
                "payer_refund": refund.refund_fen,
            },
        }
        if refund.success_time is not None:
            resource["success_time"] = _iso(refund.success_time)
        return resource

    def mark_paid(self, out_trade_no: str, now: datetime) -> _Order | None:
        """The member paid: what WeChat Pay records when `wx.requestPayment` succeeds, or when whoever scanned a
        Native code pays. Paying twice, or a closed order, changes nothing."""
        order = self.orders.get(out_trade_no)
        if order is not None and order.trade_state is TradeState.NOTPAY:
            order.trade_state = TradeState.SUCCESS
            order.payment = _Payment("4200" + "".join(secrets.choice("0123456789") for _ in range(24)), now)
            order.payer_openid = order.payer_openid or "oSCAN" + secrets.token_urlsafe(18)
        return order

    def trade_of_prepay(self, prepay_id: str) -> str | None:
        """The out_trade_no of a JSAPI prepay: all `wx.requestPayment` knows is its package, prepay_id=…."""
        return next((o.out_trade_no for o in self.orders.values() if o.prepay_id and o.prepay_id == prepay_id), None)

    def bill(self, token: str) -> Bill | None:
        """What the payer's WeChat shows for a scanned Native code."""
        order = self.orders.get(self.codes.get(token, ""))
        if order is None:
            return None
        states = {TradeState.NOTPAY: "待支付", TradeState.CLOSED: "已关闭，请让收银员重新收款"}
        state = states.get(order.trade_state, "已支付")
        return Bill("微信支付", order.description, order.amount_fen, state, order.trade_state is TradeState.NOTPAY)

    def payment_notification(self, out_trade_no: str, now: datetime) -> SignedNotification:
        order = self.orders[out_trade_no]
        return notification(
            self.keys,
            event_id=order.event_id,
            event_type="TRANSACTION.SUCCESS",
            resource=self.transaction_resource(order),
            now=now,
        )

    def refund_notification(self, out_refund_no: str, now: datetime) -> SignedNotification:
        refund = self.refunds[out_refund_no]
        return notification(
            self.keys,
            event_id=refund.event_id,
            event_type=f"REFUND.{refund.status.value}",
            resource=self.refund_resource(refund),
            now=now,
        )

    async def pay(self, out_trade_no: str) -> Delivery | None:
        """Marks the order paid and posts its notification to the order's notify_url; None for an unknown order,
        CannotPay for a closed one."""
        order = self.mark_paid(out_trade_no, datetime.now(UTC))
        if order is None:
            return None
        if order.trade_state is TradeState.CLOSED:
            raise CannotPay("订单已关闭，请让收银员重新收款")
        signed = self.payment_notification(out_trade_no, datetime.now(UTC))
        return await self.deliveries.post(
            "wechatpay",
            out_trade_no,
            order.notify_url,
            content=signed.body,
            headers={**signed.headers, "Content-Type": "application/json"},
        )

    def _answer(self, status: int, payload: Mapping[str, Any], background: BackgroundTask | None = None) -> Response:
        body = _dumps(payload)
        return Response(
            body,
            status_code=status,
            media_type="application/json",
            headers=signed_headers(self.keys, body, datetime.now(UTC)),
            background=background,
        )

    def _no_content(self) -> Response:
        """What close answers: 204, signed over the empty body like every answer."""
        return Response(status_code=204, headers=signed_headers(self.keys, b"", datetime.now(UTC)))

    def _error(self, status: int, code: str, message: str) -> Response:
        return self._answer(status, {"code": code, "message": message})

    def _request_refusal(self, request: Request, body: bytes) -> Response | None:
        scheme, _, rest = request.headers.get("authorization", "").partition(" ")
        auth = dict(_AUTH_PARAM.findall(rest))
        k = self.keys
        timestamp = auth.get("timestamp", "")
        query = request.scope["query_string"].decode()
        target = request.scope["raw_path"].decode() + (f"?{query}" if query else "")
        genuine = (
            scheme == SIGNATURE_TYPE
            and auth.get("mchid") == k.wechat_mchid
            and auth.get("serial_no") == k.wechat_merchant_serial_no
            and timestamp.isdigit()
            and abs(time.time() - int(timestamp)) <= MAX_CLOCK_SKEW.total_seconds()
            and rsa_verify(
                k.wechat_merchant_key.public_key(),
                signed_message(request.method, target, timestamp, auth.get("nonce_str", ""), body),
                auth.get("signature", ""),
            )
        )
        if not genuine:
            return self._error(401, "SIGN_ERROR", "签名错误")
        # Real WeChat Pay would answer signed with a platform certificate we do not hold; the sandbox says so.
        if request.headers.get("wechatpay-serial") != k.wechat_public_key_id:
            return self._error(400, "PARAM_ERROR", "Wechatpay-Serial must name the WeChat Pay public key id")
        return None

    async def _jsapi(self, request: Request) -> Response:
        return await self._prepay(request, "JSAPI")

    async def _native(self, request: Request) -> Response:
        return await self._prepay(request, "NATIVE")

    async def _prepay(self, request: Request, trade_type: str) -> Response:
        body = await request.body()
        if (refusal := self._request_refusal(request, body)) is not None:
            return refusal
        try:
            data = _json_object(body)
            out_trade_no, amount = _required(data, "out_trade_no"), _positive_fen(data.get("amount"), "total")
            description, notify_url = _required(data, "description"), _required(data, "notify_url")
            payer = data.get("payer")
            openid = _required(payer if isinstance(payer, dict) else {}, "openid") if trade_type == "JSAPI" else None
        except _Invalid as e:
            return self._error(400, "PARAM_ERROR", str(e))
        if data.get("appid") != self.keys.wechat_appid or data.get("mchid") != self.keys.wechat_mchid:
            return self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        order = self.orders.get(out_trade_no)
        if order is not None and order.payment is not None:
            return self._error(400, "ORDERPAID", "该订单已支付")
        if order is not None and order.trade_state is TradeState.CLOSED:
            return self._error(400, "ORDER_CLOSED", "订单已关闭")
        if order is not None and (order.trade_type, order.amount_fen, order.description) != (
            trade_type,
            amount,
            description,
        ):
            return self._error(400, "INVALID_REQUEST", "201 商户订单号重复")
        if order is None:
            order = _Order(out_trade_no, trade_type, description, amount, openid, notify_url)
            if trade_type == "JSAPI":
                order.prepay_id = "wx" + datetime.now(_CST).strftime("%d%H%M%S") + secrets.token_hex(12)
            else:
                order.code_token = "wx" + secrets.token_urlsafe(12)
                self.codes[order.code_token] = out_trade_no
            self.orders[out_trade_no] = order
        if order.code_token is not None:
            return self._answer(200, {"code_url": code_url(str(request.base_url), order.code_token)})
        return self._answer(200, {"prepay_id": order.prepay_id})

    async def _query(self, request: Request) -> Response:
        if (refusal := self._request_refusal(request, b"")) is not None:
            return refusal
        if request.query_params.get("mchid") != self.keys.wechat_mchid:
            return self._error(400, "PARAM_ERROR", "mchid is not ours")
        order = self.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
        return self._answer(200, self.transaction_resource(order))

    async def _close(self, request: Request) -> Response:
        body = await request.body()
        if (refusal := self._request_refusal(request, body)) is not None:
            return refusal
        try:
            data = _json_object(body)
        except _Invalid as e:
            return self._error(400, "PARAM_ERROR", str(e))
        if data.get("mchid") != self.keys.wechat_mchid:
            return self._error(400, "PARAM_ERROR", "mchid is not ours")
        order = self.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return self._error(404, "ORDER_NOT_EXIST", "订单不存在")
        if order.payment is not None:
            return self._error(400, "ORDERPAID", "该订单已支付")
        order.trade_state = TradeState.CLOSED
        return self._no_content()

    async def _refund(self, request: Request) -> Response:
        body = await request.body()
        if (refusal := self._request_refusal(request, body)) is not None:
            return refusal
        try:
            data = _json_object(body)
            out_trade_no, out_refund_no = _required(data, "out_trade_no"), _required(data, "out_refund_no")
            refund_fen, total_fen = (
                _positive_fen(data.get("amount"), "refund"),
                _positive_fen(data.get("amount"), "total"),
            )
        except _Invalid as e:
            return self._error(400, "PARAM_ERROR", str(e))
        order = self.orders.get(out_trade_no)
        if order is None or order.payment is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
        if total_fen != order.amount_fen:
            return self._error(400, "PARAM_ERROR", "订单金额与原订单不一致")
        existing = self.refunds.get(out_refund_no)
        if existing is not None:
            if (existing.order, existing.refund_fen) != (order, refund_fen):
                return self._error(400, "INVALID_REQUEST", "退款单号已用于其他退款")
            return self._answer(200, self._refund_answer(existing))
        refunded = sum(r.refund_fen for r in self.refunds.values() if r.order is order)
        if refunded + refund_fen > order.amount_fen:
            return self._error(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        refund_id = "5030" + "".join(secrets.choice("0123456789") for _ in range(25))
        notify_url = data.get("notify_url") if isinstance(data.get("notify_url"), str) else None
        refund = _Refund(
            order, order.payment.transaction_id, out_refund_no, refund_id, refund_fen, notify_url, datetime.now(UTC)
        )
        self.refunds[out_refund_no] = refund
        return self._answer(200, self._refund_answer(refund), BackgroundTask(self._complete_refund, refund))

    def _refund_answer(self, refund: _Refund) -> dict[str, Any]:
        answer = {k: v for k, v in self.refund_resource(refund).items() if k not in ("mchid", "refund_status")}
        return answer | {
            "status": refund.status.value,
            "channel": "ORIGINAL",
            "create_time": _iso(refund.created),
            "funds_account": "AVAILABLE",
        }

    async def _complete_refund(self, refund: _Refund) -> None:
        now = datetime.now(UTC)
        refund.status, refund.success_time = RefundStatus.SUCCESS, now
        refund.order.trade_state = TradeState.REFUND
        if refund.notify_url:
            signed = self.refund_notification(refund.out_refund_no, now)
            await self.deliveries.post(
                "wechatpay",
                refund.out_refund_no,
                refund.notify_url,
                content=signed.body,
                headers={**signed.headers, "Content-Type": "application/json"},
            )
