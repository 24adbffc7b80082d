"""The sandbox's WeChat Pay merchant transfer (商家转账, user-confirmation mode): create and query transfer bills,
the payee's confirmation played through `POST /_sandbox/confirm-transfer`, and the MCHTRANSFER.BILL.FINISHED
notification that follows it.

It keeps every bill and every create call, so a test can count transfers; it enforces the limits a merchant
account has (single transfer without the payee's name, per payee per day, per day in all) with WeChat Pay's
error codes; and it can be told to answer the next create too late (the bill is made, the answer is lost), to
slow every create down, or to start a new day.
"""

import asyncio
import json
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from payments.sandbox.deliveries import Deliveries, Delivery, SignedNotification
from payments.sandbox.keys import SandboxKeys
from payments.sandbox.wechatpay import WeChatPaySandbox, signed_headers
from payments.wechatpay.signing import aes_gcm_encrypt
from payments.wechatpay.transfers import BILL_FINISHED, NOT_FOUND, TRANSFER_BILLS, TransferState

_CST = ZoneInfo("Asia/Shanghai")
_OUT_BILL_NO = re.compile(r"^[0-9A-Za-z]{5,32}$")
# The scenes a merchant account may have enabled, and each one's report info types (1005: 佣金报酬).
SCENES: dict[str, tuple[str, ...]] = {"1000": ("活动名称", "奖励说明"), "1005": ("岗位类型", "报酬说明")}
# What the limits answer: over the single limit the payee's real name is needed, which we never send.
SINGLE_LIMIT_CODE = "INVALID_REQUEST"
QUOTA_CODE = "QUOTA_EXCEED"


class Outcome(StrEnum):
    """What became of a bill the payee was asked to confirm."""

    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    CANCELLED = "CANCELLED"
    # Not confirmed in time: WeChat Pay closes the bill and gives the money back to the merchant.
    EXPIRE = "EXPIRE"


_FINISH = {
    Outcome.SUCCESS: (TransferState.SUCCESS, None),
    Outcome.FAIL: (TransferState.FAIL, "PAYEE_ACCOUNT_ABNORMAL"),
    Outcome.CANCELLED: (TransferState.CANCELLED, "MERCHANT_REVOCATION"),
    Outcome.EXPIRE: (TransferState.CANCELLED, "OVERDUE_CLOSE"),
}


@dataclass
class Limits:
    """0 means no limit. The defaults are a new merchant account's: 200 yuan per transfer without a name."""

    single_fen: int = 20_000
    per_payee_daily_fen: int = 100_000
    daily_fen: int = 0
    min_fen: int = 10


@dataclass
class Bill:
    out_bill_no: str
    transfer_bill_no: str
    openid: str
    amount_fen: int
    remark: str
    notify_url: str
    day: date
    created: datetime
    state: TransferState = TransferState.WAIT_USER_CONFIRM
    fail_reason: str | None = None
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    package_info: str = field(default_factory=lambda: "ABBQO+oYAAABAAAAAAAk" + secrets.token_urlsafe(24))
    event_id: str = field(default_factory=lambda: secrets.token_hex(16))


class _Invalid(Exception):
    pass


def _iso(moment: datetime) -> str:
    return moment.astimezone(_CST).isoformat(timespec="seconds")


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _text(data: dict[str, Any], key: str, max_length: int = 256) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise _Invalid(f"{key} is required (at most {max_length} characters)")
    return value


class TransferSandbox:
    def __init__(self, keys: SandboxKeys, deliveries: Deliveries, wechatpay: WeChatPaySandbox) -> None:
        self.keys = keys
        self.deliveries = deliveries
        # Its request check (merchant signature and Wechatpay-Serial) is the whole API's.
        self._wechatpay = wechatpay
        self.limits = Limits()
        self.bills: dict[str, Bill] = {}
        # Every create call per out_bill_no, including calls answered with an existing bill or an error.
        self.create_calls: Counter[str] = Counter()
        self.query_calls: Counter[str] = Counter()
        self.create_delay_s = 0.0
        # Seconds the next create's answer waits after the bill is made: a client with a shorter timeout never
        # learns the outcome.
        self.answer_next_create_after_s: float | None = None
        self.day_offset = 0

    def routes(self) -> list[Route]:
        return [
            Route(TRANSFER_BILLS, self._create, methods=["POST"]),
            Route(f"{TRANSFER_BILLS}/out-bill-no/{{out_bill_no}}", self._query, methods=["GET"]),
            Route("/_sandbox/confirm-transfer", self._confirm_endpoint, methods=["POST"]),
        ]

    def today(self) -> date:
        return (datetime.now(_CST) + timedelta(days=self.day_offset)).date()

    def next_day(self) -> None:
        """Midnight in Beijing: the daily limits start again."""
        self.day_offset += 1

    def time_out_next_create(self, answer_after_s: float = 2.0) -> None:
        self.answer_next_create_after_s = answer_after_s

    def bills_of(self, openid: str) -> list[Bill]:
        return [b for b in self.bills.values() if b.openid == openid]

    def resource(self, bill: Bill) -> dict[str, Any]:
        """A bill as a query answers it; the notification carries the same."""
        resource: dict[str, Any] = {
            "mch_id": self.keys.wechat_mchid,
            "out_bill_no": bill.out_bill_no,
            "transfer_bill_no": bill.transfer_bill_no,
            "appid": self.keys.wechat_appid,
            "state": bill.state.value,
            "transfer_amount": bill.amount_fen,
            "transfer_remark": bill.remark,
            "openid": bill.openid,
            "create_time": _iso(bill.created),
            "update_time": _iso(bill.updated),
        }
        if bill.fail_reason:
            resource["fail_reason"] = bill.fail_reason
        return resource

    def notification(self, bill: Bill, now: datetime) -> SignedNotification:
        nonce = secrets.token_hex(6)
        ciphertext = aes_gcm_encrypt(
            self.keys.wechat_apiv3_key,
            nonce=nonce,
            plaintext=_dumps(self.resource(bill)),
            associated_data="mch_payment",
        )
        body = _dumps(
            {
                "id": bill.event_id,
                "create_time": _iso(now),
                "resource_type": "encrypt-resource",
                "event_type": BILL_FINISHED,
                "summary": "商家转账单据终态通知",
                "resource": {
                    "original_type": "mch_payment",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": ciphertext,
                    "associated_data": "mch_payment",
                    "nonce": nonce,
                },
            }
        )
        return SignedNotification(signed_headers(self.keys, body, now), body)

    async def confirm(self, out_bill_no: str, outcome: Outcome, *, notify: bool = True) -> Delivery | None:
        """The payee's answer to one bill (or its expiry); the notification is posted unless `notify` is False.
        Raises KeyError for an unknown bill and ValueError for one that is not waiting for its payee."""
        bill = self.bills[out_bill_no]
        if bill.state is not TransferState.WAIT_USER_CONFIRM:
            raise ValueError(f"bill {out_bill_no} is {bill.state}, not waiting for its payee")
        now = datetime.now(UTC)
        bill.state, bill.fail_reason = _FINISH[outcome]
        bill.updated = now
        if not notify:
            return None
        return await self.redeliver(out_bill_no)

    async def redeliver(self, out_bill_no: str) -> Delivery:
        """Posts the bill's notification (again), as WeChat Pay retries until answered."""
        bill = self.bills[out_bill_no]
        signed = self.notification(bill, datetime.now(UTC))
        return await self.deliveries.post(
            "wechatpay",
            out_bill_no,
            bill.notify_url,
            content=signed.body,
            headers={**signed.headers, "Content-Type": "application/json"},
        )

    def _answer(self, status: int, payload: dict[str, Any]) -> Response:
        body = _dumps(payload)
        headers = signed_headers(self.keys, body, datetime.now(UTC))
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def _error(self, status: int, code: str, message: str) -> Response:
        return self._answer(status, {"code": code, "message": message})

    def _created_answer(self, bill: Bill) -> Response:
        answer = {
            "out_bill_no": bill.out_bill_no,
            "transfer_bill_no": bill.transfer_bill_no,
            "create_time": _iso(bill.created),
            "state": bill.state.value,
        }
        if bill.state is TransferState.WAIT_USER_CONFIRM:
            answer["package_info"] = bill.package_info
        if bill.fail_reason:
            answer["fail_reason"] = bill.fail_reason
        return self._answer(200, answer)

    def _parsed(self, data: dict[str, Any]) -> tuple[str, str, int, str, str]:
        out_bill_no = _text(data, "out_bill_no", 32)
        if not _OUT_BILL_NO.match(out_bill_no):
            raise _Invalid("out_bill_no is 5 to 32 letters and digits")
        amount = data.get("transfer_amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < max(self.limits.min_fen, 1):
            raise _Invalid(f"transfer_amount must be a whole number of fen, at least {self.limits.min_fen}")
        scene = _text(data, "transfer_scene_id", 8)
        if scene not in SCENES:
            raise _Invalid(f"transfer_scene_id {scene} is not enabled")
        reports = data.get("transfer_scene_report_infos")
        types = {r.get("info_type") for r in reports if isinstance(r, dict)} if isinstance(reports, list) else set()
        if not set(SCENES[scene]) <= types:
            raise _Invalid(f"scene {scene} needs report infos {', '.join(SCENES[scene])}")
        _text(data, "user_recv_perception", 32)
        return out_bill_no, _text(data, "openid", 128), amount, _text(data, "transfer_remark", 32), scene

    def _over_limit(self, openid: str, amount: int, day: date) -> Response | None:
        limits = self.limits
        if limits.single_fen and amount > limits.single_fen:
            return self._error(400, SINGLE_LIMIT_CODE, "转账金额超过单笔免实名额度，需填写收款用户姓名")
        # Money that never moved (failed, cancelled) does not count.
        moved = (TransferState.FAIL, TransferState.CANCELLED)
        counted = [b for b in self.bills.values() if b.day == day and b.state not in moved]
        payee = sum(b.amount_fen for b in counted if b.openid == openid)
        if limits.per_payee_daily_fen and payee + amount > limits.per_payee_daily_fen:
            return self._error(403, QUOTA_CODE, "超过用户单日收款额度")
        if limits.daily_fen and sum(b.amount_fen for b in counted) + amount > limits.daily_fen:
            return self._error(403, QUOTA_CODE, "超过商户单日转账额度")
        return None

    async def _create(self, request: Request) -> Response:
        body = await request.body()
        if (refusal := self._wechatpay._request_refusal(request, body)) is not None:
            return refusal
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise _Invalid("body is not a JSON object")
            out_bill_no, openid, amount, remark, _scene = self._parsed(data)
            notify_url = _text(data, "notify_url")
        except (ValueError, _Invalid) as e:
            return self._error(400, "PARAM_ERROR", str(e))
        self.create_calls[out_bill_no] += 1
        if self.create_delay_s:
            await asyncio.sleep(self.create_delay_s)
        if data.get("appid") != self.keys.wechat_appid:
            return self._error(400, "INVALID_REQUEST", "appid 与商户号不匹配")
        existing = self.bills.get(out_bill_no)
        if existing is not None:
            if (existing.openid, existing.amount_fen) != (openid, amount):
                return self._error(400, "INVALID_REQUEST", "商户单号重复")
            return self._created_answer(existing)
        day = self.today()
        if (refusal := self._over_limit(openid, amount, day)) is not None:
            return refusal
        bill = Bill(
            out_bill_no, "1330" + secrets.token_hex(18), openid, amount, remark, notify_url, day, datetime.now(UTC)
        )
        self.bills[out_bill_no] = bill
        late, self.answer_next_create_after_s = self.answer_next_create_after_s, None
        if late is not None:
            await asyncio.sleep(late)
        return self._created_answer(bill)

    async def _query(self, request: Request) -> Response:
        if (refusal := self._wechatpay._request_refusal(request, b"")) is not None:
            return refusal
        out_bill_no = request.path_params["out_bill_no"]
        self.query_calls[out_bill_no] += 1
        bill = self.bills.get(out_bill_no)
        if bill is None:
            return self._error(404, NOT_FOUND, "记录不存在")
        return self._answer(200, self.resource(bill))

    async def _confirm_endpoint(self, request: Request) -> Response:
        try:
            data: Any = await request.json()
            out_bill_no, outcome = str(data["out_bill_no"]), Outcome(data["outcome"])
            notify = bool(data.get("notify", True))
        except (ValueError, KeyError, TypeError):
            expected = '{"out_bill_no": "…", "outcome": "SUCCESS"|"FAIL"|"CANCELLED"|"EXPIRE", "notify": true}'
            return JSONResponse({"error": f"expected {expected}"}, 400)
        try:
            delivery = await self.confirm(out_bill_no, outcome, notify=notify)
        except KeyError:
            return JSONResponse({"error": f"no transfer bill {out_bill_no}"}, 404)
        except ValueError as e:
            return JSONResponse({"error": str(e)}, 409)
        if delivery is None:
            return JSONResponse({"state": self.bills[out_bill_no].state.value})
        return JSONResponse({"url": delivery.url, "status": delivery.status, "answer": delivery.answer})
