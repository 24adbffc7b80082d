"""The typed values WeChat Pay answers and notifies: transactions, refunds and the two kinds of notification,
parsed from its JSON strictly (a missing or mistyped field is an error, never a default).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict

from payments.errors import NotificationRejected


class TradeState(StrEnum):
    SUCCESS = "SUCCESS"
    REFUND = "REFUND"
    NOTPAY = "NOTPAY"
    CLOSED = "CLOSED"
    REVOKED = "REVOKED"
    USERPAYING = "USERPAYING"
    PAYERROR = "PAYERROR"


class RefundStatus(StrEnum):
    SUCCESS = "SUCCESS"
    CLOSED = "CLOSED"
    PROCESSING = "PROCESSING"
    ABNORMAL = "ABNORMAL"


@dataclass(frozen=True)
class Transaction:
    """A payment as WeChat Pay reports it, from an order query or inside a TRANSACTION.* notification."""

    mchid: str
    appid: str
    out_trade_no: str
    transaction_id: str | None
    trade_state: TradeState
    amount_fen: int
    payer_openid: str | None
    success_time: datetime | None


@dataclass(frozen=True)
class Refund:
    """A refund as WeChat Pay reports it, from the refund call or inside a REFUND.* notification."""

    out_trade_no: str
    transaction_id: str
    out_refund_no: str
    refund_id: str
    status: RefundStatus
    refund_fen: int
    total_fen: int
    success_time: datetime | None


@dataclass(frozen=True)
class PaymentNotification:
    event_id: str
    event_type: str
    create_time: datetime
    transaction: Transaction

    def check_merchant(self, expected_mchid: str, expected_appid: str) -> None:
        """A genuine notification can still be for another merchant or app sharing our keys: refuse it."""
        if self.transaction.mchid != expected_mchid or self.transaction.appid != expected_appid:
            raise NotificationRejected(
                f"payment for mchid {self.transaction.mchid} / appid {self.transaction.appid}, not ours"
            )


@dataclass(frozen=True)
class RefundNotification:
    event_id: str
    event_type: str
    create_time: datetime
    # Refund resources carry no appid; the merchant number is the only owner they name.
    mchid: str
    refund: Refund

    def check_merchant(self, expected_mchid: str) -> None:
        if self.mchid != expected_mchid:
            raise NotificationRejected(f"refund for mchid {self.mchid}, not ours")


class RequestPaymentParams(TypedDict):
    """The object the mini-program hands to `wx.requestPayment`; appId is there because paySign covers it."""

    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str


def _obj(d: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = d[key]
    if not isinstance(value, dict):
        raise ValueError(f"{key} is not an object")
    return value


def _text(d: Mapping[str, Any], key: str) -> str:
    value = d[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is not a non-empty string")
    return value


def _optional_text(d: Mapping[str, Any], key: str) -> str | None:
    return _text(d, key) if d.get(key) else None


def _fen(d: Mapping[str, Any], key: str) -> int:
    value = d[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} is not a whole number of fen")
    return value


def _time(d: Mapping[str, Any], key: str) -> datetime:
    parsed = datetime.fromisoformat(_text(d, key))
    if parsed.tzinfo is None:
        raise ValueError(f"{key} has no UTC offset")
    return parsed.astimezone(UTC)


def _optional_time(d: Mapping[str, Any], key: str) -> datetime | None:
    return _time(d, key) if d.get(key) else None


def parse_transaction(d: Mapping[str, Any]) -> Transaction:
    payer = d.get("payer")
    return Transaction(
        mchid=_text(d, "mchid"),
        appid=_text(d, "appid"),
        out_trade_no=_text(d, "out_trade_no"),
        transaction_id=_optional_text(d, "transaction_id"),
        trade_state=TradeState(_text(d, "trade_state")),
        amount_fen=_fen(_obj(d, "amount"), "total"),
        payer_openid=_optional_text(payer, "openid") if isinstance(payer, dict) else None,
        success_time=_optional_time(d, "success_time"),
    )


def parse_refund(d: Mapping[str, Any], *, status_key: str) -> Refund:
    """Refund calls answer `status`; refund notifications say `refund_status` for the same thing."""
    amount = _obj(d, "amount")
    return Refund(
        out_trade_no=_text(d, "out_trade_no"),
        transaction_id=_text(d, "transaction_id"),
        out_refund_no=_text(d, "out_refund_no"),
        refund_id=_text(d, "refund_id"),
        status=RefundStatus(_text(d, status_key)),
        refund_fen=_fen(amount, "refund"),
        total_fen=_fen(amount, "total"),
        success_time=_optional_time(d, "success_time"),
    )


@dataclass(frozen=True)
class SealedResource:
    nonce: str
    ciphertext: str
    associated_data: str


def sealed_resource(envelope: Mapping[str, Any]) -> SealedResource:
    resource = _obj(envelope, "resource")
    if envelope.get("resource_type") != "encrypt-resource" or resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise ValueError("resource is not AEAD_AES_256_GCM encrypted")
    return SealedResource(
        nonce=_text(resource, "nonce"),
        ciphertext=_text(resource, "ciphertext"),
        associated_data=str(resource.get("associated_data") or ""),
    )


def parse_event(
    envelope: Mapping[str, Any], resource: Mapping[str, Any]
) -> PaymentNotification | RefundNotification | None:
    """The notification an envelope and its decrypted resource make, or None for an event type we do not take."""
    event_id, event_type, create_time = (
        _text(envelope, "id"),
        _text(envelope, "event_type"),
        _time(envelope, "create_time"),
    )
    if event_type.startswith("TRANSACTION."):
        return PaymentNotification(event_id, event_type, create_time, parse_transaction(resource))
    if event_type.startswith("REFUND."):
        refund = parse_refund(resource, status_key="refund_status")
        return RefundNotification(event_id, event_type, create_time, _text(resource, "mchid"), refund)
    return None
