"""Our WeChat Pay client against the sandbox over real HTTP: prepay, the member paying, query and refund, with
every answer's signature checked, and the notifications the sandbox posts to our (stand-in) webhook.
"""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api import embedded
from payments.errors import ProviderRefused, ProviderUnavailable
from payments.sandbox.keys import new_rsa_key
from payments.wechatpay import (
    PaymentNotification,
    Refund,
    RefundNotification,
    RefundStatus,
    TradeState,
    WeChatPayClient,
)
from tests.payments.conftest import PaymentsWorld

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def new_trade_no() -> str:
    return "JK" + uuid.uuid4().hex[:24]


async def prepay(client: WeChatPayClient, payments: PaymentsWorld, out_trade_no: str, amount_fen: int = 8_849) -> str:
    return await client.jsapi_prepay(
        out_trade_no=out_trade_no,
        description="积客演示门店-洗剪吹",
        amount_fen=amount_fen,
        payer_openid=OPENID,
        notify_url=f"{payments.webhooks.url}/wechatpay",
        expire_at=datetime.now(UTC) + timedelta(minutes=15),
    )


async def refund(
    client: WeChatPayClient, payments: PaymentsWorld, out_trade_no: str, out_refund_no: str, refund_fen: int
) -> Refund:
    return await client.refund(
        out_trade_no=out_trade_no,
        out_refund_no=out_refund_no,
        refund_fen=refund_fen,
        total_fen=8_849,
        reason="顾客退一项服务",
        notify_url=f"{payments.webhooks.url}/wechatpay",
    )


async def pay(http: httpx.AsyncClient, payments: PaymentsWorld, out_trade_no: str) -> httpx.Response:
    return await http.post(
        f"{payments.base_url}/_sandbox/pay", json={"provider": "wechatpay", "out_trade_no": out_trade_no}
    )


async def test_prepay_returns_a_prepay_id_and_repeating_it_is_safe(
    wechatpay: WeChatPayClient, payments: PaymentsWorld
) -> None:
    # given an order to be paid by a member
    out_trade_no = new_trade_no()

    # when it is prepaid twice (a retry after a timeout)
    first = await prepay(wechatpay, payments, out_trade_no)
    again = await prepay(wechatpay, payments, out_trade_no)

    # then both answers, verified, carry the same prepay id, ready for wx.requestPayment
    assert first == again and first.startswith("wx")
    assert wechatpay.request_payment_params(first)["package"] == f"prepay_id={first}"


async def test_member_paying_notifies_our_webhook_and_the_query_agrees(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a prepaid order, still unpaid at WeChat Pay
    out_trade_no = new_trade_no()
    await prepay(wechatpay, payments, out_trade_no)
    unpaid = await wechatpay.query_order(out_trade_no)
    assert unpaid is not None and unpaid.trade_state is TradeState.NOTPAY and unpaid.transaction_id is None

    # when the member pays (the sandbox's pay control), and WeChat Pay delivers the notification again later
    answers = [await pay(http, payments, out_trade_no) for _ in range(2)]

    # then our webhook got the same verified notification twice and answered 204 both times
    assert [a.json()["status"] for a in answers] == [204, 204]
    first, second = payments.webhooks.wechatpay[out_trade_no]
    assert isinstance(first, PaymentNotification) and first.event_id == second.event_id
    assert (first.transaction.amount_fen, first.transaction.payer_openid) == (8_849, OPENID)
    # and an active query tells the same story
    paid = await wechatpay.query_order(out_trade_no)
    assert paid == first.transaction and paid.trade_state is TradeState.SUCCESS


async def test_query_of_an_order_wechatpay_never_saw_is_none(wechatpay: WeChatPayClient) -> None:
    assert await wechatpay.query_order(new_trade_no()) is None


async def test_prepay_of_a_paid_order_is_refused(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a paid order
    out_trade_no = new_trade_no()
    await prepay(wechatpay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)

    # when it is prepaid again, then WeChat Pay refuses: it is paid
    with pytest.raises(ProviderRefused) as refused:
        await prepay(wechatpay, payments, out_trade_no)
    assert refused.value.code == "ORDERPAID"


async def test_refund_is_processing_then_notified(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a paid order of 88.49 yuan
    out_trade_no, out_refund_no = new_trade_no(), "RF" + uuid.uuid4().hex[:24]
    await prepay(wechatpay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)

    # when 20 yuan of it is refunded
    first = await refund(wechatpay, payments, out_trade_no, out_refund_no, 2_000)

    # then the call answers PROCESSING, and the outcome reaches our webhook as a REFUND.SUCCESS notification
    assert (first.status, first.refund_fen, first.total_fen) == (RefundStatus.PROCESSING, 2_000, 8_849)
    delivery = await payments.sandbox.deliveries.wait_for(out_refund_no)
    assert delivery.status == 204
    (note,) = payments.webhooks.wechatpay[out_refund_no]
    assert isinstance(note, RefundNotification)
    assert (note.refund.refund_id, note.refund.status) == (first.refund_id, RefundStatus.SUCCESS)
    # and asking again with the same out_refund_no returns the same refund, now done
    again = await refund(wechatpay, payments, out_trade_no, out_refund_no, 2_000)
    assert (again.refund_id, again.status) == (first.refund_id, RefundStatus.SUCCESS)


async def test_refund_beyond_what_was_paid_is_refused(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a paid order of 88.49 yuan, 80 yuan of it already refunded
    out_trade_no = new_trade_no()
    await prepay(wechatpay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)
    await refund(wechatpay, payments, out_trade_no, "RF" + uuid.uuid4().hex[:24], 8_000)

    # when 10 yuan more is asked for, then WeChat Pay refuses it
    with pytest.raises(ProviderRefused) as refused:
        await refund(wechatpay, payments, out_trade_no, "RF" + uuid.uuid4().hex[:24], 1_000)
    assert refused.value.code == "INVALID_REQUEST"


async def test_answer_not_signed_by_wechatpay_is_not_trusted(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    # given a client that holds some other key as WeChat Pay's public key
    config = replace(payments.wechatpay_config(), public_key=new_rsa_key().public_key())
    client = WeChatPayClient(config, http=http)

    # when it prepays, then the sandbox's genuine answer does not verify, so the outcome counts as unknown
    with pytest.raises(ProviderUnavailable, match="not verified: signature does not verify"):
        await prepay(client, payments, new_trade_no())


async def test_request_signed_with_another_merchant_key_is_refused(
    payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a client signing with a key that is not the merchant's
    client = WeChatPayClient(replace(payments.wechatpay_config(), merchant_private_key=new_rsa_key()), http=http)

    # when it prepays, then WeChat Pay refuses the signature
    with pytest.raises(ProviderRefused) as refused:
        await prepay(client, payments, new_trade_no())
    assert refused.value.code == "SIGN_ERROR"


async def test_unreachable_wechatpay_is_unavailable(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    # given WeChat Pay at an address where nothing listens
    config = replace(payments.wechatpay_config(), base_url=f"http://127.0.0.1:{embedded.free_port()}")

    # when a query is made, then it is unavailable (not refused: nothing is known)
    with pytest.raises(ProviderUnavailable):
        await WeChatPayClient(config, http=http).query_order(new_trade_no())


async def native(client: WeChatPayClient, payments: PaymentsWorld, out_trade_no: str, amount_fen: int = 8_849) -> str:
    return await client.native_prepay(
        out_trade_no=out_trade_no,
        description="积客演示门店-收银",
        amount_fen=amount_fen,
        notify_url=f"{payments.webhooks.url}/wechatpay",
        expire_at=datetime.now(UTC) + timedelta(minutes=15),
    )


async def test_a_native_code_is_paid_by_whoever_scans_it(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a Native order opened twice (a retry after a timeout), naming no payer
    out_trade_no = new_trade_no()
    code_url = await native(wechatpay, payments, out_trade_no)
    assert await native(wechatpay, payments, out_trade_no) == code_url

    # when someone scans the code and pays
    answer = await http.post(f"{payments.base_url}/_sandbox/pay", json={"code_url": code_url})

    # then our webhook got the verified notification, naming the payer WeChat Pay knows now
    assert answer.json()["status"] == 204
    (note,) = payments.webhooks.wechatpay[out_trade_no]
    assert isinstance(note, PaymentNotification) and note.transaction.trade_state is TradeState.SUCCESS
    assert note.transaction.amount_fen == 8_849 and note.transaction.payer_openid


async def test_a_closed_order_can_no_longer_be_paid(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a Native code shown and not paid
    out_trade_no = new_trade_no()
    code_url = await native(wechatpay, payments, out_trade_no)

    # when the merchant closes it (twice: a retry is harmless), and then someone scans it
    await wechatpay.close_order(out_trade_no)
    await wechatpay.close_order(out_trade_no)
    paying = await http.post(f"{payments.base_url}/_sandbox/pay", json={"code_url": code_url})

    # then WeChat Pay says it is closed, refuses the payment and a new prepay of it, and notified nobody
    closed = await wechatpay.query_order(out_trade_no)
    assert closed is not None and closed.trade_state is TradeState.CLOSED
    assert paying.status_code == 409 and out_trade_no not in payments.webhooks.wechatpay
    with pytest.raises(ProviderRefused) as refused:
        await native(wechatpay, payments, out_trade_no)
    assert refused.value.code == "ORDER_CLOSED"


async def test_closing_a_paid_order_is_refused(
    wechatpay: WeChatPayClient, payments: PaymentsWorld, http: httpx.AsyncClient
) -> None:
    # given a Native code someone paid
    out_trade_no = new_trade_no()
    await native(wechatpay, payments, out_trade_no)
    await pay(http, payments, out_trade_no)

    # when the merchant closes it, then WeChat Pay refuses: it is paid
    with pytest.raises(ProviderRefused) as refused:
        await wechatpay.close_order(out_trade_no)
    assert refused.value.code == "ORDERPAID"
