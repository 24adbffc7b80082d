"""The payments sandbox in the dev stack: `jike sandbox` serves it (never in production), and two dev-only
endpoints play the people WeChat Pay and Alipay would ask, so the sandbox posts correctly signed notifications to
our own webhooks: `POST /_dev/sandbox-pay {"orderId": …}` the member paying an order's open payment (`jike
sandbox-pay --order …`; a code shown at the counter too, whose URL also opens the sandbox's pay page in a
browser), `POST /_dev/sandbox-confirm-transfer {"payoutId": …, "outcome": …}` the payee confirming (or not) the
bills of a payout waiting for them (`jike sandbox-confirm-transfer --payout …`).
"""

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.checkout.views import open_payment
from domain.orders.model import PayMethod
from domain.payouts.views import waiting_for_payee
from payments.sandbox import Provider, Sandbox, SandboxKeys, create_sandbox_app
from payments.sandbox.keys import private_pem, public_pem
from payments.sandbox.transfers import Outcome
from schema.ids import from_global_id
from startup.clients import Clients
from startup.settings import Env, Settings, sandbox_keys_path

SANDBOX_PAY_PATH = "/_dev/sandbox-pay"
SANDBOX_CONFIRM_TRANSFER_PATH = "/_dev/sandbox-confirm-transfer"


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


async def sandbox_confirm_transfer(request: Request) -> Response:
    clients: Clients = request.state.clients
    try:
        data = await request.json()
        payout_id = from_global_id("Payout", str(data["payoutId"]))
        outcome = Outcome(data.get("outcome", Outcome.SUCCESS.value))
    except (ValueError, KeyError, TypeError, AttributeError):
        payout_id = None
    if payout_id is None:
        outcomes = "|".join(f'"{o.value}"' for o in Outcome)
        return JSONResponse({"error": f'expected {{"payoutId": "<a Payout id>", "outcome": {outcomes}}}'}, 400)
    waiting = await waiting_for_payee(mongo=clients.mongo, payout_id=payout_id)
    if not waiting:
        return JSONResponse(
            {
                "error": "the payout has no bill waiting for its payee: the worker sends them (within a minute), "
                "or it is settled"
            },
            404,
        )
    delivered = []
    for bill in waiting:
        answer = await clients.http.post(
            f"{clients.settings.payments_sandbox_url.rstrip('/')}/_sandbox/confirm-transfer",
            json={"out_bill_no": bill.out_bill_no, "outcome": outcome.value},
            timeout=15,
        )
        if answer.status_code != 200:
            return Response(answer.content, status_code=answer.status_code, media_type="application/json")
        delivered.append({"outBillNo": bill.out_bill_no, **answer.json()})
    return JSONResponse({"bills": delivered})


def sandbox_routes(settings: Settings) -> list[Route]:
    """Mounted only outside production and only when a sandbox is configured."""
    if settings.env is Env.PRODUCTION or not settings.payments_sandbox_url:
        return []
    return [
        Route(SANDBOX_PAY_PATH, sandbox_pay, methods=["POST"]),
        Route(SANDBOX_CONFIRM_TRANSFER_PATH, sandbox_confirm_transfer, methods=["POST"]),
    ]


def _ask_dev_api(settings: Settings, api_url: str | None, path: str, body: dict[str, str]) -> str:
    base = (api_url or f"http://{settings.http_host}:{settings.http_port}").rstrip("/")
    answer = httpx.post(f"{base}{path}", json=body, timeout=20)
    if answer.status_code == 404 and "error" not in answer.text:
        return f"the API has no {path}: is `jike dev` running (it is never mounted in production)?"
    return f"HTTP {answer.status_code}: {answer.text}"


def request_sandbox_pay(settings: Settings, order_gid: str, api_url: str | None) -> str:
    """What `jike sandbox-pay` does: ask the running dev API to have the sandbox pay the order."""
    return _ask_dev_api(settings, api_url, SANDBOX_PAY_PATH, {"orderId": order_gid})


def request_sandbox_confirm_transfer(settings: Settings, payout_gid: str, outcome: Outcome, api_url: str | None) -> str:
    """What `jike sandbox-confirm-transfer` does: ask the running dev API to have the sandbox's payee answer every
    bill of the payout waiting for them."""
    body = {"payoutId": payout_gid, "outcome": outcome.value}
    return _ask_dev_api(settings, api_url, SANDBOX_CONFIRM_TRANSFER_PATH, body)
