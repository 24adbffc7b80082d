"""Downloads behind signed links: `GET /exports/reconciliation`, the CSV an exportReconciliation link names
(domain.reconciliation), and `GET /exports/my-data`, a member's copy of their data (domain.privacy.data_copy).
403 for a link that is not ours (or, for a copy, not the signed-in member's) or whose signer lost access, 410 once
it expired; the reconciliation file is streamed a batch at a time."""

from datetime import UTC, datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domain import reconciliation
from domain.errors import PermissionDenied
from domain.privacy import data_copy
from domain.privacy.errors import PrivacyCode, PrivacyError
from domain.reconciliation import ReconciliationCode, ReconciliationError
from domain.sessions import Audience, InvalidToken
from schema.admin.reconciliation import EXPORT_ROUTE
from schema.context import language_of
from schema.member.privacy import MY_DATA_ROUTE
from schema.messages import EN, message
from startup.clients import Clients

# A link whose signer is no longer an active owner or manager: the auth refusal, said for a download.
_ACCESS_LOST = ("签发此链接的员工已无权导出对账单", "Whoever made this link may no longer export reconciliation.")


def attachment(filename: str, ascii_filename: str) -> str:
    """RFC 6266 with RFC 5987's filename* for the Chinese name, and an ASCII name for clients without it."""
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def reconciliation_export(request: Request) -> Response:
    clients: Clients = request.state.clients
    try:
        export = await reconciliation.open_export(
            mongo=clients.mongo,
            signer=reconciliation.signer_for(clients.keys),
            params=request.query_params,
            now=datetime.now(UTC),
        )
    except ReconciliationError as e:
        status = 410 if e.code is ReconciliationCode.LINK_EXPIRED else 403
        return _refused(status, e.code.value, message(e.code.value, language_of(request)))
    except PermissionDenied:
        zh, en = _ACCESS_LOST
        return _refused(403, "FORBIDDEN", en if language_of(request) == EN else zh)
    return StreamingResponse(
        reconciliation.export_csv(mongo=clients.mongo, export=export),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": attachment(export.filename, export.ascii_filename),
            "cache-control": "no-store",
        },
    )


async def my_data_download(request: Request) -> Response:
    """A member's copy of their data: the signed link and the member's own bearer token, both."""
    clients: Clients = request.state.clients
    member_id = None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            member_id = clients.signer.verify(token.strip(), Audience.MEMBER).subject_id
        except InvalidToken:
            member_id = None
    try:
        download = await data_copy.open_download(
            mongo=clients.mongo,
            signer=data_copy.signer_for(clients.keys),
            params=request.query_params,
            member_id=member_id,
            now=datetime.now(UTC),
        )
    except PrivacyError as e:
        status = 410 if e.code in (PrivacyCode.DATA_LINK_EXPIRED, PrivacyCode.DATA_COPY_EXPIRED) else 403
        return _refused(status, e.code.value, message(e.code.value, language_of(request)))
    return Response(
        download.body,
        media_type="application/json; charset=utf-8",
        headers={"content-disposition": attachment(download.filename, download.filename), "cache-control": "no-store"},
    )


def _refused(status: int, code: str, text: str) -> Response:
    return JSONResponse({"code": code, "message": text}, status_code=status, headers={"cache-control": "no-store"})


def export_routes() -> list[Route]:
    return [
        Route("/exports/reconciliation", reconciliation_export, methods=["GET"], name=EXPORT_ROUTE),
        Route("/exports/my-data", my_data_download, methods=["GET"], name=MY_DATA_ROUTE),
    ]
