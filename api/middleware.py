"""Pure-ASGI middleware: request id + access log + metrics, and the request body size limit."""

import json
import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import request_id_var

log = logging.getLogger("jike.access")


class HttpMetrics:
    """Per-app registry, so two apps in one process (tests) never collide on metric names."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("jike_http_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram("jike_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry)
        self.operations = Histogram(
            "jike_graphql_operation_seconds",
            "GraphQL request latency by schema and operation name",
            ["schema", "operation"],
            registry=self.registry,
        )
        self.webhooks = Histogram(
            "jike_webhook_seconds",
            "Provider webhook handling time, by provider and the HTTP status answered",
            ["provider", "status"],
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def operation_label(self, name: str) -> str:
        """Operation names are the client's to choose: past MAX_OPERATIONS distinct ones, the rest share a label,
        so a client cannot grow the scrape without bound."""
        if name in self._operation_names:
            return name
        if len(self._operation_names) >= MAX_OPERATIONS:
            return "other"
        self._operation_names.add(name)
        return name


# Distinct operation names labelled per process; the apps' own documents are well under it.
MAX_OPERATIONS = 300
# A body past this is not read for its operation name (BodyLimit refuses the very large ones anyway).
_NAME_SCAN_BYTES = 256 * 1024
_OPERATION = re.compile(rb"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,63})")
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_SCHEMAS = {"/graphql/member": "member", "/graphql/admin": "admin"}
_WEBHOOKS = {
    "/webhooks/wechatpay": "wechatpay",
    "/webhooks/alipay": "alipay",
    "/webhooks/wechatpay/transfer": "wechatpay_transfer",
}


def operation_name(body: bytes) -> str:
    """The request's operationName, else the first named operation in its document, else "anonymous"."""
    if len(body) > _NAME_SCAN_BYTES:
        return "unknown"
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        return "unknown"
    name = decoded.get("operationName") if isinstance(decoded, dict) else None
    if isinstance(name, str) and _NAME.fullmatch(name):
        return name
    query = decoded.get("query") if isinstance(decoded, dict) else None
    found = _OPERATION.search(query.encode()) if isinstance(query, str) else None
    return found.group(1).decode() if found else "anonymous"


def _route(scope: Scope) -> str:
    # The path is only a label for our own fixed routes; anything else collapses to one label.
    path = str(scope.get("path", ""))
    known = ("/graphql/member", "/graphql/admin", "/healthz", "/readyz", "/metrics")
    return path if path in known else "other"


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        started = time.perf_counter()
        path = str(scope.get("path", ""))
        schema = _SCHEMAS.get(path)
        body: list[bytes] = []

        async def receive_keeping_body() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, body)) <= _NAME_SCAN_BYTES:
                body.append(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive_keeping_body if schema else receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route(scope)
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            if schema:
                operation = self.metrics.operation_label(operation_name(b"".join(body)))
                self.metrics.operations.labels(schema, operation).observe(elapsed)
            if path in _WEBHOOKS:
                self.metrics.webhooks.labels(_WEBHOOKS[path], str(status)).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                },
            )
            request_id_var.reset(token)


class BodyLimit:
    """Refuses bodies over `max_bytes` with 413, by Content-Length or by counting a chunked stream."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"request body over {self.max_bytes} bytes",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(send)
            return
        # Read the body up front (it is small by construction) so an oversized chunked body is refused
        # before any handler sees a byte of it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)
