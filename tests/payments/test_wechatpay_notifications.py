"""WeChat Pay notifications signed with real RSA keys made for the test: genuine ones parse to typed values, and
every kind of forgery, replay or probe is rejected before anything is decrypted or believed.
"""

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from payments.errors import NotificationRejected
from payments.sandbox import SandboxKeys, SignedNotification
from payments.sandbox.keys import new_rsa_key
from payments.sandbox.wechatpay import notification
from payments.wechatpay import (
    PaymentNotification,
    RefundNotification,
    RefundStatus,
    TradeState,
    WeChatPayClient,
)
from payments.wechatpay.signing import rsa_verify, signed_message

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(sandbox_keys: SandboxKeys, http: httpx.AsyncClient) -> WeChatPayClient:
    return WeChatPayClient(sandbox_keys.wechatpay_config("http://wechatpay.invalid"), http=http)


def transaction(keys: SandboxKeys, **changes: Any) -> dict[str, Any]:
    return {
        "appid": keys.wechat_appid,
        "mchid": keys.wechat_mchid,
        "out_trade_no": "JK20250301000001",
        "transaction_id": "4200001234202503011234567890",
        "trade_type": "JSAPI",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "success_time": "2025-03-01T19:59:30+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 8_849, "payer_total": 8_849, "currency": "CNY", "payer_currency": "CNY"},
        **changes,
    }


def payment(keys: SandboxKeys, *, now: datetime = NOW, **changes: Any) -> SignedNotification:
    return notification(
        keys, event_id="EV-1", event_type="TRANSACTION.SUCCESS", resource=transaction(keys, **changes), now=now
    )


def test_genuine_payment_notification_parses_to_typed_fields(
    client: WeChatPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given a payment notification signed by WeChat Pay's key and sealed with our APIv3 key
    signed = payment(sandbox_keys)

    # when it arrives 30 seconds later
    note = client.parse_notification(signed.headers, signed.body, now=NOW + timedelta(seconds=30))

    # then every field comes out typed, times in UTC, money in fen
    assert isinstance(note, PaymentNotification)
    assert (note.event_id, note.event_type, note.create_time) == ("EV-1", "TRANSACTION.SUCCESS", NOW)
    tx = note.transaction
    assert (tx.mchid, tx.appid) == (sandbox_keys.wechat_mchid, sandbox_keys.wechat_appid)
    assert (tx.out_trade_no, tx.transaction_id) == ("JK20250301000001", "4200001234202503011234567890")
    assert (tx.trade_state, tx.amount_fen, tx.payer_openid) == (
        TradeState.SUCCESS,
        8_849,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
    )
    assert tx.success_time == datetime(2025, 3, 1, 11, 59, 30, tzinfo=UTC)
    note.check_merchant(sandbox_keys.wechat_mchid, sandbox_keys.wechat_appid)


def test_genuine_refund_notification_parses_to_typed_fields(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a REFUND.SUCCESS notification for 20 yuan of an 88.49 yuan payment
    signed = notification(
        sandbox_keys,
        event_id="EV-2",
        event_type="REFUND.SUCCESS",
        resource={
            "mchid": sandbox_keys.wechat_mchid,
            "out_trade_no": "JK20250301000001",
            "transaction_id": "4200001234202503011234567890",
            "out_refund_no": "RF20250301000001",
            "refund_id": "50300001234202503011234567890",
            "refund_status": "SUCCESS",
            "success_time": "2025-03-01T20:00:00+08:00",
            "user_received_account": "支付用户零钱",
            "amount": {"total": 8_849, "refund": 2_000, "payer_total": 8_849, "payer_refund": 2_000},
        },
        now=NOW,
    )

    # when it is parsed
    note = client.parse_notification(signed.headers, signed.body, now=NOW)

    # then it is a typed refund notification
    assert isinstance(note, RefundNotification)
    r = note.refund
    assert (note.event_id, note.mchid, r.out_refund_no, r.refund_id) == (
        "EV-2",
        sandbox_keys.wechat_mchid,
        "RF20250301000001",
        "50300001234202503011234567890",
    )
    assert (r.status, r.refund_fen, r.total_fen, r.out_trade_no) == (
        RefundStatus.SUCCESS,
        2_000,
        8_849,
        "JK20250301000001",
    )
    note.check_merchant(sandbox_keys.wechat_mchid)
    with pytest.raises(NotificationRejected):
        note.check_merchant("1900000000")


def _rejection(client: WeChatPayClient, headers: dict[str, str], body: bytes, now: datetime = NOW) -> str:
    with pytest.raises(NotificationRejected) as rejected:
        client.parse_notification(headers, body, now=now)
    return rejected.value.reason


def test_changed_body_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a genuine notification whose body is changed in transit: one byte, or merely re-serialised JSON
    signed = payment(sandbox_keys)
    tampered = signed.body.replace(b'"id":"EV-1"', b'"id":"EV-9"')
    reserialised = json.dumps(json.loads(signed.body)).encode()

    # when each arrives with the original headers, then neither verifies
    assert _rejection(client, signed.headers, tampered) == "signature does not verify"
    assert _rejection(client, signed.headers, reserialised) == "signature does not verify"


def test_notification_signed_with_another_key_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a notification signed by a key that is not WeChat Pay's, under WeChat Pay's public key id
    forger = replace(sandbox_keys, wechat_platform_key=new_rsa_key())
    signed = payment(forger)

    # when it arrives, then the signature does not verify
    assert _rejection(client, signed.headers, signed.body) == "signature does not verify"


def test_notification_older_or_newer_than_five_minutes_is_rejected(
    client: WeChatPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given a genuine notification signed at NOW
    signed = payment(sandbox_keys)

    # when it is replayed 5 minutes and 1 second later, or arrives from 6 minutes in the future
    # then it is refused for its timestamp, though its signature is genuine
    for now in (NOW + timedelta(minutes=5, seconds=1), NOW - timedelta(minutes=6)):
        assert "more than 5 minutes" in _rejection(client, signed.headers, signed.body, now)
    # and at exactly 5 minutes it is still accepted
    assert client.parse_notification(signed.headers, signed.body, now=NOW + timedelta(minutes=5))


def test_signtest_probe_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given WeChat Pay's probe: a real notification whose signature is replaced by a WECHATPAY/SIGNTEST/ value
    signed = payment(sandbox_keys)
    probe = {**signed.headers, "Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + signed.headers["Wechatpay-Signature"]}

    # when it arrives, then it fails, as WeChat Pay expects of a merchant that verifies
    assert _rejection(client, probe, signed.body) == "a WECHATPAY/SIGNTEST probe signature"


@pytest.mark.parametrize(
    "header",
    ["Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature-Type"],
)
def test_missing_header_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys, header: str) -> None:
    # given a genuine notification without one of its signature headers
    signed = payment(sandbox_keys)
    headers = {k: v for k, v in signed.headers.items() if k != header}

    # when it arrives, then it is rejected (wechatpayv3 would raise a bare Exception for the last one)
    assert _rejection(client, headers, signed.body)


def test_unknown_signature_type_or_key_id_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a genuine notification claiming another algorithm, or naming a key id we do not hold
    signed = payment(sandbox_keys)
    other_type = {**signed.headers, "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}
    other_key = {**signed.headers, "Wechatpay-Serial": "PUB_KEY_ID_0000000000000000000000000000000"}

    # when each arrives, then each is rejected
    assert "signature type" in _rejection(client, other_type, signed.body)
    assert "unknown key" in _rejection(client, other_key, signed.body)


def test_resource_sealed_with_another_apiv3_key_is_rejected(client: WeChatPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a correctly signed notification whose resource was sealed with an APIv3 key that is not ours
    sealed_elsewhere = replace(sandbox_keys, wechat_apiv3_key="x" * 32)
    signed = payment(sealed_elsewhere)

    # when it arrives, then it is rejected at decryption
    assert _rejection(client, signed.headers, signed.body) == "resource does not decrypt with our APIv3 key"


def test_genuine_notification_with_a_malformed_resource_is_rejected(
    client: WeChatPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given genuine notifications whose amount is a string, or that lack out_trade_no
    for signed in (payment(sandbox_keys, amount={"total": "88.49"}), payment(sandbox_keys, out_trade_no=None)):
        # when each arrives, then it is rejected rather than half-believed
        assert _rejection(client, signed.headers, signed.body).startswith("malformed notification")


def test_notification_for_another_merchant_or_app_fails_the_merchant_check(
    client: WeChatPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given genuine notifications about a payment to another mchid, and to another appid
    for signed in (payment(sandbox_keys, mchid="1900000109"), payment(sandbox_keys, appid="wx0000000000000000")):
        # when each is parsed, then it parses (so the webhook can log whose it was) but fails the merchant check
        note = client.parse_notification(signed.headers, signed.body, now=NOW)
        assert isinstance(note, PaymentNotification)
        with pytest.raises(NotificationRejected):
            note.check_merchant(sandbox_keys.wechat_mchid, sandbox_keys.wechat_appid)


def test_request_payment_params_are_signed_for_wx_request_payment(
    client: WeChatPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given a prepay id
    # when the mini-program's parameters are made
    params = client.request_payment_params("wx201410272009395522657a690389285100")

    # then they are what wx.requestPayment takes, and paySign is RSA-SHA256 over appId, timeStamp, nonceStr,
    # package, each followed by a newline, with the merchant key
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert (params["appId"], params["package"], params["signType"]) == (
        sandbox_keys.wechat_appid,
        "prepay_id=wx201410272009395522657a690389285100",
        "RSA",
    )
    assert len(params["nonceStr"]) == 32 and params["timeStamp"].isdigit()
    message = signed_message(params["appId"], params["timeStamp"], params["nonceStr"], params["package"])
    assert rsa_verify(sandbox_keys.wechat_merchant_key.public_key(), message, params["paySign"])
    assert len(base64.b64decode(params["paySign"])) == 256
