"""The sandbox itself: never in production, its pay control and scan page, and the dev stack's keys kept across
restarts."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from payments.sandbox import Sandbox, SandboxKeys, SandboxRefused, create_sandbox_app
from payments.sandbox.keys import private_pem
from payments.wechatpay import WeChatPayClient
from tests.payments.conftest import PaymentsWorld


def test_sandbox_refuses_to_start_in_production(sandbox_keys: SandboxKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a production environment
    monkeypatch.setenv("JIKE_ENV", "production")

    # when the sandbox app is made, then it is refused
    with pytest.raises(SandboxRefused):
        create_sandbox_app(Sandbox(sandbox_keys))


async def test_pay_control_names_what_it_cannot_pay(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    # given a trade WeChat Pay never opened, a request that names no trade, and one for a provider we do not have
    url = f"{payments.base_url}/_sandbox/pay"

    # when each is sent to the pay control
    unknown = await http.post(url, json={"provider": "wechatpay", "out_trade_no": "JK-NEVER-OPENED"})
    no_trade = await http.post(url, json={"provider": "alipay"})
    no_provider = await http.post(url, json={"provider": "paypal", "out_trade_no": "JK-NEVER-OPENED"})

    # then the first is not found and the others are bad requests, and nothing was delivered for any
    assert (unknown.status_code, no_trade.status_code, no_provider.status_code) == (404, 400, 400)
    assert not any(d.reference == "JK-NEVER-OPENED" for d in payments.sandbox.deliveries.log)


def test_dev_stack_keeps_its_keys_across_restarts(tmp_path: Path) -> None:
    # given no key file yet
    path = tmp_path / "data" / "payments-sandbox.json"

    # when the dev stack starts twice
    first = SandboxKeys.load_or_create(path, wechat_appid="wxdev0000000000000", alipay_app_id="2021000000000000")
    again = SandboxKeys.load_or_create(path, wechat_appid="ignored", alipay_app_id="ignored")

    # then the second start has the very same world, kept readable only by its owner
    assert (again.wechat_mchid, again.wechat_appid, again.alipay_seller_id) == (
        first.wechat_mchid,
        "wxdev0000000000000",
        first.alipay_seller_id,
    )
    assert private_pem(again.wechat_platform_key) == private_pem(first.wechat_platform_key)
    assert path.stat().st_mode & 0o777 == 0o600


async def test_a_counter_code_opens_a_page_whose_button_pays_it(
    payments: PaymentsWorld, wechatpay: WeChatPayClient, http: httpx.AsyncClient
) -> None:
    # given a WeChat Pay code for 12.30 yuan, as the counter shows it
    out_trade_no = "JK" + uuid.uuid4().hex[:24]
    code_url = await wechatpay.native_prepay(
        out_trade_no=out_trade_no,
        description="洗剪吹",
        amount_fen=1_230,
        notify_url=f"{payments.webhooks.url}/wechatpay",
        expire_at=datetime.now(UTC) + timedelta(minutes=15),
    )

    # when a developer opens it in a browser, and presses 付款
    page = await http.get(code_url)
    paid = await http.post(code_url)

    # then the page showed what is to be paid with the button, and pressing it paid and notified our webhook
    assert page.status_code == 200 and "¥12.30" in page.text and "洗剪吹" in page.text and "付款</button>" in page.text
    assert paid.status_code == 200 and "HTTP 204" in paid.text
    assert len(payments.webhooks.wechatpay[out_trade_no]) == 1
    # and opened again it says it is paid, without the button
    again = await http.get(code_url)
    assert "已支付" in again.text and "付款</button>" not in again.text


async def test_a_code_the_sandbox_never_opened_is_not_found(payments: PaymentsWorld, http: httpx.AsyncClient) -> None:
    page = await http.get(f"{payments.base_url}/_sandbox/scan/wxNEVEROPENED")
    paid = await http.post(f"{payments.base_url}/_sandbox/pay", json={"code_url": "weixin://wxpay/bizpayurl?pr=x"})
    assert (page.status_code, paid.status_code) == (404, 404)
