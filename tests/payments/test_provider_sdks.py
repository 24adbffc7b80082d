"""The providers' own SDKs as independent judges of the sandbox: if our client and our sandbox agreed on a wrong
protocol, every other test would still pass; wechatpayv3 and alipay-sdk-python would not.
"""

import json
import uuid
from datetime import UTC, datetime

import httpx
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig  # type: ignore[import-untyped]
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient  # type: ignore[import-untyped]
from alipay.aop.api.request.AlipayTradeQueryRequest import AlipayTradeQueryRequest  # type: ignore[import-untyped]
from alipay.aop.api.util.SignatureUtils import get_sign_content, verify_with_rsa  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization

# The async SDK has its own copy of the type enum; the package's top-level one is not accepted by it.
from wechatpayv3.async_ import AsyncWeChatPay, WeChatPayType  # type: ignore[import-untyped]

from channels.alipay import signed_member
from payments.alipay import AlipayPayClient
from payments.sandbox import SandboxKeys
from payments.sandbox.keys import private_pem, public_pem
from tests.payments.conftest import PaymentsWorld
from tests.payments.test_alipay_calls import create


def _wechatpayv3(keys: SandboxKeys) -> AsyncWeChatPay:
    return AsyncWeChatPay(
        wechatpay_type=WeChatPayType.MINIPROG,
        mchid=keys.wechat_mchid,
        private_key=private_pem(keys.wechat_merchant_key),
        cert_serial_no=keys.wechat_merchant_serial_no,
        appid=keys.wechat_appid,
        apiv3_key=keys.wechat_apiv3_key,
        public_key=public_pem(keys.wechat_platform_key.public_key()),
        public_key_id=keys.wechat_public_key_id,
    )


async def test_wechatpayv3_prepays_against_the_sandbox_and_accepts_its_notification(
    payments: PaymentsWorld,
) -> None:
    # given the SDK in public-key mode, pointed at the sandbox (its gateway is otherwise fixed: a test-only poke)
    out_trade_no = "JK" + uuid.uuid4().hex[:24]
    async with _wechatpayv3(payments.keys) as sdk:
        sdk._core._gate_way = payments.base_url

        # when it prepays: the sandbox must accept its Authorization, and it must accept the sandbox's signature
        status, answer = await sdk.pay(
            description="积客演示门店-洗剪吹",
            out_trade_no=out_trade_no,
            amount={"total": 100},
            payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            notify_url=f"{payments.webhooks.url}/wechatpay",
        )
        assert status == 200 and json.loads(answer)["prepay_id"].startswith("wx")

        # and when the sandbox's notification for that payment is handed to the SDK's callback
        payments.sandbox.wechatpay.mark_paid(out_trade_no, datetime.now(UTC))
        signed = payments.sandbox.wechatpay.payment_notification(out_trade_no, datetime.now(UTC))
        parsed = sdk.callback(signed.headers, signed.body)

    # then the SDK verified and decrypted it to the same payment
    assert parsed["event_type"] == "TRANSACTION.SUCCESS"
    assert (parsed["resource"]["out_trade_no"], parsed["resource"]["amount"]["total"]) == (out_trade_no, 100)


async def test_wechatpayv3_opens_and_closes_a_native_code_against_the_sandbox(payments: PaymentsWorld) -> None:
    # given the SDK in public-key mode, pointed at the sandbox
    out_trade_no = "JK" + uuid.uuid4().hex[:24]
    async with _wechatpayv3(payments.keys) as sdk:
        sdk._core._gate_way = payments.base_url

        # when it opens a Native payment and then closes it, verifying each signed answer (the close's empty one too)
        opened_status, opened = await sdk.pay(
            description="积客演示门店-收银",
            out_trade_no=out_trade_no,
            amount={"total": 100},
            notify_url=f"{payments.webhooks.url}/wechatpay",
            pay_type=WeChatPayType.NATIVE,
        )
        closed_status, _ = await sdk.close(out_trade_no)

    # then the sandbox accepted both and answered as WeChat Pay does: a code_url, then 204
    assert opened_status == 200 and json.loads(opened)["code_url"]
    assert closed_status == 204


async def test_alipay_sdk_signed_request_is_served_and_its_notifications_verify(
    payments: PaymentsWorld, alipay: AlipayPayClient, http: httpx.AsyncClient
) -> None:
    # given a trade created by our client, and the official SDK configured with the same app
    keys = payments.keys
    out_trade_no = "JK" + uuid.uuid4().hex[:24]
    await create(alipay, payments, out_trade_no)
    config = AlipayClientConfig()
    config.app_id = keys.alipay_app_id
    config.app_private_key = keys.alipay_app_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    config.alipay_public_key = public_pem(keys.alipay_platform_key.public_key())
    request = AlipayTradeQueryRequest()
    request.biz_content = {"out_trade_no": out_trade_no}

    # when the SDK signs a trade.query (it cannot send it: it only dials ports 80/443) and we post it for it
    signed_query = DefaultAlipayClient(config).sdk_execute(request)
    body = (
        await http.post(
            payments.gateway,
            content=signed_query,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
    ).text

    # then the sandbox accepted the SDK's signature, and the SDK's verifier accepts the sandbox's answer
    content = signed_member(body, "alipay_trade_query_response")
    assert content is not None and json.loads(content)["code"] == "10000"
    assert verify_with_rsa(config.alipay_public_key, content.encode(), json.loads(body)["sign"])
    # and the SDK's verifier accepts the sandbox's notification, signed without sign and sign_type
    payments.sandbox.alipay.mark_paid(out_trade_no, datetime.now(UTC))
    form = payments.sandbox.alipay.payment_notification(out_trade_no, datetime.now(UTC))
    unsigned = {k: v for k, v in form.items() if k not in ("sign", "sign_type")}
    assert verify_with_rsa(config.alipay_public_key, get_sign_content(unsigned).encode(), form["sign"])
