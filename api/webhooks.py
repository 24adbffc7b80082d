"""The payment providers' doors: `POST /webhooks/wechatpay` (API v3) and `POST /webhooks/alipay`.

Each verifies the call with the provider's public key over the exact bytes received (payments/), hands the
verified notification to one domain function (domain.checkout.notifications), and answers the way the provider
expects: WeChat Pay 204 on success, 4xx/5xx with {"code": "FAIL", "message": …} so it retries; Alipay the plain
text `success` only once the effect is durable, `fail` otherwise. Handling is cut off after 4.5 s so WeChat's
5 s limit is always met; the work goes on and the provider's retry then finds it done.
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from domain.checkout import notifications
from domain.checkout.notifications import Receipt
from payments.errors import NotificationRejected
from startup.clients import Clients

log = logging.getLogger(__name__)

ANSWER_WITHIN_S = 4.5


class InFlight:
    """Deliveries of one event arriving while it is being handled here share that handling (single flight), so a
    burst of redeliveries costs one transaction; other processes still meet at the database's unique index."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[str, str], asyncio.Future[Receipt]] = {}

    def run(self, key: tuple[str, str], work: Callable[[], Coroutine[Any, Any, Receipt]]) -> asyncio.Future[Receipt]:
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(work())
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    async def drain(self) -> None:
        """Waits for handling still under way (answered as failed after the time limit) before shutdown."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _finished(self, key: tuple[str, str], task: asyncio.Future[Receipt]) -> None:
        self._tasks.pop(key, None)
        # Retrieved here too, so handling that outlived every waiter (a timeout) still has its failure logged.
        if not task.cancelled() and task.exception() is not None:
            log.error("payment notification handling failed", exc_info=task.exception())


async def _handled(task: asyncio.Future[Receipt]) -> Receipt | None:
    """The receipt, or None when handling failed or took too long (shielded: it still runs to the end)."""
    try:
        return await asyncio.wait_for(asyncio.shield(task), ANSWER_WITHIN_S)
    except TimeoutError:
        log.warning("payment notification took too long; answered as failed, handling continues")
    except Exception:
        # Logged once by InFlight, whoever was waiting.
        pass
    return None


def _fail(status: int, message: str) -> Response:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


def webhook_routes(inflight: InFlight) -> list[Route]:
    async def wechatpay_webhook(request: Request) -> Response:
        clients: Clients = request.state.clients
        providers = clients.payments
        if providers.wechatpay is None:
            return _fail(404, "WeChat Pay is not configured")
        body = await request.body()
        try:
            note = providers.wechatpay.parse_notification(request.headers, body, now=datetime.now(UTC))
        except NotificationRejected as e:
            log.warning("WeChat Pay notification refused", extra={"reason": e.reason})
            return _fail(401, "signature verification failed")
        receipt = await _handled(
            inflight.run(
                ("wechatpay", note.event_id),
                lambda: notifications.receive_wechatpay(mongo=clients.mongo, providers=providers, note=note),
            )
        )
        if receipt is None:
            return _fail(500, "not handled, please retry")
        return Response(status_code=204)

    async def alipay_webhook(request: Request) -> Response:
        clients: Clients = request.state.clients
        providers = clients.payments
        if providers.alipay is None:
            return PlainTextResponse("fail", status_code=404)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            note = providers.alipay.parse_notification(form)
        except NotificationRejected as e:
            log.warning("Alipay notification refused", extra={"reason": e.reason})
            return PlainTextResponse("fail")
        receipt = await _handled(
            inflight.run(
                ("alipay", note.notify_id),
                lambda: notifications.receive_alipay(mongo=clients.mongo, providers=providers, note=note),
            )
        )
        if receipt is None:
            return PlainTextResponse("fail")
        return PlainTextResponse("success")

    return [
        Route("/webhooks/wechatpay", wechatpay_webhook, methods=["POST"]),
        Route("/webhooks/alipay", alipay_webhook, methods=["POST"]),
    ]
