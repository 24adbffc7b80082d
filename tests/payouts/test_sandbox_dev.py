"""Playing the payee in the dev stack: `make dev` names the payments sandbox, and `jike sandbox-confirm-transfer`
(through the dev-only endpoint) confirms a payout's waiting bills in the sandbox, whose notification reaches our
transfer webhook as WeChat Pay's would. None of it exists in production.
"""

import asyncio
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as jike
from api.dev import ready_banner
from api.sandbox import SANDBOX_CONFIRM_TRANSFER_PATH
from db.mongo import Mongo
from domain.payouts.channel import PayoutChannel
from schema.ids import to_global_id
from startup.settings import Env, Settings
from tests.conftest import Gql, Shop
from tests.payouts.conftest import PayoutsSandbox, bills_of, payouts_of, send, wait_for
from tests.payouts.test_screens import RUN, members_due


@pytest.fixture
def settings(settings: Settings, payouts_sandbox: PayoutsSandbox) -> Settings:
    """As `make dev` has them: the sandbox named, so the dev endpoints are mounted."""
    return settings.model_copy(update={"payments_sandbox_url": payouts_sandbox.url})


async def test_a_developer_plays_the_payee_confirming_a_payout_from_a_second_terminal(
    gql: Gql,
    mongo: Mongo,
    shop: Shop,
    owner_token: str,
    channel: PayoutChannel,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a member's payout whose bill was sent and waits for them to confirm it
    [me] = await members_due(mongo, shop, 1)
    await gql("admin", RUN, {"key": "one"}, token=owner_token)
    await send(mongo, channel)
    [payout] = await payouts_of(mongo, me.id)
    payout_gid = to_global_id("Payout", payout["_id"])

    # when the developer runs `jike sandbox-confirm-transfer --payout …` against the running dev API, from a
    # terminal in a checkout with its own dev data dir
    monkeypatch.chdir(tmp_path)
    args = ["sandbox-confirm-transfer", "--payout", payout_gid, "--api", str(client.base_url)]
    ran = await asyncio.to_thread(CliRunner().invoke, jike, args, env={"JIKE_DATA_DIR": str(tmp_path)})

    # then the sandbox confirmed the bill and notified our webhook, which took it: the payout is paid
    assert ran.exit_code == 0, ran.output or ran.exception
    assert ran.output.startswith("HTTP 200") and '"status":204' in ran.output, ran.output

    async def paid() -> bool:
        return [p["status"] for p in await payouts_of(mongo, me.id)] == ["PAID"]

    await wait_for(paid)
    assert [b["status"] for b in await bills_of(mongo, payout["_id"])] == ["SUCCESS"]


async def test_confirming_a_payout_with_no_bill_waiting_says_what_is_missing(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, client: httpx.AsyncClient
) -> None:
    # given a payout held but whose bill was not sent yet
    [me] = await members_due(mongo, shop, 1)
    await gql("admin", RUN, {"key": "one"}, token=owner_token)
    [payout] = await payouts_of(mongo, me.id)

    # when the sandbox is asked to have its payee confirm it, and to confirm something that is not a payout
    answer = await client.post(SANDBOX_CONFIRM_TRANSFER_PATH, json={"payoutId": to_global_id("Payout", payout["_id"])})
    wrong = await client.post(SANDBOX_CONFIRM_TRANSFER_PATH, json={"payoutId": "nonsense"})

    # then each says what is missing, and the bill is untouched
    assert answer.status_code == 404 and "worker" in answer.json()["error"]
    assert wrong.status_code == 400 and "payoutId" in wrong.json()["error"]
    assert [b["status"] for b in await bills_of(mongo, payout["_id"])] == ["PLANNED"]


def test_make_dev_names_the_payments_sandbox_and_how_to_play_the_member_and_the_payee() -> None:
    # when `make dev` is up, with its sandbox on a port it chose
    banner = ready_banner("http://127.0.0.1:8000", "http://127.0.0.1:41234")

    # then it says where the sandbox is, and the commands that play the member paying and the payee confirming
    assert "payments sandbox http://127.0.0.1:41234" in banner
    assert "jike sandbox-pay --order <id>" in banner and "jike sandbox-confirm-transfer --payout <id>" in banner


def test_no_dev_endpoint_exists_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"env": Env.PRODUCTION})
    paths = {getattr(route, "path", "") for route in create_app(production).routes}
    assert SANDBOX_CONFIRM_TRANSFER_PATH not in paths and "/webhooks/wechatpay/transfer" in paths
