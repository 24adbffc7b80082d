"""The sandbox itself: never in production, its pay control, and the dev stack's keys kept across restarts."""

from pathlib import Path

import httpx
import pytest

from payments.sandbox import Sandbox, SandboxKeys, SandboxRefused, create_sandbox_app
from payments.sandbox.keys import private_pem
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
