"""The payments sandbox in the dev stack: `jike sandbox` serves it (never in production), and the dev-only
`POST /_dev/sandbox-pay {"orderId": …}` plays the member paying an order's open payment, so the sandbox posts a
correctly signed notification to our own webhook. `jike sandbox-pay --order …` calls that endpoint.
"""

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.checkout.views import open_payment
from domain.orders.model import PayMethod
from payments.sandbox import Provider, Sandbox, SandboxKeys, create_sandbox_app
from payments.sandbox.keys import private_pem, public_pem
from schema.ids import from_global_id
from startup.clients import Clients
from startup.settings import Env, Settings, sandbox_keys_path

SANDBOX_PAY_PATH = "/_dev/sandbox-pay"


def load_sandbox_keys(settings: Settings) -> SandboxKeys:
    """The dev stack's sandbox world, shared by the sandbox process and the API's settings across restarts."""
    return SandboxKeys.load_or_create(
        sandbox_keys_path(settings.data_dir),
        wechat_appid=settings.wechat_appid,
        alipay_app_id=settings.alipay_app_id,
    )


def sandbox_env(keys: SandboxKeys, base_url: str) -> dict[str, str]:
    """The settings that point the API at a sandbox: our halves of its keys, its URLs. The Alipay app keys are
    the sandbox's too, and the fake channels server signs as the same Alipay, so sign-in and payments share one
    Alipay world."""
    return {
        "JIKE_WECHATPAY_API_BASE": base_url,
        "JIKE_WECHATPAY_MCHID": keys.wechat_mchid,
        "JIKE_WECHATPAY_MERCHANT_SERIAL_NO": keys.wechat_merchant_serial_no,
        "JIKE_WECHATPAY_MERCHANT_PRIVATE_KEY": private_pem(keys.wechat_merchant_key),
        "JIKE_WECHATPAY_APIV3_KEY": keys.wechat_apiv3_key,
        "JIKE_WECHATPAY_PUBLIC_KEY_ID": keys.wechat_public_key_id,
        "JIKE_WECHATPAY_PUBLIC_KEY": public_pem(keys.wechat_platform_key.public_key()),
        "JIKE_ALIPAY_PAY_API_BASE": f"{base_url}/gateway.do",
        "JIKE_ALIPAY_SELLER_ID": keys.alipay_seller_id,
        "JIKE_ALIPAY_APP_PRIVATE_KEY": private_pem(keys.alipay_app_key),
        "JIKE_ALIPAY_PUBLIC_KEY": public_pem(keys.alipay_platform_key.public_key()),
        "JIKE_FAKE_ALIPAY_PRIVATE_KEY": private_pem(keys.alipay_platform_key),
        "JIKE_PAYMENTS_SANDBOX_URL": base_url,
    }


def run_sandbox(settings: Settings, port: int) -> None:
    if settings.env is Env.PRODUCTION:
        raise SystemExit("the payments sandbox is refused when JIKE_ENV=production")
    app = create_sandbox_app(Sandbox(load_sandbox_keys(settings)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


async def sandbox_pay(request: Request) -> Response:
    clients: Clients = request.state.clients
    try:
        data = await request.json()
        order_id = from_global_id("Order", str(data["orderId"]))
    except (ValueError, KeyError, TypeError):
        order_id = None
    if order_id is None:
        return JSONResponse({"error": 'expected {"orderId": "<an Order id>"}'}, 400)
    payment = await open_payment(mongo=clients.mongo, order_id=order_id)
    if payment is None or payment.method not in (PayMethod.WECHAT_PAY, PayMethod.ALIPAY):
        return JSONResponse({"error": "the order has no WeChat Pay or Alipay payment open; call payOrder first"}, 404)
    provider = Provider.WECHATPAY if payment.method is PayMethod.WECHAT_PAY else Provider.ALIPAY
    answer = await clients.http.post(
        f"{clients.settings.payments_sandbox_url.rstrip('/')}/_sandbox/pay",
        json={"provider": provider.value, "out_trade_no": payment.out_trade_no},
        timeout=15,
    )
    return Response(answer.content, status_code=answer.status_code, media_type="application/json")


def sandbox_routes(settings: Settings) -> list[Route]:
    """Mounted only outside production and only when a sandbox is configured."""
    if settings.env is Env.PRODUCTION or not settings.payments_sandbox_url:
        return []
    return [Route(SANDBOX_PAY_PATH, sandbox_pay, methods=["POST"])]


def request_sandbox_pay(settings: Settings, order_gid: str, api_url: str | None) -> str:
    """What `jike sandbox-pay` does: ask the running dev API to have the sandbox pay the order."""
    base = (api_url or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")
    answer = httpx.post(f"{base}{SANDBOX_PAY_PATH}", json={"orderId": order_gid}, timeout=20)
    if answer.status_code == 404 and "error" not in answer.text:
        return "the API has no sandbox pay endpoint: is `jike dev` running (it is never mounted in production)?"
    return f"HTTP {answer.status_code}: {answer.text}"
