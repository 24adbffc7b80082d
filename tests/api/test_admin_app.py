"""The API serves the staff app's build at /admin/: assets by hash cached for ever, index.html for every client
route and never cached, a clear page when the app has not been built, and nothing outside the build."""

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from api.admin_app import admin_app_routes


@pytest.fixture
def build(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=app></div>")
    (dist / "assets" / "index-AbC123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for you")
    return dist


async def http_for(build_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=admin_app_routes(build_dir))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://jike.test") as http:
        yield http


@pytest.fixture
async def http(build: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in http_for(build):
        yield client


async def test_hashed_assets_are_cached_for_ever(http: httpx.AsyncClient) -> None:
    answer = await http.get("/admin/assets/index-AbC123.js")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_every_client_route_gets_index_html_revalidated(http: httpx.AsyncClient) -> None:
    for path in ("/admin/", "/admin/members/TWVtYmVyOjE=", "/admin/bookings"):
        answer = await http.get(path)
        assert answer.status_code == 200, path
        assert "id=app" in answer.text
        assert answer.headers["cache-control"] == "no-cache"


async def test_admin_without_slash_goes_to_the_app(http: httpx.AsyncClient) -> None:
    answer = await http.get("/admin")
    assert answer.status_code == 308
    assert answer.headers["location"] == "/admin/"


async def test_a_missing_asset_is_a_404_not_the_page(http: httpx.AsyncClient) -> None:
    answer = await http.get("/admin/assets/index-gone.js")
    assert answer.status_code == 404


async def test_nothing_outside_the_build_is_served(http: httpx.AsyncClient) -> None:
    for path in ("/admin/../secret.txt", "/admin/%2e%2e/secret.txt", "/admin/..%2fsecret.txt"):
        answer = await http.get(path)
        assert "not for you" not in answer.text, path


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    async for http in http_for(tmp_path / "never-built"):
        answer = await http.get("/admin/")
        assert answer.status_code == 503
        assert "make setup" in answer.text
        assert "店员端还没有构建" in answer.text


async def test_assets_go_pre_compressed_to_a_browser_that_takes_them(build: Path, http: httpx.AsyncClient) -> None:
    # given the build's brotli and gzip copies of an asset
    asset = build / "assets" / "index-AbC123.js"
    asset.with_name(asset.name + ".br").write_bytes(b"brotli bytes")
    asset.with_name(asset.name + ".gz").write_bytes(gzip.compress(b"console.log(1)", mtime=0))

    # then each browser gets the best coding it takes, typed as the script it is
    for accept, coding in (
        ("gzip, deflate, br", "br"),
        ("gzip;q=0.8", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("", None),
    ):
        async with http.stream("GET", "/admin/assets/index-AbC123.js", headers={"accept-encoding": accept}) as answer:
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])
        assert answer.headers.get("content-encoding") == coding, accept
        assert answer.headers["content-type"].startswith("text/javascript"), accept
        assert answer.headers["vary"] == "accept-encoding"
        expected = {"br": b"brotli bytes", "gzip": gzip.compress(b"console.log(1)", mtime=0), None: b"console.log(1)"}
        assert raw == expected[coding], accept
