"""The mini-program's own API layer (miniprogram_stub/lib/) in node against the live API: the app served over real
HTTP with its MongoDB and Redis, the fake WeChat server and the payments sandbox, `wx` from the node adapter
(miniprogram_stub/tests/live/wx_node.js). Python seeds the merchant with the givens the backend's tests use,
one node process per test runs a journey and asserts what the pages would show, then the database is checked
here.
"""

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId

from api.app import create_app
from channels.fake import openid_for
from db import collections as c
from db.mongo import Mongo
from domain.cards.stored_value import create_plan
from domain.coupons.packs import grant_pack
from domain.coupons.touch import Sharer
from domain.pii import PiiCipher
from schema.ids import from_global_id, to_global_id
from startup.settings import Settings
from tests.booking.conftest import admin_token, open_salon
from tests.cards.conftest import sign_in
from tests.checkout.conftest import PaymentsSandbox, app_port, payments_sandbox, sandbox_keys, serving, settings
from tests.commissions.conftest import appoint, open_program
from tests.conftest import WECHAT_APPID, Channels, Gql, Shop
from tests.coupons.conftest import new_template
from tests.workers.conftest import run_worker

__all__ = ["app_port", "payments_sandbox", "sandbox_keys", "settings"]

STUB = Path(__file__).resolve().parents[2] / "miniprogram_stub"


@pytest.fixture
async def api_url(settings: Settings, mongo: Mongo, app_port: int) -> AsyncIterator[str]:
    async with serving(create_app(settings), app_port, lifespan="on") as url:
        yield url


async def worker_until(done: asyncio.Event, settings: Settings) -> None:
    """`jike worker` in bursts while the journey runs, so what events do (commissions, notifications) happens
    behind the member's taps as in production."""
    while not done.is_set():
        await run_worker(settings)
        await asyncio.sleep(0.05)


async def run_journey(name: str, given: dict[str, Any], settings: Settings) -> str:
    """Runs miniprogram_stub/tests/live/<name>.test.js with `given` in JIKE_JOURNEY; fails with its output."""
    node = shutil.which("node")
    assert node is not None, "node is needed to run the mini-program's journeys"
    process = await asyncio.create_subprocess_exec(
        node,
        "--test",
        f"tests/live/{name}.test.js",
        cwd=STUB,
        env={"PATH": str(Path(node).parent), "JIKE_JOURNEY": json.dumps(given)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    done = asyncio.Event()
    worker = asyncio.create_task(worker_until(done, settings))
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=90)
    finally:
        done.set()
        await worker
    text = output.decode()
    assert process.returncode == 0, text
    assert "# fail 0" in text and "# skipped 0" in text, text
    return text


def urls(api_url: str, channels: Channels, sandbox: PaymentsSandbox, shop: Shop) -> dict[str, str]:
    return {
        "apiUrl": api_url,
        "sandboxUrl": sandbox.url,
        "wechatUrl": channels.base_url,
        "merchantId": to_global_id("Merchant", shop.merchant.merchant.id),
    }


async def member_of(mongo: Mongo, shop: Shop, user: str) -> dict[str, Any]:
    """The member the fake WeChat user signed in as."""
    doc = await mongo.db[c.MEMBERS].find_one(
        {"merchant_id": shop.merchant.merchant.id, "openid": openid_for(WECHAT_APPID, user)}
    )
    assert doc is not None, user
    return doc


async def test_a_top_up_with_bonus_is_paid_once_though_its_answer_was_lost(
    mongo: Mongo, shop: Shop, settings: Settings, api_url: str, channels: Channels, payments_sandbox: PaymentsSandbox
) -> None:
    # given a merchant offering 充500送50
    await create_plan(mongo=mongo, actor=shop.merchant.owner, name="充500送50", pay_fen=50_000, bonus_fen=5_000)

    # when a member tops up in the mini-program (the journey asserts what the pages show)
    await run_journey("topup", urls(api_url, channels, payments_sandbox, shop), settings)

    # then one top-up order was made and paid, and the card holds the paid part and the bonus
    member = await member_of(mongo, shop, "topper")
    orders = await mongo.db[c.ORDERS].find({"member_id": member["_id"]}).to_list()
    assert [(o["kind"], o["status"]) for o in orders] == [("TOP_UP", "PAID")]
    card = await mongo.db[c.CARDS].find_one({"member_id": member["_id"]})
    assert card is not None
    entries = await mongo.db[c.LEDGER].find({"member_id": member["_id"], "account": "STORED_VALUE"}).to_list()
    assert [e["amount"] for e in entries] == [55_000]


async def test_a_queue_ticket_is_called_and_the_member_told(
    mongo: Mongo, shop: Shop, settings: Settings, api_url: str, channels: Channels, payments_sandbox: PaymentsSandbox
) -> None:
    # given a store with a queue and its owner at the counter
    given = urls(api_url, channels, payments_sandbox, shop) | {
        "storeId": to_global_id("Store", shop.merchant.store.id),
        "staffToken": admin_token(shop.merchant.owner),
    }

    # when a walk-in takes a number in the mini-program and staff call it
    await run_journey("queue", given, settings)

    # then their ticket is the one called, and a QUEUE_CALLED notification is theirs
    member = await member_of(mongo, shop, "walkin")
    tickets = await mongo.db[c.QUEUE_TICKETS].find({"member_id": member["_id"]}).to_list()
    assert [(t["number"], t["status"]) for t in tickets] == [(1, "CALLED")]


async def test_a_shared_pack_grows_into_a_booking_that_pays_the_shareholder(
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    gql: Gql,
    owner_token: str,
    settings: Settings,
    api_url: str,
    channels: Channels,
    payments_sandbox: PaymentsSandbox,
) -> None:
    # given a salon whose 精剪 takes a ¥30 deposit, a shareholder programme, and a shareholder holding a pack
    # of three 满100减20 coupons
    salon = await open_salon(mongo, pii, shop, staff=1, deposit=3_000)
    sharer = await sign_in(gql, shop, "sharer")
    await appoint(mongo, shop, await open_program(mongo, shop), sharer.member_id)
    template_gid = await new_template(gql, owner_token)
    template_id = from_global_id("CouponTemplate", template_gid)
    assert template_id is not None
    await grant_pack(
        mongo=mongo,
        actor=shop.merchant.owner,
        template_id=template_id,
        holder=Sharer(member_id=sharer.member_id),
        size=3,
        idempotency_key=ObjectId().binary.hex(),
    )
    given = urls(api_url, channels, payments_sandbox, shop) | {
        "storeId": to_global_id("Store", salon.store.id),
        "staffToken": admin_token(salon.owner),
    }

    # when the friends live the journey in the mini-program
    await run_journey("growth", given, settings)

    # then the friend is bound under the sharer, the second friend under the chain, the coupon is theirs, the
    # booking completed with its two orders paid, and the sharer's commissions are what those orders earned
    friend, second = await member_of(mongo, shop, "friend"), await member_of(mongo, shop, "second")
    assert friend["referrer_id"] == sharer.member_id
    assert sharer.member_id in second["ancestors"]
    coupons = await mongo.db[c.COUPONS].find({"template_id": template_id}).to_list()
    assert [(cp["owner_id"], cp["status"]) for cp in coupons] == [(second["_id"], "ACTIVE")]
    bookings = await mongo.db[c.BOOKINGS].find({"member_id": second["_id"]}).to_list()
    assert [b["status"] for b in bookings] == ["COMPLETED"]
    orders = await mongo.db[c.ORDERS].find({"member_id": second["_id"]}).sort("_id", 1).to_list()
    assert [(o["kind"], o["status"]) for o in orders] == [("DEPOSIT", "PAID"), ("CONSUMPTION", "PAID")]
    earned = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": sharer.member_id}).to_list()
    assert {e["order_id"] for e in earned} == {o["_id"] for o in orders}
    assert sum(e["amount_fen"] for e in earned) > 0
