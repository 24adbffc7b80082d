"""WeChat Pay's merchant transfer (商家转账) in user-confirmation mode, the only mode since 2025-01-15: create a
transfer bill, query it by our out_bill_no, the `wx.requestMerchantTransfer` parameters the payee confirms it with,
and the verified, decrypted MCHTRANSFER.BILL.FINISHED notification.

Same signatures and AEAD sealing as payments (see client.py); the out_bill_no is WeChat Pay's idempotency key for a
bill, so a create that timed out is settled by querying that number before anything is sent again.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict
from urllib.parse import quote

from cryptography.exceptions import InvalidTag

from payments.errors import NotificationRejected, ProviderRefused, ProviderUnavailable
from payments.wechatpay.client import WeChatPayClient
from payments.wechatpay.resources import sealed_resource
from payments.wechatpay.signing import aes_gcm_decrypt, signature_problem

TRANSFER_BILLS = "/v3/fund-app/mch-transfer/transfer-bills"
BILL_FINISHED = "MCHTRANSFER.BILL.FINISHED"
# The answer to a query for an out_bill_no WeChat Pay never accepted.
NOT_FOUND = "NOT_FOUND"


class TransferState(StrEnum):
    ACCEPTED = "ACCEPTED"
    PROCESSING = "PROCESSING"
    WAIT_USER_CONFIRM = "WAIT_USER_CONFIRM"
    TRANSFERING = "TRANSFERING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    CANCELING = "CANCELING"
    CANCELLED = "CANCELLED"

    @property
    def final(self) -> bool:
        return self in (TransferState.SUCCESS, TransferState.FAIL, TransferState.CANCELLED)


@dataclass(frozen=True)
class SceneReport:
    """One `transfer_scene_report_infos` entry the scene requires (e.g. 岗位类型 / 报酬说明 for 佣金报酬)."""

    info_type: str
    info_content: str


@dataclass(frozen=True)
class TransferRequest:
    out_bill_no: str
    openid: str
    amount_fen: int
    remark: str
    scene_id: str
    # What the payee sees the money as (用户收款感知), one of the scene's allowed values.
    perception: str
    reports: Sequence[SceneReport]
    notify_url: str


@dataclass(frozen=True)
class TransferBill:
    """A bill as WeChat Pay reports it: from the create call, a query, or a notification. The create answer names
    no amount or payee, so those are None there."""

    out_bill_no: str
    transfer_bill_no: str
    state: TransferState
    created_at: datetime
    # The `package` for wx.requestMerchantTransfer; only while the payee still has to confirm.
    package_info: str | None
    fail_reason: str | None
    amount_fen: int | None
    openid: str | None
    mchid: str | None


@dataclass(frozen=True)
class TransferNotification:
    event_id: str
    event_type: str
    create_time: datetime
    bill: TransferBill

    def check_merchant(self, expected_mchid: str) -> None:
        if self.bill.mchid != expected_mchid:
            raise NotificationRejected(f"transfer for mchid {self.bill.mchid}, not ours")


class MerchantTransferParams(TypedDict):
    """The object the mini-program hands to `wx.requestMerchantTransfer` for the payee to confirm one bill."""

    mchId: str
    appId: str
    package: str


def _text(d: Mapping[str, Any], key: str) -> str:
    value = d[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _optional_text(d: Mapping[str, Any], key: str) -> str | None:
    return _text(d, key) if d.get(key) else None


def _optional_fen(d: Mapping[str, Any], key: str) -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{key} is not a positive number of fen")
    return value


def _time(d: Mapping[str, Any], key: str) -> datetime:
    parsed = datetime.fromisoformat(_text(d, key))
    if parsed.tzinfo is None:
        raise ValueError(f"{key} has no UTC offset")
    return parsed.astimezone(UTC)


def parse_bill(d: Mapping[str, Any]) -> TransferBill:
    """Strict: a missing or mistyped field is an error. Query answers say `mch_id`, notifications `mchid`."""
    return TransferBill(
        out_bill_no=_text(d, "out_bill_no"),
        transfer_bill_no=_text(d, "transfer_bill_no"),
        state=TransferState(_text(d, "state")),
        created_at=_time(d, "create_time"),
        package_info=_optional_text(d, "package_info"),
        fail_reason=_optional_text(d, "fail_reason"),
        amount_fen=_optional_fen(d, "transfer_amount"),
        openid=_optional_text(d, "openid"),
        mchid=_optional_text(d, "mch_id") or _optional_text(d, "mchid"),
    )


def request_body(appid: str, r: TransferRequest) -> dict[str, Any]:
    return {
        "appid": appid,
        "out_bill_no": r.out_bill_no,
        "transfer_scene_id": r.scene_id,
        "openid": r.openid,
        "transfer_amount": r.amount_fen,
        "transfer_remark": r.remark,
        "notify_url": r.notify_url,
        "user_recv_perception": r.perception,
        "transfer_scene_report_infos": [{"info_type": s.info_type, "info_content": s.info_content} for s in r.reports],
    }


class WeChatTransferClient(WeChatPayClient):
    """The merchant's WeChat Pay client, with the transfer endpoints on top of the payment ones."""

    async def create_transfer_bill(self, request: TransferRequest) -> TransferBill:
        """Creates the bill (usually answered WAIT_USER_CONFIRM with its package). ProviderUnavailable leaves the
        outcome unknown: query the out_bill_no before sending it again."""
        if request.amount_fen <= 0:
            raise ValueError("a transfer is a positive number of fen")
        answer = await self._call("POST", TRANSFER_BILLS, request_body(self.config.appid, request))
        try:
            return parse_bill(answer)
        except (KeyError, ValueError, TypeError) as e:
            raise ProviderUnavailable(f"WeChat Pay transfer answer malformed: {e}") from e

    async def query_transfer_bill(self, out_bill_no: str) -> TransferBill | None:
        """The bill's state at WeChat Pay, or None when WeChat Pay never accepted this out_bill_no."""
        try:
            answer = await self._call("GET", f"{TRANSFER_BILLS}/out-bill-no/{quote(out_bill_no, safe='')}")
        except ProviderRefused as e:
            if e.code == NOT_FOUND:
                return None
            raise
        try:
            return parse_bill(answer)
        except (KeyError, ValueError, TypeError) as e:
            raise ProviderUnavailable(f"WeChat Pay transfer query answer malformed: {e}") from e

    def merchant_transfer_params(self, package_info: str) -> MerchantTransferParams:
        return MerchantTransferParams(mchId=self.config.mchid, appId=self.config.appid, package=package_info)

    def parse_transfer_notification(
        self, headers: Mapping[str, str], raw_body: bytes, *, now: datetime
    ) -> TransferNotification:
        """Verifies and decrypts one transfer webhook call; NotificationRejected unless genuine, fresh and a
        MCHTRANSFER.BILL.FINISHED. The merchant check is separate (`check_merchant`)."""
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
            if envelope.get("event_type") != BILL_FINISHED:
                raise NotificationRejected(f"unexpected event type {envelope.get('event_type')!r}")
            sealed = sealed_resource(envelope)
            resource = json.loads(
                aes_gcm_decrypt(
                    self.config.apiv3_key,
                    nonce=sealed.nonce,
                    ciphertext=sealed.ciphertext,
                    associated_data=sealed.associated_data,
                )
            )
            return TransferNotification(
                _text(envelope, "id"), BILL_FINISHED, _time(envelope, "create_time"), parse_bill(resource)
            )
        except InvalidTag as e:
            raise NotificationRejected("resource does not decrypt with our APIv3 key") from e
        # RecursionError: JSON nested deeper than the parser follows, however well it is signed.
        except (KeyError, ValueError, TypeError, AttributeError, RecursionError) as e:
            raise NotificationRejected(f"malformed notification: {type(e).__name__}: {e}") from e
