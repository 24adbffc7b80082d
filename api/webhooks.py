"""The payment providers' doors: `POST /webhooks/wechatpay` (API v3) and `POST /webhooks/alipay`.

Each verifies the call with the provider's public key over the exact bytes received (payments/), has the verified
notification kept (domain.checkout.notifications: one write, unique by the provider's event id) and answers as
soon as it is durable: WeChat Pay 204, Alipay the plain text `success`; a forgery is refused before anything is
stored, and a failure to keep is answered so that the provider delivers again (WeChat Pay 4xx/5xx with
{"code": "FAIL", "message": …}, Alipay `fail`). Keeping is cut off after 4.5 s, inside WeChat's 5 s limit.

The notification is applied behind the answer by `Applying`, a few at a time per process: a storm of deliveries
queues there, in memory, and never in front of an answer. What a process kept but never applied (it died after
answering) the worker's sweep applies (`notifications.apply_unapplied`).
"""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from db.mongo import Mongo
from domain.checkout import notifications
from domain.checkout.notifications import Kept
from payments.errors import NotificationRejected
from startup.clients import Clients

log = logging.getLogger(__name__)

ANSWER_WITHIN_S = 4.5
# Notifications applied at once per process. Each is one multi-document transaction; a few at a time keep up with
# a chain's payments (bench/webhook_storm.py) and leave the database free to keep the next delivery at once.
APPLYING_AT_ONCE = 4


class Applying:
    """Work on payment notifications that outlives its request: keeping one (which may outlast the answer's time
    limit) and applying it (at most APPLYING_AT_ONCE at a time). Made by the app's lifespan, which drains it at
    shutdown so nothing kept is left half-done by a clean stop."""

    def __init__(self, mongo: Mongo, at_once: int = APPLYING_AT_ONCE) -> None:
        self._mongo = mongo
        self._slots = asyncio.Semaphore(at_once)
        self._tasks: set[asyncio.Task[None]] = set()
        self._keeping: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def kept(self, event: tuple[str, str], keep: Callable[[], Coroutine[Any, Any, Kept]]) -> bool:
        """Whether the notification (provider, event id) was kept within the time limit. Deliveries of one event
        arriving here while it is being kept share that keeping (a storm's duplicates cost the database nothing
        more; other processes meet at its unique index). Keeping goes on past the limit (the answer then asks for a
        redelivery, which finds it kept), and what is kept is applied either way."""
        task = self._keeping.get(event)
        if task is None:
            task = self._keeping[event] = self._start(self._keep_then_apply(keep()))
            task.add_done_callback(lambda _: self._keeping.pop(event, None))
        try:
            await asyncio.wait_for(asyncio.shield(task), ANSWER_WITHIN_S)
        except TimeoutError:
            log.warning("keeping a payment notification took too long; answered as failed, keeping continues")
            return False
        except Exception:
            # Logged once, when the task finishes.
            return False
        return True

    async def drain(self) -> None:
        """Waits for what is being kept and applied, including applications started meanwhile."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _keep_then_apply(self, keep: Coroutine[Any, Any, Kept]) -> None:
        kept = await keep
        if kept.first is not None:
            self._start(self._apply(kept.first))

    async def _apply(self, note: dict[str, Any]) -> None:
        async with self._slots:
            await notifications.apply_kept(mongo=self._mongo, note=note)

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Not kept: the answer asked for a redelivery. Kept but not applied: the worker's sweep applies it.
            log.error("payment notification not kept or not applied", exc_info=task.exception())


def _fail(status: int, message: str) -> Response:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


def webhook_routes() -> list[Route]:
    async def wechatpay_webhook(request: Request) -> Response:
        clients: Clients = request.state.clients
        applying: Applying = request.state.applying
        providers = clients.payments
        if providers.wechatpay is None:
            return _fail(404, "WeChat Pay is not configured")
        body = await request.body()
        try:
            note = providers.wechatpay.parse_notification(request.headers, body, now=datetime.now(UTC))
        except NotificationRejected as e:
            log.warning("WeChat Pay notification refused", extra={"reason": e.reason})
            return _fail(401, "signature verification failed")
        keep = partial(notifications.receive_wechatpay, mongo=clients.mongo, providers=providers, note=note)
        if not await applying.kept(("wechatpay", note.event_id), keep):
            return _fail(500, "not kept, please retry")
        return Response(status_code=204)

    async def alipay_webhook(request: Request) -> Response:
        clients: Clients = request.state.clients
        applying: Applying = request.state.applying
        providers = clients.payments
        if providers.alipay is None:
            return PlainTextResponse("fail", status_code=404)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            note = providers.alipay.parse_notification(form)
        except NotificationRejected as e:
            log.warning("Alipay notification refused", extra={"reason": e.reason})
            return PlainTextResponse("fail")
        keep = partial(notifications.receive_alipay, mongo=clients.mongo, providers=providers, note=note)
        if not await applying.kept(("alipay", note.notify_id), keep):
            return PlainTextResponse("fail")
        return PlainTextResponse("success")

    return [
        Route("/webhooks/wechatpay", wechatpay_webhook, methods=["POST"]),
        Route("/webhooks/alipay", alipay_webhook, methods=["POST"]),
    ]
