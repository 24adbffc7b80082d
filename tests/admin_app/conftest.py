"""The staff app in a real browser: Debian's chromium driven by Playwright as a 390×844 touch phone, against the
API served for real on a port (its real MongoDB and Redis, the payments sandbox), seeded through the domain.
Screens are photographed into mobile_admin/screenshots/ for a person to look at.
"""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from api.app import create_app
from db.mongo import Mongo
from startup.settings import Settings
from tests.checkout.conftest import app_port, payments_sandbox, sandbox_keys, serving, settings
from tests.conftest import OWNER_PASSWORD

__all__ = ["app_port", "payments_sandbox", "sandbox_keys", "settings"]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "mobile_admin" / "screenshots"
# Without the background-networking flags chromium keeps dialling Google, which this machine's network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}

LOGIN = """
mutation($input: StaffLoginInput!) {
  staffLogin(input: $input) {
    session { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
    userErrors { code message }
  }
}
"""


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: run `make setup` (it installs chromium and a CJK font)")
    return CHROMIUM


@pytest.fixture
def built(settings: Settings) -> Path:
    if not (settings.admin_app_dir / "index.html").is_file():
        pytest.fail(f"the staff app is not built in {settings.admin_app_dir}: run `make setup`")
    return settings.admin_app_dir


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def app_url(settings: Settings, mongo: Mongo, app_port: int, built: Path) -> AsyncIterator[str]:
    async with serving(create_app(settings), app_port, lifespan="on") as url:
        yield url


@dataclass
class Phone:
    """One staff member's phone: a fresh browser context on the served app."""

    page: Page
    context: BrowserContext
    url: str

    async def open(self, path: str = "/") -> None:
        await self.page.goto(f"{self.url}/admin{path}")

    async def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Transitions are run to their end first: a switch or radio tapped a moment before looked pale mid-fade,
        # which read as a broken screen to the person looking at the shot.
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")

    async def sign_in_as(self, phone: str, password: str = OWNER_PASSWORD) -> None:
        """Signed in without the sign-in screen: the API's own tokens, put where the app keeps them."""
        async with httpx.AsyncClient(base_url=self.url) as http:
            answer = await http.post(
                "/graphql/admin", json={"query": LOGIN, "variables": {"input": {"phone": phone, "password": password}}}
            )
        session = answer.json()["data"]["staffLogin"]["session"]
        assert session, answer.text
        await self.context.add_init_script(
            f"localStorage.setItem('jike.admin.session', {json.dumps(json.dumps(session))})"
        )


@pytest.fixture
async def phone(browser: Browser, app_url: str) -> AsyncIterator[Phone]:
    context = await browser.new_context(**PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = await context.new_page()
    try:
        yield Phone(page, context, app_url)
    finally:
        await context.close()
