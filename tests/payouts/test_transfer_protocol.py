"""The merchant-transfer protocol against the sandbox over real HTTP: bills created with our signature and
answered with WeChat Pay's, queried by out_bill_no, the payee's confirmation notified with the same v3 signature
and AEAD sealing as payments, the account's limits answered with WeChat Pay's error codes, and an out_bill_no
that makes one bill however often it is sent.
"""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from payments.errors import NotificationRejected, ProviderRefused, ProviderUnavailable
from payments.sandbox.transfers import Outcome, TransferSandbox
from payments.sandbox.wechatpay import notification
from payments.wechatpay.transfers import (
    BILL_FINISHED,
    SceneReport,
    TransferRequest,
    TransferState,
    WeChatTransferClient,
)
from tests.payouts.conftest import PayoutsSandbox

REPORTS = (SceneReport("岗位类型", "推广分红股东"), SceneReport("报酬说明", "推广分红"))


@pytest.fixture
async def wechat(payouts_sandbox: PayoutsSandbox) -> AsyncIterator[WeChatTransferClient]:
    async with httpx.AsyncClient() as http:
        yield WeChatTransferClient(payouts_sandbox.keys.wechatpay_config(payouts_sandbox.url), http=http)


def bill(out_bill_no: str, amount_fen: int = 1_500, openid: str = "o-payee-1") -> TransferRequest:
    return TransferRequest(
        out_bill_no=out_bill_no,
        openid=openid,
        amount_fen=amount_fen,
        remark="甲店推广分红",
        scene_id="1005",
        perception="劳务报酬",
        reports=REPORTS,
        notify_url="http://127.0.0.1:9/webhooks/wechatpay/transfer",
    )


def unique(prefix: str) -> str:
    return f"{prefix}{datetime.now(UTC).strftime('%H%M%S%f')}"


async def test_a_created_bill_waits_for_its_payee_with_a_package_and_is_found_by_its_number(
    wechat: WeChatTransferClient, transfers: TransferSandbox
) -> None:
    # given a signed create request
    number = unique("PB")

    # when it is sent, and the bill then queried
    created = await wechat.create_transfer_bill(bill(number))
    found = await wechat.query_transfer_bill(number)

    # then WeChat Pay (the sandbox) verified our signature, made the bill and answered signed answers we verified
    assert created.state is TransferState.WAIT_USER_CONFIRM and created.package_info
    assert found is not None and found.transfer_bill_no == created.transfer_bill_no
    assert (found.amount_fen, found.openid, found.mchid) == (1_500, "o-payee-1", wechat.config.mchid)
    # and the mini-program gets exactly what wx.requestMerchantTransfer takes
    assert wechat.merchant_transfer_params(created.package_info) == {
        "mchId": wechat.config.mchid,
        "appId": wechat.config.appid,
        "package": created.package_info,
    }
    assert transfers.create_calls[number] == 1


async def test_an_out_bill_no_never_seen_is_not_found(wechat: WeChatTransferClient) -> None:
    assert await wechat.query_transfer_bill(unique("NONE")) is None


async def test_sending_the_same_bill_again_returns_the_first_and_another_amount_is_refused(
    wechat: WeChatTransferClient, transfers: TransferSandbox
) -> None:
    # given a bill made once
    number = unique("DUP")
    first = await wechat.create_transfer_bill(bill(number))

    # when the same number is sent again, as is, and then with another amount
    again = await wechat.create_transfer_bill(bill(number))
    with pytest.raises(ProviderRefused) as other:
        await wechat.create_transfer_bill(bill(number, amount_fen=999))

    # then there is one bill: the repeat is answered with it, the changed one refused
    assert again.transfer_bill_no == first.transfer_bill_no
    assert other.value.code == "INVALID_REQUEST"
    assert len([b for b in transfers.bills.values() if b.out_bill_no == number]) == 1


async def test_the_accounts_limits_are_answered_with_wechat_pays_codes(
    wechat: WeChatTransferClient, transfers: TransferSandbox
) -> None:
    # given an account allowing 200 yuan per transfer without a name and 300 yuan per payee per day
    transfers.limits.single_fen, transfers.limits.per_payee_daily_fen = 20_000, 30_000
    payee = unique("o-limit-")

    # when a 200.01 yuan transfer is asked, then 200 yuan twice
    with pytest.raises(ProviderRefused) as single:
        await wechat.create_transfer_bill(bill(unique("L1"), 20_001, payee))
    await wechat.create_transfer_bill(bill(unique("L2"), 20_000, payee))
    with pytest.raises(ProviderRefused) as daily:
        await wechat.create_transfer_bill(bill(unique("L3"), 20_000, payee))

    # then over a single limit needs the payee's name, over the day's is refused, and the next day it goes
    assert single.value.code == "INVALID_REQUEST"
    assert daily.value.code == "QUOTA_EXCEED"
    transfers.next_day()
    assert (
        await wechat.create_transfer_bill(bill(unique("L4"), 20_000, payee))
    ).state is TransferState.WAIT_USER_CONFIRM


async def test_a_create_answered_too_late_is_an_unknown_outcome_though_the_bill_was_made(
    payouts_sandbox: PayoutsSandbox, transfers: TransferSandbox
) -> None:
    # given a client that waits 0.3 s, and WeChat Pay answering the next create after 1 s
    config = payouts_sandbox.keys.wechatpay_config(payouts_sandbox.url)
    transfers.time_out_next_create(answer_after_s=1.0)
    number = unique("LATE")
    async with httpx.AsyncClient(timeout=0.3) as http:
        impatient = WeChatTransferClient(config, http=http)

        # when the bill is created
        with pytest.raises(ProviderUnavailable):
            await impatient.create_transfer_bill(bill(number))

        # then we cannot know, but WeChat Pay has the bill: a query finds it
        found = await impatient.query_transfer_bill(number)
    assert found is not None and found.state is TransferState.WAIT_USER_CONFIRM


async def test_the_finished_notification_verifies_decrypts_and_names_the_outcome(
    wechat: WeChatTransferClient, transfers: TransferSandbox
) -> None:
    # given a bill the payee let expire
    number = unique("NOTE")
    await wechat.create_transfer_bill(bill(number))
    await transfers.confirm(number, Outcome.EXPIRE, notify=False)

    # when its notification is read
    signed = transfers.notification(transfers.bills[number], datetime.now(UTC))
    note = wechat.parse_transfer_notification(signed.headers, signed.body, now=datetime.now(UTC))

    # then it is the bill, closed, with WeChat Pay's reason, for our merchant account
    assert note.event_type == BILL_FINISHED
    assert (note.bill.out_bill_no, note.bill.state, note.bill.fail_reason) == (
        number,
        TransferState.CANCELLED,
        "OVERDUE_CLOSE",
    )
    note.check_merchant(wechat.config.mchid)
    with pytest.raises(NotificationRejected):
        note.check_merchant("1900000000")


async def test_a_tampered_or_foreign_notification_is_rejected(
    wechat: WeChatTransferClient, transfers: TransferSandbox
) -> None:
    # given a genuine notification of a paid bill
    number = unique("TAMP")
    await wechat.create_transfer_bill(bill(number))
    await transfers.confirm(number, Outcome.SUCCESS, notify=False)
    signed = transfers.notification(transfers.bills[number], datetime.now(UTC))
    now = datetime.now(UTC)

    # when its body is changed, or it arrives an hour late, or a payment notification comes to this door
    tampered = json.dumps({**json.loads(signed.body), "summary": "x"}, separators=(",", ":")).encode()
    late = datetime.fromtimestamp(now.timestamp() + 3600, UTC)
    payment = notification(
        transfers.keys, event_id="EV-1", event_type="TRANSACTION.SUCCESS", resource={"out_trade_no": "X"}, now=now
    )

    # then each is refused
    for headers, body, at in ((signed.headers, tampered, now), (signed.headers, signed.body, late)):
        with pytest.raises(NotificationRejected, match="signature|timestamp"):
            wechat.parse_transfer_notification(headers, body, now=at)
    with pytest.raises(NotificationRejected, match="event type"):
        wechat.parse_transfer_notification(payment.headers, payment.body, now=now)
