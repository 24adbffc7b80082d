"""The sandbox's Alipay gateway: alipay.trade.create / precreate / query / close / refund with RSA2 both ways, and
its notifications.

Requests must be signed with the app key (sorted parameters without `sign`); answers are signed with the
sandbox's Alipay key over the `*_response` member. Notifications go to the notify_url given at trade.create or
precreate, for the payment and after every refund, as Alipay sends them. As at Alipay, a precreated code has no
trade until someone scans it (query and close answer ACQ.TRADE_NOT_EXIST), and a close before the scan still
stops the code from being paid. The qr_code is the sandbox's own scan page (`payments.sandbox.payer`).
"""

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.alipay import rsa2_sign, rsa2_verify, signing_content
from payments.alipay import TradeStatus, fen_to_yuan, yuan_to_fen
from payments.sandbox.deliveries import Deliveries, Delivery
from payments.sandbox.keys import SandboxKeys
from payments.sandbox.payer import Bill, CannotPay, code_url

_CST = ZoneInfo("Asia/Shanghai")


def _beijing(moment: datetime, *, millis: bool = False) -> str:
    text = moment.astimezone(_CST).strftime("%Y-%m-%d %H:%M:%S.%f" if millis else "%Y-%m-%d %H:%M:%S")
    return text[:-3] if millis else text


def _digits(n: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(n))


def notification(keys: SandboxKeys, fields: Mapping[str, str], now: datetime) -> dict[str, str]:
    """Any trade_status_sync notification, signed as Alipay signs it (without sign and sign_type)."""
    form = {
        "notify_time": _beijing(now),
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(17),
        "app_id": keys.alipay_app_id,
        "seller_id": keys.alipay_seller_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        **fields,
    }
    form["sign"] = rsa2_sign(
        signing_content({k: v for k, v in form.items() if k != "sign_type"}), keys.alipay_platform_key
    )
    return form


@dataclass(frozen=True)
class _Refund:
    out_request_no: str
    fen: int
    at: datetime
    notify_id: str = field(default_factory=lambda: secrets.token_hex(17))


@dataclass
class _Code:
    """A precreated qr_code: no trade yet, until someone scans it."""

    out_trade_no: str
    token: str
    total_fen: int
    subject: str
    notify_url: str
    closed: bool = False


@dataclass
class _Trade:
    out_trade_no: str
    trade_no: str
    total_fen: int
    subject: str
    buyer_open_id: str
    notify_url: str
    created: datetime
    status: TradeStatus = TradeStatus.WAIT_BUYER_PAY
    gmt_payment: datetime | None = None
    notify_id: str = field(default_factory=lambda: secrets.token_hex(17))
    refunds: dict[str, _Refund] = field(default_factory=dict)

    @property
    def refunded_fen(self) -> int:
        return sum(r.fen for r in self.refunds.values())


# What a gateway method answers inside its *_response member, and what to do once the answer has gone out.
_Answer = tuple[dict[str, str], BackgroundTask | None]
# A gateway method: the biz_content, the whole form, and the sandbox's own base URL (a qr_code points at it).
_Method = Callable[[Mapping[str, Any], Mapping[str, str], str], _Answer]


class _Failed(Exception):
    def __init__(self, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_code)
        self.sub_code = sub_code
        self.sub_msg = sub_msg


def _required(biz: Mapping[str, Any], key: str) -> str:
    value = biz.get(key)
    if not isinstance(value, str) or not value:
        raise _Failed("ACQ.INVALID_PARAMETER", f"参数 {key} 无效")
    return value


def _amount(biz: Mapping[str, Any], key: str) -> int:
    try:
        fen = yuan_to_fen(_required(biz, key))
    except ValueError as e:
        raise _Failed("ACQ.INVALID_PARAMETER", f"参数 {key} 金额格式错误") from e
    if fen <= 0:
        raise _Failed("ACQ.INVALID_PARAMETER", f"参数 {key} 金额必须大于0")
    return fen


class AlipaySandbox:
    def __init__(self, keys: SandboxKeys, deliveries: Deliveries) -> None:
        self.keys = keys
        self.deliveries = deliveries
        self.trades: dict[str, _Trade] = {}
        # Precreated codes by out_trade_no, and each code's token (the last part of its qr_code) -> out_trade_no.
        self.precreated: dict[str, _Code] = {}
        self.codes: dict[str, str] = {}

    def routes(self) -> list[Route]:
        return [Route("/gateway.do", self._gateway, methods=["POST"])]

    def _trade_fields(self, trade: _Trade) -> dict[str, str]:
        fields = {
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "trade_status": trade.status.value,
            "total_amount": fen_to_yuan(trade.total_fen),
            "buyer_open_id": trade.buyer_open_id,
            "subject": trade.subject,
            "gmt_create": _beijing(trade.created),
        }
        if trade.gmt_payment is not None:
            fields |= {
                "gmt_payment": _beijing(trade.gmt_payment),
                "receipt_amount": fen_to_yuan(trade.total_fen),
                "buyer_pay_amount": fen_to_yuan(trade.total_fen),
            }
        return fields

    def scan(self, out_trade_no: str, now: datetime) -> _Trade | None:
        """Someone scanned a precreated code with Alipay: now the trade exists, waiting for them to pay. Scanning
        again finds the same trade; a closed code makes none."""
        code = self.precreated.get(out_trade_no)
        if out_trade_no in self.trades or code is None or code.closed:
            return self.trades.get(out_trade_no)
        trade_no = now.astimezone(_CST).strftime("%Y%m%d") + _digits(20)
        buyer = "0" + secrets.token_hex(23)
        trade = _Trade(out_trade_no, trade_no, code.total_fen, code.subject, buyer, code.notify_url, now)
        self.trades[out_trade_no] = trade
        return trade

    def mark_paid(self, out_trade_no: str, now: datetime) -> _Trade | None:
        """The member paid in `my.tradePay`, or whoever scanned a precreated code paid it. Paying twice changes
        nothing."""
        trade = self.scan(out_trade_no, now)
        if trade is not None and trade.status is TradeStatus.WAIT_BUYER_PAY:
            trade.status, trade.gmt_payment = TradeStatus.TRADE_SUCCESS, now
        return trade

    def bill(self, token: str) -> Bill | None:
        """What the payer's Alipay shows for a scanned code."""
        code = self.precreated.get(self.codes.get(token, ""))
        if code is None:
            return None
        trade = self.trades.get(code.out_trade_no)
        if code.closed or (trade is not None and trade.status is TradeStatus.TRADE_CLOSED):
            return Bill("支付宝", code.subject, code.total_fen, "已关闭，请让收银员重新收款", False)
        if trade is not None and trade.status is not TradeStatus.WAIT_BUYER_PAY:
            return Bill("支付宝", code.subject, code.total_fen, "已支付", False)
        return Bill("支付宝", code.subject, code.total_fen, "待支付", True)

    def payment_notification(self, out_trade_no: str, now: datetime) -> dict[str, str]:
        trade = self.trades[out_trade_no]
        return notification(self.keys, {**self._trade_fields(trade), "notify_id": trade.notify_id}, now)

    def refund_notification(self, out_trade_no: str, out_request_no: str, now: datetime) -> dict[str, str]:
        """A refund's notification: the trade as it stands, the cumulative refund_fee, and our out_request_no."""
        trade = self.trades[out_trade_no]
        refund = trade.refunds[out_request_no]
        fields = self._trade_fields(trade) | {
            "notify_id": refund.notify_id,
            "refund_fee": fen_to_yuan(sum(r.fen for r in trade.refunds.values() if r.at <= refund.at)),
            "gmt_refund": _beijing(refund.at, millis=True),
            "out_biz_no": out_request_no,
        }
        if trade.status is TradeStatus.TRADE_CLOSED:
            fields["gmt_close"] = _beijing(refund.at)
        return notification(self.keys, fields, now)

    async def pay(self, out_trade_no: str) -> Delivery | None:
        """Marks the trade paid (a precreated code scanned first) and posts its notification to the trade's
        notify_url; None for an unknown trade, CannotPay for a closed one."""
        code = self.precreated.get(out_trade_no)
        if code is not None and code.closed and out_trade_no not in self.trades:
            raise CannotPay("支付失败，本笔交易已关闭，请收银员重新收款")
        trade = self.mark_paid(out_trade_no, datetime.now(UTC))
        if trade is None:
            return None
        if trade.status is TradeStatus.TRADE_CLOSED and trade.gmt_payment is None:
            raise CannotPay("交易已关闭，请收银员重新收款")
        form = self.payment_notification(out_trade_no, datetime.now(UTC))
        return await self.deliveries.post("alipay", out_trade_no, trade.notify_url, form=form)

    def _reply(self, member: str, payload: Mapping[str, str], background: BackgroundTask | None = None) -> Response:
        content = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        sign = rsa2_sign(content, self.keys.alipay_platform_key)
        body = f'{{"{member}":{content},"sign":"{sign}"}}'
        return Response(body, media_type="application/json; charset=utf-8", background=background)

    async def _gateway(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        app_key = self.keys.alipay_app_key.public_key()
        if form.get("app_id") != self.keys.alipay_app_id or not rsa2_verify(
            signing_content(form), form.get("sign", ""), app_key
        ):
            return self._reply(
                "error_response",
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错",
                },
            )
        method = form.get("method", "")
        handlers: dict[str, _Method] = {
            "alipay.trade.create": self._create,
            "alipay.trade.precreate": self._precreate,
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
        }
        handler = handlers.get(method)
        member = method.replace(".", "_") + "_response"
        if handler is None:
            return self._reply(
                "error_response",
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-method",
                    "sub_msg": "不存在的方法名",
                },
            )
        try:
            biz = json.loads(form.get("biz_content", ""))
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            return self._business_error(member, "isv.invalid-biz-content", "biz_content 不是 JSON 对象")
        try:
            answer, background = handler(biz, form, str(request.base_url))
        except _Failed as e:
            return self._business_error(member, e.sub_code, e.sub_msg)
        return self._reply(member, {"code": "10000", "msg": "Success", **answer}, background)

    def _business_error(self, member: str, sub_code: str, sub_msg: str) -> Response:
        return self._reply(
            member, {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}
        )

    def _create(self, biz: Mapping[str, Any], form: Mapping[str, str], base_url: str) -> _Answer:
        out_trade_no, subject = _required(biz, "out_trade_no"), _required(biz, "subject")
        total_fen = _amount(biz, "total_amount")
        buyer = biz.get("buyer_open_id") or biz.get("buyer_id")
        if not isinstance(buyer, str) or not buyer:
            raise _Failed("ACQ.INVALID_PARAMETER", "买家 buyer_open_id / buyer_id 必填")
        # Alipay itself would just not notify; the sandbox exists to notify, so it insists.
        notify_url = _required(form, "notify_url")
        if out_trade_no in self.precreated:
            raise _Failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        trade = self.trades.get(out_trade_no)
        if trade is not None and trade.status is not TradeStatus.WAIT_BUYER_PAY:
            raise _Failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if trade is not None and trade.total_fen != total_fen:
            raise _Failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if trade is None:
            now = datetime.now(UTC)
            trade_no = now.astimezone(_CST).strftime("%Y%m%d") + _digits(20)
            trade = _Trade(out_trade_no, trade_no, total_fen, subject, buyer, notify_url, now)
            self.trades[out_trade_no] = trade
        return {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}, None

    def _precreate(self, biz: Mapping[str, Any], form: Mapping[str, str], base_url: str) -> _Answer:
        out_trade_no, subject = _required(biz, "out_trade_no"), _required(biz, "subject")
        total_fen = _amount(biz, "total_amount")
        if biz.get("product_code", "FACE_TO_FACE_PAYMENT") != "FACE_TO_FACE_PAYMENT":
            raise _Failed("ACQ.INVALID_PARAMETER", "当面付的 product_code 为 FACE_TO_FACE_PAYMENT")
        notify_url = _required(form, "notify_url")
        trade, code = self.trades.get(out_trade_no), self.precreated.get(out_trade_no)
        if trade is not None and code is None:
            raise _Failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if trade is not None and trade.status in (TradeStatus.TRADE_SUCCESS, TradeStatus.TRADE_FINISHED):
            raise _Failed("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if (code is not None and code.closed) or (trade is not None and trade.status is TradeStatus.TRADE_CLOSED):
            raise _Failed("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        if code is not None and code.total_fen != total_fen:
            raise _Failed("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
        if code is None:
            code = _Code(out_trade_no, "bax" + secrets.token_urlsafe(12), total_fen, subject, notify_url)
            self.precreated[out_trade_no], self.codes[code.token] = code, out_trade_no
        return {"out_trade_no": out_trade_no, "qr_code": code_url(base_url, code.token)}, None

    def _close(self, biz: Mapping[str, Any], form: Mapping[str, str], base_url: str) -> _Answer:
        out_trade_no = _required(biz, "out_trade_no")
        trade, code = self.trades.get(out_trade_no), self.precreated.get(out_trade_no)
        if trade is None:
            if code is not None:
                # Nobody scanned it: Alipay has no trade to close, yet the code is dead from now on.
                code.closed = True
            raise _Failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade.status is not TradeStatus.WAIT_BUYER_PAY:
            raise _Failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = TradeStatus.TRADE_CLOSED
        return {"out_trade_no": trade.out_trade_no, "trade_no": trade.trade_no}, None

    def _query(self, biz: Mapping[str, Any], form: Mapping[str, str], base_url: str) -> _Answer:
        trade = self.trades.get(_required(biz, "out_trade_no"))
        if trade is None:
            raise _Failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        fields = self._trade_fields(trade)
        if trade.gmt_payment is not None:
            fields["send_pay_date"] = fields["gmt_payment"]
        return fields, None

    def _refund(self, biz: Mapping[str, Any], form: Mapping[str, str], base_url: str) -> _Answer:
        out_trade_no, out_request_no = _required(biz, "out_trade_no"), _required(biz, "out_request_no")
        fen = _amount(biz, "refund_amount")
        trade = self.trades.get(out_trade_no)
        if trade is None:
            raise _Failed("ACQ.TRADE_NOT_EXIST", "交易不存在")
        existing = trade.refunds.get(out_request_no)
        if existing is not None:
            # Alipay answers a repeated refund request with success and fund_change N: no money moved again.
            return self._refund_answer(trade, "N"), None
        if trade.status is not TradeStatus.TRADE_SUCCESS:
            raise _Failed("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if trade.refunded_fen + fen > trade.total_fen:
            raise _Failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        trade.refunds[out_request_no] = _Refund(out_request_no, fen, datetime.now(UTC))
        if trade.refunded_fen == trade.total_fen:
            trade.status = TradeStatus.TRADE_CLOSED
        return self._refund_answer(trade, "Y"), BackgroundTask(self._notify_refund, trade, out_request_no)

    def _refund_answer(self, trade: _Trade, fund_change: str) -> dict[str, str]:
        return {
            "out_trade_no": trade.out_trade_no,
            "trade_no": trade.trade_no,
            "buyer_open_id": trade.buyer_open_id,
            "fund_change": fund_change,
            "refund_fee": fen_to_yuan(trade.refunded_fen),
        }

    async def _notify_refund(self, trade: _Trade, out_request_no: str) -> None:
        form = self.refund_notification(trade.out_trade_no, out_request_no, datetime.now(UTC))
        await self.deliveries.post("alipay", out_request_no, trade.notify_url, form=form)
