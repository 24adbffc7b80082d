"""WeChat Pay's door for merchant transfers: `POST /webhooks/wechatpay/transfer`, the notify_url of every payout
bill. The MCHTRANSFER.BILL.FINISHED call is verified over its raw bytes and decrypted (payments.wechatpay.transfers),
then applied by one domain function (domain.payouts.settlement). Answered 204 once durable, or once we know we will
never apply it (not our bill: logged loudly, retries cannot change that); 4xx/5xx with {"code": "FAIL"} so that
WeChat Pay delivers again otherwise. Handling is cut off after 4.5 s to meet WeChat's 5 s; it goes on regardless.
"""

import asyncio
import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.payouts import settlement
from payments.errors import NotificationRejected
from startup.clients import Clients

log = logging.getLogger(__name__)

ANSWER_WITHIN_S = 4.5


def _fail(status: int, message: str) -> Response:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


async def transfer_webhook(request: Request) -> Response:
    clients: Clients = request.state.clients
    channel = clients.payouts
    if channel is None:
        return _fail(404, "WeChat Pay is not configured")
    body = await request.body()
    now = datetime.now(UTC)
    try:
        note = channel.transfers.parse_transfer_notification(request.headers, body, now=now)
    except NotificationRejected as e:
        log.warning("WeChat Pay transfer notification refused", extra={"reason": e.reason})
        return _fail(401, "signature verification failed")
    work = asyncio.ensure_future(
        settlement.receive_notification(mongo=clients.mongo, channel=channel, note=note, now=now)
    )
    try:
        await asyncio.wait_for(asyncio.shield(work), ANSWER_WITHIN_S)
    except TimeoutError:
        log.warning("transfer notification took too long; answered as failed, handling continues")
        return _fail(500, "not handled, please retry")
    except Exception:
        log.exception("transfer notification could not be handled")
        return _fail(500, "not handled, please retry")
    return Response(status_code=204)


def payout_webhook_routes() -> list[Route]:
    return [Route("/webhooks/wechatpay/transfer", transfer_webhook, methods=["POST"])]
