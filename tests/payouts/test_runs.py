"""Payout runs: each member's AVAILABLE commissions held into one payout, in one transaction, never more than
was available; who is left out and why (minimum, no WeChat account, a payout still open, a balance that does not
add up); staff never in a run; the preview is what the run holds; a replayed key, a run cut short, and two runs
at once hold each commission once.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta

from db import collections as c
from db.mongo import Mongo
from domain.payouts import runs, views
from domain.payouts.channel import PayoutChannel
from domain.payouts.planning import SkipReason
from domain.pii import PiiCipher
from domain.tenancy import Role
from tests.conftest import Shop
from tests.payouts.conftest import (
    assert_ledger_adds_up,
    balance,
    bills_of,
    earn,
    payouts_of,
    run_now,
    shareholder_program,
    shareholders,
    statuses,
    with_limits,
)
from tests.referrals.conftest import make_staff


async def test_a_run_holds_each_members_available_commissions_in_one_payout(
    mongo: Mongo, shop: Shop, channel: PayoutChannel
) -> None:
    # given two shareholders with commissions available: 50 yuan in two, and 5 yuan
    a, b = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 2)
    await earn(mongo, shop, a.id, 3_000, 2_000)
    await earn(mongo, shop, b.id, 500)

    # when the owner runs payouts
    run_id = await run_now(mongo, shop, channel)

    # then each has one payout of what was available, with one transfer bill waiting to be sent
    [pa], [pb] = await payouts_of(mongo, a.id), await payouts_of(mongo, b.id)
    assert (pa["run_id"], pa["status"], pa["amount_fen"], pa["commissions"]) == (run_id, "PROCESSING", 5_000, 2)
    assert (pb["amount_fen"], pb["commissions"]) == (500, 1)
    assert [(x["amount_fen"], x["status"]) for x in await bills_of(mongo, pa["_id"])] == [(5_000, "PLANNED")]
    # and the commissions are in it, the ledger moved available → paid, and it all adds up
    held = await mongo.db[c.COMMISSIONS].find({"beneficiary_id": a.id}).to_list()
    assert {(d["status"], d["payout_id"]) for d in held} == {("PAID", pa["_id"])}
    assert (await balance(mongo, a.id))["available_fen"] == 0
    assert (await balance(mongo, a.id))["paid_fen"] == 5_000
    for person in (a, b):
        await assert_ledger_adds_up(mongo, person.id)


async def test_who_is_left_out_and_why(mongo: Mongo, shop: Shop, channel: PayoutChannel) -> None:
    # given a 10-yuan minimum, a shareholder under it, one over it who signed in with Alipay, and one over it
    program = await shareholder_program(mongo, shop, payout_minimum_fen=1_000)
    [small, ok] = await shareholders(mongo, shop, program, 2)
    [alipay] = await shareholders(mongo, shop, program, 1, "支付宝", channel="ALIPAY")
    await earn(mongo, shop, small.id, 999)
    await earn(mongo, shop, ok.id, 1_000)
    await earn(mongo, shop, alipay.id, 5_000)

    # when the owner previews and then runs payouts
    preview = await views.preview_payouts(mongo=mongo, channel=channel, actor=shop.merchant.owner, first=10, after=None)
    await run_now(mongo, shop, channel)

    # then only the one at or over the minimum with a WeChat account is paid, and the preview said so
    reasons = {row.member_id: row.skip for _, row in preview.rows.items}
    assert reasons == {small.id: SkipReason.BELOW_MINIMUM, ok.id: None, alipay.id: SkipReason.NO_WECHAT_ACCOUNT}
    assert (preview.payees, preview.transfer_fen, preview.skipped) == (1, 1_000, 2)
    assert [p["amount_fen"] for p in await payouts_of(mongo, ok.id)] == [1_000]
    assert await payouts_of(mongo, small.id) == [] and await payouts_of(mongo, alipay.id) == []
    assert await statuses(mongo, small.id) == ["AVAILABLE"]


async def test_staff_commissions_are_never_paid_by_a_run(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, pii: PiiCipher
) -> None:
    # given a staff member with commissions available (they are settled through payroll)
    await shareholder_program(mongo, shop, staff_bp=1_000)
    staff = (await make_staff(mongo, pii, shop, Role.CASHIER, "13700000001")).staff
    await earn(mongo, shop, staff.id, 8_000, staff=True)

    # when the owner runs payouts
    await run_now(mongo, shop, channel)

    # then the staff member is not paid and not even listed in the preview
    assert await payouts_of(mongo, staff.id) == []
    assert await statuses(mongo, staff.id) == ["AVAILABLE"]
    preview = await views.preview_payouts(mongo=mongo, channel=channel, actor=shop.merchant.owner, first=10, after=None)
    assert preview.rows.items == []


async def test_a_payout_over_the_single_transfer_limit_is_split_into_even_bills(
    mongo: Mongo, shop: Shop, channel: PayoutChannel
) -> None:
    # given 450 yuan available and an account allowing 200 yuan per transfer
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 20_000, 20_000, 5_000)

    # when the owner runs payouts
    await run_now(mongo, shop, with_limits(channel, single_fen=20_000))

    # then one payout carries it in three bills of 150 yuan, each with its own lasting number
    [payout] = await payouts_of(mongo, a.id)
    bills = await bills_of(mongo, payout["_id"])
    assert [b["amount_fen"] for b in bills] == [15_000, 15_000, 15_000]
    assert [b["out_bill_no"] for b in bills] == [f"P{payout['_id']}0{i}" for i in (1, 2, 3)]


async def test_a_replayed_run_returns_the_first_and_holds_nothing_new(
    mongo: Mongo, shop: Shop, channel: PayoutChannel
) -> None:
    # given a run made, and new commissions released after it
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    first = await run_now(mongo, shop, channel, "key-1")
    await earn(mongo, shop, a.id, 700)

    # when the owner's request is replayed
    again = await run_now(mongo, shop, channel, "key-1")

    # then it is the same run, and the new money waits (the member's payout is still open anyway)
    assert again == first
    assert [p["amount_fen"] for p in await payouts_of(mongo, a.id)] == [1_000]
    assert (await balance(mongo, a.id))["available_fen"] == 700


async def test_a_member_with_a_payout_still_open_waits_for_the_next_run(
    mongo: Mongo, shop: Shop, channel: PayoutChannel
) -> None:
    # given a member whose payout is still being paid, with more money available since
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    await run_now(mongo, shop, channel, "first")
    await earn(mongo, shop, a.id, 300)

    # when another run comes
    preview = await views.preview_payouts(mongo=mongo, channel=channel, actor=shop.merchant.owner, first=10, after=None)
    await run_now(mongo, shop, channel, "second")

    # then the new money is not paid alongside, and the preview says why
    assert [row.skip for _, row in preview.rows.items] == [SkipReason.OPEN_PAYOUT]
    assert len(await payouts_of(mongo, a.id)) == 1


async def test_a_balance_that_does_not_add_up_is_held_back_never_paid_on_a_guess(
    mongo: Mongo, shop: Shop, channel: PayoutChannel
) -> None:
    # given a member whose available balance says 1 fen more than their commissions are worth
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_000)
    await mongo.db[c.COMMISSION_ACCOUNTS].update_one({"beneficiary_id": a.id}, {"$inc": {"available_fen": 1}})

    # when the owner runs payouts
    await run_now(mongo, shop, channel)

    # then nothing is paid to them
    assert await payouts_of(mongo, a.id) == []
    assert await statuses(mongo, a.id) == ["AVAILABLE"]


async def test_a_run_cut_short_goes_on_where_it_stopped(mongo: Mongo, shop: Shop, channel: PayoutChannel) -> None:
    # given three members due a payout, and a run whose request had no time at all
    people = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 3)
    for person in people:
        await earn(mongo, shop, person.id, 1_200)
    cut = await runs.run_payouts(
        mongo=mongo, channel=channel, actor=shop.merchant.owner, idempotency_key="k", budget=timedelta(0)
    )

    # when the worker advances the runs still holding
    advanced = await runs.advance_open_runs(
        mongo=mongo, limits=channel.limits, now=datetime.now(UTC), deadline=time.monotonic() + 60
    )

    # then the run is held, every member has their payout, and none has two
    held = await mongo.db[c.PAYOUT_RUNS].find_one({"_id": cut.run.id})
    assert advanced == 1 and held is not None and held["status"] == "HELD"
    assert [len(await payouts_of(mongo, p.id)) for p in people] == [1, 1, 1]


async def test_two_runs_at_once_hold_each_commission_once(mongo: Mongo, shop: Shop, channel: PayoutChannel) -> None:
    # given five members with commissions available
    people = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 5)
    for i, person in enumerate(people):
        await earn(mongo, shop, person.id, 1_000 + i, 2_000)

    # when two owners' requests (different keys) run at the same moment
    await asyncio.gather(run_now(mongo, shop, channel, "one"), run_now(mongo, shop, channel, "two"))

    # then each member has exactly one payout of exactly what was available, and every ledger adds up
    for i, person in enumerate(people):
        assert [p["amount_fen"] for p in await payouts_of(mongo, person.id)] == [3_000 + i]
        assert set(await statuses(mongo, person.id)) == {"PAID"}
        await assert_ledger_adds_up(mongo, person.id)
