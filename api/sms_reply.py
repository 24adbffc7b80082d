"""Tencent Cloud SMS's reply callback (短信回复回调): `POST /webhooks/sms/reply/{merchant_id}/{token}`, the URL
configured for the merchant's SMS application. A member replying T, TD, N or 退订 stops their marketing
(domain.marketing.consent). The callback carries no signature, so the path does: a token derived from
JIKE_SMS_REPLY_SECRET and the merchant's id, compared in constant time (one merchant's URL opens no other's).
Answered `{"result": 0, "errmsg": "OK"}` as Tencent Cloud expects, also for replies and phones we ignore.
"""

import hashlib
import hmac
import logging
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.marketing import consent
from startup.clients import Clients

log = logging.getLogger(__name__)

PATH = "/webhooks/sms/reply/{merchant_id}/{token}"


def reply_token(secret: str, merchant_id: ObjectId) -> str:
    return hmac.new(secret.encode(), f"jike/sms-reply/{merchant_id}".encode(), hashlib.sha256).hexdigest()


def reply_path(secret: str, merchant_id: ObjectId) -> str:
    return PATH.format(merchant_id=merchant_id, token=reply_token(secret, merchant_id))


def _answer(result: int, message: str, status: int = 200) -> Response:
    return JSONResponse({"result": result, "errmsg": message}, status_code=status)


def _phone(body: dict[str, Any]) -> str:
    nation = str(body.get("nationcode") or "86").lstrip("+")
    mobile = str(body.get("mobile") or "")
    return mobile if nation == "86" else f"+{nation}{mobile}"


async def sms_reply(request: Request) -> Response:
    clients: Clients = request.state.clients
    secret = clients.settings.sms_reply_secret.get_secret_value()
    if not secret:
        return _answer(1, "not configured", 404)
    try:
        merchant_id = ObjectId(request.path_params["merchant_id"])
    except InvalidId:
        return _answer(1, "not found", 404)
    if not hmac.compare_digest(reply_token(secret, merchant_id), str(request.path_params["token"])):
        log.warning("SMS reply callback with a wrong token", extra={"merchant_id": str(merchant_id)})
        return _answer(1, "forbidden", 403)
    try:
        body = await request.json()
    except ValueError:
        return _answer(1, "not JSON", 400)
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return _answer(1, "no reply text", 400)
    await consent.stop_by_sms_reply(
        mongo=clients.mongo,
        pii=clients.pii,
        merchant_id=merchant_id,
        phone=_phone(body),
        text=body["text"],
        now=datetime.now(UTC),
    )
    return _answer(0, "OK")


def sms_reply_routes() -> list[Route]:
    return [Route(PATH, sms_reply, methods=["POST"])]
