"""A payout batch over many commissions finishes with bounded memory: payouts are held by server-side sums and
updates, a page of members at a time, and bills sent from a cursor, so the worker never holds the commissions.
The default size keeps the suite fast on SecantusDB; PAYOUT_BULK_N=100000 runs the full-size batch.
"""

import os
import tracemalloc

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.payouts.channel import PayoutChannel
from payments.sandbox.transfers import TransferSandbox
from tests.conftest import Shop
from tests.payouts.conftest import run_now, seed_available, send

N = int(os.environ.get("PAYOUT_BULK_N", "2000"))
PER_MEMBER = 20


@pytest.mark.slow
async def test_a_batch_over_many_commissions_pays_everyone_without_holding_the_commissions(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox
) -> None:
    # given N commissions of 1 yuan, twenty to a member, and what holding them all in memory would take
    members = await seed_available(mongo, shop, N, PER_MEMBER)
    tracemalloc.start()
    everything = await mongo.db[c.COMMISSIONS].find({"status": "AVAILABLE"}).to_list()
    all_of_them = tracemalloc.get_traced_memory()[0]
    del everything
    tracemalloc.stop()

    # when the owner runs payouts and the worker sends every transfer, memory traced throughout
    tracemalloc.start()
    await run_now(mongo, shop, channel)
    await send(mongo, channel)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # then every member has one payout of everything they had, sent, and every commission is held
    payouts = await mongo.db[c.PAYOUTS].find({}, {"amount_fen": 1, "status": 1}).to_list()
    assert len(payouts) == len(members)
    assert sum(p["amount_fen"] for p in payouts) == 100 * N
    assert await mongo.db[c.COMMISSIONS].count_documents({"status": "AVAILABLE"}) == 0
    assert await mongo.db[c.PAYOUT_TRANSFERS].count_documents({"status": "WAIT_USER_CONFIRM"}) == len(members)
    # and the batch never needed a fraction of what the commissions themselves take
    assert peak < all_of_them / 2, (peak, all_of_them)
