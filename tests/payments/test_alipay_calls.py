"""Our Alipay client against the sandbox gateway over real HTTP: trade.create for my.tradePay, the member paying,
query and refund, RSA2 both ways, and the notifications the sandbox posts to our (stand-in) webhook.
"""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from payments.alipay import AlipayPayClient, RefundResult, TradeStatus
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.sandbox.keys import new_rsa_key
from tests.payments.conftest import PaymentsWorld

OPEN_ID = "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"


def new_trade_no() -> str:
    return "JK" + uuid.uuid4().hex[:24]


async def create(client: AlipayPayClient, payments: PaymentsWorld, out_trade_no: str, total_fen: int = 8_849) -> str:
    return await client.trade_create(
        out_trade_no=out_trade_no,
        total_fen=total_fen,
        subject="积客演示门店-洗剪吹",
        buyer_open_id=OPEN_ID,
        notify_url=f"{payments.webhooks.url}/alipay",
        expire_at=datetime.now(UTC) + timedelta(minutes=15),
    )


async def refund(client: AlipayPayClient, out_trade_no: str, out_request_no: str, fen: int) -> RefundResult:
    return await client.refund(out_trade_no=out_trade_no, out_request_no=out_request_no, refund_fen=fen, reason="退款")


async def pay(http: httpx.AsyncClient, payments: PaymentsWorld, out_trade_no: str) -> httpx.Response:
    return await http.post(
        f"{payments.base_url}/_sandbox/pay", json={"provider": "alipay", "out_trade_no": out_trade_no}
    )


async def test_trade_create_returns_the_trade_number_and_repeating_it_is_safe(
    alipay: AlipayPayClient, payments: PaymentsWorld
) -> None:
    # given an order to be paid with my.tradePay
    out_trade_no = new_trade_no()

    # when the trade is created twice (a retry after a timeout)
    first, again = await create(alipay, payments, out_trade_no), await create(alipay, payments, out_trade_no)

    # then both verified answers carry the same trade number, and Alipay holds it unpaid for 88.49 yuan
    assert first == again and len(first) == 28
    trade = await alipay.query(out_trade_no)
    assert trade is not None and (trade.trade_no, trade.trade_status, trade.total_fen) == (
        first,
        TradeStatus.WAIT_BUYER_PAY,
        8_849,
    )


async def test_member_paying_notifies_our_webhook_and_the_query_agrees(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a created trade
    out_trade_no = new_trade_no()
    trade_no = await create(alipay, payments, out_trade_no)

    # when the member pays
    answer = await pay(http, payments, out_trade_no)

    # then our webhook verified the notification and answered the plain text "success"
    assert (answer.json()["status"], answer.json()["answer"]) == (200, "success")
    (note,) = payments.webhooks.alipay[out_trade_no]
    assert (note.trade_no, note.trade_status, note.total_fen, note.is_refund) == (
        trade_no,
        TradeStatus.TRADE_SUCCESS,
        8_849,
        False,
    )
    # and an active query says the same
    trade = await alipay.query(out_trade_no)
    assert trade is not None and (trade.trade_status, trade.buyer_open_id) == (TradeStatus.TRADE_SUCCESS, OPEN_ID)


async def test_query_of_a_trade_alipay_never_saw_is_none(alipay: AlipayPayClient) -> None:
    assert await alipay.query(new_trade_no()) is None


async def test_refunds_are_immediate_idempotent_and_notified(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a paid trade of 88.49 yuan
    out_trade_no = new_trade_no()
    await create(alipay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)

    # when 20 yuan is refunded, the same request is repeated, and then the rest is refunded
    partial = await refund(alipay, out_trade_no, "RF-A-" + out_trade_no, 2_000)
    repeated = await refund(alipay, out_trade_no, "RF-A-" + out_trade_no, 2_000)
    rest = await refund(alipay, out_trade_no, "RF-B-" + out_trade_no, 6_849)

    # then money moved twice, Alipay reporting the cumulative refund each time
    assert [(r.refund_fee_fen, r.fund_change) for r in (partial, repeated, rest)] == [
        (2_000, True),
        (2_000, False),
        (8_849, True),
    ]
    # and each refund reached our webhook as a refund notification naming our request number
    first = await payments.sandbox.deliveries.wait_for("RF-A-" + out_trade_no)
    second = await payments.sandbox.deliveries.wait_for("RF-B-" + out_trade_no)
    assert (first.answer, second.answer) == ("success", "success")
    (a,) = payments.webhooks.alipay["RF-A-" + out_trade_no]
    (b,) = payments.webhooks.alipay["RF-B-" + out_trade_no]
    assert (a.is_refund, a.refund_fee_fen, a.trade_status) == (True, 2_000, TradeStatus.TRADE_SUCCESS)
    assert (b.is_refund, b.refund_fee_fen, b.trade_status) == (True, 8_849, TradeStatus.TRADE_CLOSED)


async def test_refund_beyond_what_was_paid_is_refused(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a paid trade of 88.49 yuan
    out_trade_no = new_trade_no()
    await create(alipay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)

    # when 88.50 yuan is asked back, then Alipay refuses
    with pytest.raises(ProviderRefused) as refused:
        await refund(alipay, out_trade_no, "RF-" + out_trade_no, 8_850)
    assert refused.value.code == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"


async def test_answer_not_signed_by_alipay_is_not_trusted(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    # given a client that holds some other key as Alipay's public key
    client = AlipayPayClient(replace(payments.alipay_config(), alipay_public_key=new_rsa_key().public_key()), http=http)

    # when it creates a trade, then the genuine answer does not verify, so the outcome counts as unknown
    with pytest.raises(ProviderUnavailable, match="not verified"):
        await create(client, payments, new_trade_no())


async def test_request_signed_with_another_app_key_is_refused(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    # given a client signing with a key that is not the app's
    client = AlipayPayClient(replace(payments.alipay_config(), app_private_key=new_rsa_key()), http=http)

    # when it creates a trade, then Alipay refuses the signature
    with pytest.raises(ProviderRefused) as refused:
        await create(client, payments, new_trade_no())
    assert refused.value.code == "isv.invalid-signature"


async def precreate(client: AlipayPayClient, payments: PaymentsWorld, out_trade_no: str, total_fen: int = 8_849) -> str:
    return await client.precreate(
        out_trade_no=out_trade_no,
        total_fen=total_fen,
        subject="积客演示门店-收银",
        notify_url=f"{payments.webhooks.url}/alipay",
        expire_at=datetime.now(UTC) + timedelta(minutes=15),
    )


async def scan_and_pay(http: httpx.AsyncClient, payments: PaymentsWorld, qr_code: str) -> httpx.Response:
    return await http.post(f"{payments.base_url}/_sandbox/pay", json={"code_url": qr_code})


async def test_a_precreated_code_has_no_trade_until_someone_scans_and_pays_it(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a code precreated twice (a retry after a timeout), naming no buyer
    out_trade_no = new_trade_no()
    qr_code = await precreate(alipay, payments, out_trade_no)
    assert await precreate(alipay, payments, out_trade_no) == qr_code

    # then until it is scanned Alipay has no trade for it
    assert await alipay.query(out_trade_no) is None

    # when someone scans it and pays
    answer = await scan_and_pay(http, payments, qr_code)

    # then our webhook verified the notification, and the query names whoever paid
    assert (answer.json()["status"], answer.json()["answer"]) == (200, "success")
    (note,) = payments.webhooks.alipay[out_trade_no]
    assert (note.trade_status, note.total_fen) == (TradeStatus.TRADE_SUCCESS, 8_849)
    trade = await alipay.query(out_trade_no)
    assert trade is not None and trade.trade_status is TradeStatus.TRADE_SUCCESS and trade.buyer_open_id


async def test_a_code_closed_before_anyone_scanned_it_cannot_be_paid(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a precreated code nobody has scanned
    out_trade_no = new_trade_no()
    qr_code = await precreate(alipay, payments, out_trade_no)

    # when the merchant closes it, then Alipay has no trade to close
    with pytest.raises(ProviderRefused) as refused:
        await alipay.close(out_trade_no)
    assert refused.value.code == "ACQ.TRADE_NOT_EXIST"

    # and yet whoever scans it afterwards cannot pay it, nor can it be precreated again
    assert (await scan_and_pay(http, payments, qr_code)).status_code == 409
    assert out_trade_no not in payments.webhooks.alipay
    with pytest.raises(ProviderRefused) as again:
        await precreate(alipay, payments, out_trade_no)
    assert again.value.code == "ACQ.TRADE_HAS_CLOSE"


async def test_a_scanned_trade_is_closed_and_a_paid_one_is_not(
    alipay: AlipayPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given one code scanned but not paid, and another paid
    scanned, paid = new_trade_no(), new_trade_no()
    await precreate(alipay, payments, scanned)
    payments.sandbox.alipay.scan(scanned, datetime.now(UTC))
    await scan_and_pay(http, payments, await precreate(alipay, payments, paid))

    # when the merchant closes both
    await alipay.close(scanned)
    with pytest.raises(ProviderRefused) as refused:
        await alipay.close(paid)

    # then the scanned one is closed, and the paid one stays paid
    trade = await alipay.query(scanned)
    assert trade is not None and trade.trade_status is TradeStatus.TRADE_CLOSED
    assert refused.value.code == "ACQ.TRADE_STATUS_ERROR"
