"""Serves the staff phone app's build at /admin/: hashed assets cached for ever, index.html (never cached) for
every client route, each sent pre-compressed (brotli or gzip, as the build wrote them) to a browser that takes it,
and a page that says how to build the app when it has not been built.
"""

import mimetypes
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

# Vite names every file under assets/ by its content's hash, so a cached copy can never be stale.
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current hashes: always asked again so a new build reaches phones at once.
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>积客 · 店员端未构建</title></head>
<body style="font-family: sans-serif; padding: 24px; line-height: 1.6">
<h1>店员端还没有构建</h1>
<p>在项目目录运行 <code>make setup</code>（或 <code>make dev</code>），构建完成后刷新本页。</p>
<h1 lang="en">The staff app is not built</h1>
<p lang="en">Run <code>make setup</code> (or <code>make dev</code>) in the project folder, then reload this page.</p>
<p><small>{where}</small></p>
</body></html>
"""


# The build writes NAME.br and NAME.gz beside each compressible file; the best one the browser accepts is sent.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def _accepted(request: Request) -> set[str]:
    """The codings the browser takes: `br, gzip;q=0.8` gives both, `gzip;q=0` refuses gzip."""
    accepted = set()
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.partition(";")
        q = params.strip().removeprefix("q=")
        try:
            refused = bool(params.strip()) and float(q) == 0
        except ValueError:
            refused = True
        if coding.strip() and not refused:
            accepted.add(coding.strip().lower())
    return accepted


def _file(request: Request, path: Path, cache_control: str) -> Response:
    headers = {"cache-control": cache_control, "vary": "accept-encoding"}
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    accepted = _accepted(request)
    for encoding, suffix in ENCODINGS:
        compressed = path.with_name(path.name + suffix)
        if encoding in accepted and compressed.is_file():
            headers["content-encoding"] = encoding
            return FileResponse(compressed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def admin_app_routes(build_dir: Path) -> list[BaseRoute]:
    root = build_dir.resolve()

    async def redirect(request: Request) -> Response:
        return RedirectResponse("/admin/", status_code=308)

    async def serve(request: Request) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT.format(where=root), status_code=503, headers={"cache-control": "no-store"})
        wanted = (root / request.path_params["path"]).resolve()
        if wanted != root and wanted.is_relative_to(root) and wanted.is_file():
            hashed = wanted.is_relative_to(root / "assets")
            return _file(request, wanted, IMMUTABLE if hashed else REVALIDATE)
        if request.path_params["path"].startswith("assets/"):
            # A stale page asking for a build's asset that is gone: a 404, not index.html parsed as a script.
            return Response("not found", status_code=404, media_type="text/plain")
        return _file(request, index, REVALIDATE)

    return [Route("/admin", redirect), Route("/admin/{path:path}", serve, methods=["GET", "HEAD"])]
