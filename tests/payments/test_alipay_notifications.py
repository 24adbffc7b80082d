"""Alipay notifications signed with real RSA keys made for the test: a genuine form verifies and converts yuan to
fen exactly; a tampered amount, the wrong key, the wrong signing content or an inexact amount is rejected.
"""

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from channels.alipay import rsa2_sign, signing_content
from payments.alipay import AlipayPayClient, TradeStatus, fen_to_yuan, yuan_to_fen
from payments.errors import NotificationRejected
from payments.sandbox import SandboxKeys
from payments.sandbox.alipay import notification

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(sandbox_keys: SandboxKeys, http: httpx.AsyncClient) -> AlipayPayClient:
    return AlipayPayClient(sandbox_keys.alipay_config("http://alipay.invalid/gateway.do"), http=http)


def paid(keys: SandboxKeys, **changes: str) -> dict[str, str]:
    return notification(
        keys,
        {
            "notify_id": "2025030100222120000012345678",
            "out_trade_no": "JK20250301000002",
            "trade_no": "2025030122001400000012345678",
            "trade_status": "TRADE_SUCCESS",
            "total_amount": "88.49",
            "buyer_open_id": "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5",
            "gmt_create": "2025-03-01 19:59:00",
            "gmt_payment": "2025-03-01 19:59:30",
            **changes,
        },
        NOW,
    )


def _rejection(client: AlipayPayClient, form: dict[str, str]) -> str:
    with pytest.raises(NotificationRejected) as rejected:
        client.parse_notification(form)
    return rejected.value.reason


def test_genuine_payment_notification_verifies_and_converts_yuan_to_fen(
    client: AlipayPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given a payment notification signed with Alipay's key
    form = paid(sandbox_keys)

    # when it is parsed
    note = client.parse_notification(form)

    # then the fields are typed: fen, UTC times, and no refund fields
    assert (note.app_id, note.seller_id) == (sandbox_keys.alipay_app_id, sandbox_keys.alipay_seller_id)
    assert (note.out_trade_no, note.trade_no, note.notify_id) == (
        "JK20250301000002",
        "2025030122001400000012345678",
        "2025030100222120000012345678",
    )
    assert (note.trade_status, note.total_fen, note.is_refund) == (TradeStatus.TRADE_SUCCESS, 8_849, False)
    assert note.gmt_payment == datetime(2025, 3, 1, 11, 59, 30, tzinfo=UTC)
    assert (note.refund_fee_fen, note.gmt_refund, note.out_biz_no) == (None, None, None)
    note.check_merchant(sandbox_keys.alipay_app_id, sandbox_keys.alipay_seller_id)


def test_refund_notification_carries_the_cumulative_refund_and_our_request_number(
    client: AlipayPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given the notification Alipay sends after a partial refund (the trade still says TRADE_SUCCESS)
    form = paid(sandbox_keys, refund_fee="20.00", gmt_refund="2025-03-01 20:10:00.123", out_biz_no="RF-1")

    # when it is parsed
    note = client.parse_notification(form)

    # then it reads as a refund, told apart from the payment by its refund fields
    assert note.is_refund and note.trade_status is TradeStatus.TRADE_SUCCESS
    assert (note.refund_fee_fen, note.out_biz_no) == (2_000, "RF-1")
    assert note.gmt_refund == datetime(2025, 3, 1, 12, 10, 0, 123_000, tzinfo=UTC)


def test_tampered_amount_is_rejected(client: AlipayPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a genuine notification whose total_amount is raised after signing
    form = {**paid(sandbox_keys), "total_amount": "884.90"}

    # when it arrives, then it does not verify
    assert _rejection(client, form) == "signature does not verify with Alipay's public key"


def test_notification_signed_with_another_key_is_rejected(client: AlipayPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a notification signed with our own app key, the key an attacker who read our config would have
    form = paid(replace(sandbox_keys, alipay_platform_key=sandbox_keys.alipay_app_key))

    # when it arrives, then only Alipay's public key counts
    assert _rejection(client, form) == "signature does not verify with Alipay's public key"


def test_signature_over_content_including_sign_type_is_rejected(
    client: AlipayPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given a notification signed the way gateway requests are, with sign_type inside the signed content
    form = paid(sandbox_keys)
    form["sign"] = rsa2_sign(signing_content(form), sandbox_keys.alipay_platform_key)

    # when it arrives, then it does not verify: notifications are signed without sign and sign_type
    assert _rejection(client, form) == "signature does not verify with Alipay's public key"


def test_genuine_notification_with_an_inexact_amount_is_rejected(
    client: AlipayPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given correctly signed notifications saying 88.491 yuan, -88.49 yuan, and 8.849e1 yuan
    for amount in ("88.491", "-88.49", "8.849e1"):
        form = paid(sandbox_keys, total_amount=amount)

        # when each arrives, then it is refused rather than rounded
        assert _rejection(client, form).startswith("malformed notification")


def test_unsigned_or_non_rsa2_notification_is_rejected(client: AlipayPayClient, sandbox_keys: SandboxKeys) -> None:
    # given a genuine notification without its sign, and one claiming the old RSA (SHA1) scheme
    form = paid(sandbox_keys)
    unsigned = {k: v for k, v in form.items() if k != "sign"}

    # when each arrives, then each is rejected
    assert _rejection(client, unsigned) == "missing sign"
    assert _rejection(client, {**form, "sign_type": "RSA"}) == "sign_type 'RSA' is not RSA2"


def test_notification_for_another_app_or_seller_fails_the_merchant_check(
    client: AlipayPayClient, sandbox_keys: SandboxKeys
) -> None:
    # given genuine notifications about a trade of another app, and of another seller
    for changes in ({"app_id": "2021000000000099"}, {"seller_id": "2088000000000099"}):
        note = client.parse_notification(paid(sandbox_keys, **changes))

        # when the merchant is checked, then it is refused
        with pytest.raises(NotificationRejected):
            note.check_merchant(sandbox_keys.alipay_app_id, sandbox_keys.alipay_seller_id)


@pytest.mark.parametrize(("yuan", "fen"), [("0.01", 1), ("12.3", 1_230), ("12.30", 1_230), ("100", 10_000)])
def test_yuan_strings_convert_to_fen_exactly(yuan: str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("yuan", ["0.001", "-1.00", "1e2", "12.", ".5", " 1.00", "1,00", "01.00", "١٢", ""])
def test_anything_but_a_plain_yuan_amount_is_refused(yuan: str) -> None:
    with pytest.raises(ValueError):
        yuan_to_fen(yuan)


def test_fen_print_as_yuan_with_two_decimals() -> None:
    assert [fen_to_yuan(f) for f in (1, 10, 1_230, 10_000)] == ["0.01", "0.10", "12.30", "100.00"]
