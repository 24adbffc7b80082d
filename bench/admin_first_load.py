"""The staff app's first load on a slow phone network: how long from opening /admin/ with an empty browser cache to
the home screen showing today's numbers, against the 3 s target, and the entry's gzipped size against 250 kB.

Starts its own SecantusDB and redis-server, serves the API (and the built app, `make setup` builds it) on a port,
signs the demo owner in, then opens /admin/ in Debian's chromium as a 390×844 phone, once unthrottled and then
several times under Chrome DevTools' "Slow 3G" profile (400 ms round trip, 400 kbit/s each way), each in a
fresh browser context. The ratios are the point.

    uv run python bench/admin_first_load.py --runs 3
"""

import argparse
import asyncio
import gzip
import json
import re
import secrets
import time
from pathlib import Path

import httpx
import uvicorn
from playwright.async_api import Browser, async_playwright

from api import embedded
from api.app import create_app
from db.indexes import ensure_indexes
from db.mongo import open_mongo
from domain import tenancy
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher
from startup.settings import Env, Settings

TARGET_S, ENTRY_LIMIT_BYTES = 3.0, 250_000
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
PHONE_NUMBER, PASSWORD = "13900000001", secrets.token_urlsafe(12)
LOGIN = """mutation($input: StaffLoginInput!) { staffLogin(input: $input) {
  session { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt } } }"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def entry_sizes(dist: Path) -> dict[str, int]:
    """Gzipped bytes of what index.html loads before any screen: the entry script, its preloads and styles."""
    index = (dist / "index.html").read_text()
    names = re.findall(r'(?:src|href)="/admin/(assets/[^"]+\.(?:js|css))"', index)
    return {name: len(gzip.compress((dist / name).read_bytes(), 9)) for name in names}


async def first_load(browser: Browser, url: str, session: dict[str, str], throttled: bool) -> float:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    await context.add_init_script(f"localStorage.setItem('jike.admin.session', {json.dumps(json.dumps(session))})")
    page = await context.new_page()
    if throttled:
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    started = time.perf_counter()
    await page.goto(f"{url}/admin/", wait_until="commit")
    await page.locator("[data-test=takings]").wait_for(timeout=60_000)
    elapsed = time.perf_counter() - started
    await context.close()
    return elapsed


async def run(args: argparse.Namespace, mongodb_uri: str, redis_url: str) -> None:
    settings = Settings(
        _env_file=None,
        env=Env.TEST,
        mongodb_uri=mongodb_uri,
        mongodb_db=f"bench_first_load_{secrets.token_hex(4)}",
        redis_url=redis_url,
        secret_key=secrets.token_urlsafe(32),
        pii_key=secrets.token_urlsafe(32),
    )
    if not (settings.admin_app_dir / "index.html").is_file():
        raise SystemExit(f"the staff app is not built in {settings.admin_app_dir}: run `make setup` first")
    sizes = entry_sizes(settings.admin_app_dir)
    mongo = open_mongo(mongodb_uri, settings.mongodb_db)
    await ensure_indexes(mongo)
    await tenancy.create_merchant(
        mongo=mongo,
        pii=PiiCipher(settings.pii_key.get_secret_value()),
        passwords=Passwords(PasswordCost()),
        name="压测店",
        store_name="一号店",
        timezone="Asia/Shanghai",
        owner_name="店主",
        owner_phone=PHONE_NUMBER,
        owner_password=PASSWORD,
    )
    port = embedded.free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as http, async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            loads: dict[str, list[float]] = {"unthrottled": [], "slow 3G": []}
            for throttled in [False] + [True] * args.runs:
                variables = {"input": {"phone": PHONE_NUMBER, "password": PASSWORD}}
                answer = await http.post("/graphql/admin", json={"query": LOGIN, "variables": variables})
                session = answer.json()["data"]["staffLogin"]["session"]
                seconds = await first_load(browser, url, session, throttled)
                loads["slow 3G" if throttled else "unthrottled"].append(seconds)
            await browser.close()
    finally:
        server.should_exit = True
        await serving
        await mongo.client.drop_database(settings.mongodb_db)
        await mongo.close()
    entry = sum(sizes.values())
    for name, size in sizes.items():
        print(f"  {name}: {size / 1000:.1f} kB gzipped")
    print(
        f"entry (before any screen): {entry / 1000:.1f} kB gzipped, {entry / ENTRY_LIMIT_BYTES:.2f} of the 250 kB limit"
    )
    fast, slow = min(loads["unthrottled"]), sorted(loads["slow 3G"])
    median = slow[len(slow) // 2]
    print(f"home screen shown: unthrottled {fast:.2f} s; slow 3G median {median:.2f} s of {len(slow)} runs")
    print(f"slow 3G / 3 s target = {median / TARGET_S:.2f}; slow 3G / unthrottled = {median / fast:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="throttled first loads (median printed)")
    args = parser.parse_args()
    with embedded.throwaway_servers() as servers:
        asyncio.run(run(args, servers.mongodb_uri, servers.redis_url))


if __name__ == "__main__":
    main()
