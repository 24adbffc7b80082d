"""The payout worker killed in the middle of a batch (SIGKILL, a real process) and started again: every
beneficiary is paid exactly once, by exactly one transfer bill WeChat Pay (the sandbox, which records every
transfer) was asked to create once.
"""

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pytest

from db import collections as c
from db.mongo import Mongo
from payments.sandbox.transfers import Outcome, TransferSandbox
from payments.wechatpay.transfers import TransferState
from startup.settings import Settings
from tests.conftest import Shop, settings_env
from tests.payouts.conftest import (
    assert_ledger_adds_up,
    earn,
    next_monday_at_10,
    payouts_of,
    shareholder_program,
    shareholders,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]
# A worker killed inside a transaction leaves it open on the server until the transaction lifetime (60 s) ends
# it; its successor's transactions on the same documents conflict and retry until then. The waits allow for
# that (they are limits, not timings: a run that is not held up finishes in seconds).
ORPHANED_TRANSACTION_S = 60
WAIT_S = ORPHANED_TRANSACTION_S + 90


async def start_worker(env: dict[str, str], log: IO[bytes]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.payouts.payout_worker",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )


async def kill(process: asyncio.subprocess.Process) -> None:
    process.kill()
    await process.wait()


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_and_restarted_pays_every_beneficiary_exactly_once(
    mongo: Mongo, shop: Shop, settings: Settings, transfers: TransferSandbox
) -> None:
    # given twelve shareholders with commissions available, a merchant on the default weekly schedule (workers
    # run at its first slot, so its run is due), and WeChat Pay taking a quarter of a second to create each bill
    people = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 12)
    for i, person in enumerate(people):
        await earn(mongo, shop, person.id, 1_000 + 10 * i, 500)
    members = await mongo.db[c.MEMBERS].find({"_id": {"$in": [p.id for p in people]}}).to_list()
    openid = {m["_id"]: m["openid"] for m in members}
    transfers.create_delay_s = 0.25
    now = datetime.now(UTC)
    slot_s = (next_monday_at_10(now) - now).total_seconds() + 60
    env = {**os.environ, **settings_env(settings), "PAYOUT_CLOCK_AHEAD_S": str(slot_s)}

    async def held(n: int) -> bool:
        return await mongo.db[c.PAYOUTS].count_documents({}) >= n

    async def sent(n: int) -> bool:
        return sum(len(transfers.bills_of(o)) for o in openid.values()) >= n

    with tempfile.TemporaryFile() as log:
        # when the worker is killed while it holds the payouts
        first = await start_worker(env, log)
        await wait_for(lambda: held(3), seconds=WAIT_S)
        await kill(first)
        # and its successor is killed while it sends the transfer bills
        second = await start_worker(env, log)
        await wait_for(lambda: sent(6), seconds=WAIT_S)
        await kill(second)
        # and a third one, a few minutes later, runs until there is nothing left to do
        third = await start_worker({**env, "PAYOUT_CLOCK_AHEAD_S": str(slot_s + 180)}, log)
        finished = await asyncio.wait_for(third.wait(), WAIT_S)
        log.seek(0)
        assert finished == 0, log.read().decode()

    # and every member confirms what reached them
    for person in people:
        for bill in transfers.bills_of(openid[person.id]):
            await transfers.confirm(bill.out_bill_no, Outcome.SUCCESS)

    # then each was paid exactly what they had, by one transfer created once, and every payout is PAID
    for i, person in enumerate(people):
        made = transfers.bills_of(openid[person.id])
        assert [(b.amount_fen, b.state) for b in made] == [(1_500 + 10 * i, TransferState.SUCCESS)]
        assert transfers.create_calls[made[0].out_bill_no] == 1
        assert [(p["status"], p["paid_fen"]) for p in await payouts_of(mongo, person.id)] == [("PAID", 1_500 + 10 * i)]
        await assert_ledger_adds_up(mongo, person.id)
