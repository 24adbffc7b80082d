"""The worker's side: the payout cron is registered, each merchant's schedule (weekly by default, in its own time
zone) opens one run per slot however many workers look, a round holds and sends on its own, and PAYOUT_SENT
tells the member what reached them.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.events import PayoutSent, PayoutWaiting
from domain.payouts.channel import PayoutChannel
from domain.payouts.runs import PayoutSchedule, last_slot, open_scheduled_runs, set_payout_schedule
from domain.pii import PiiCipher
from payments.sandbox.transfers import Outcome, TransferSandbox
from startup.clients import Clients
from tests.conftest import Shop, open_shop
from tests.payouts.conftest import (
    bills_of,
    earn,
    next_monday_at_10,
    payouts_of,
    round_until_idle,
    shareholder_program,
    shareholders,
)
from workers.crons import cron_jobs
from workers.events import HANDLERS, notify_payout_sent, notify_payout_waiting

CST = ZoneInfo("Asia/Shanghai")


def test_the_payout_round_is_a_registered_cron_and_payout_events_have_handlers() -> None:
    assert "payouts" in {job.name for job in cron_jobs()}
    assert HANDLERS[PayoutSent] == (notify_payout_sent,)
    assert HANDLERS[PayoutWaiting] == (notify_payout_waiting,)


def test_the_latest_slot_is_the_last_chosen_weekday_at_the_hour_in_the_merchants_zone() -> None:
    mondays_at_10 = PayoutSchedule((1,), 10, True)

    def slot(schedule: PayoutSchedule, zone: str, at: datetime) -> str | None:
        found = last_slot(schedule, zone, at)
        return found.isoformat() if found else None

    # 2026-11-23 is a Monday
    assert slot(mondays_at_10, "Asia/Shanghai", datetime(2026, 11, 23, 9, 59, tzinfo=CST)) == "2026-11-16"
    assert slot(mondays_at_10, "Asia/Shanghai", datetime(2026, 11, 23, 10, 0, tzinfo=CST)) == "2026-11-23"
    assert slot(mondays_at_10, "Asia/Shanghai", datetime(2026, 11, 29, 23, 0, tzinfo=CST)) == "2026-11-23"
    assert (
        slot(PayoutSchedule((1, 4), 9, True), "Europe/Paris", datetime(2026, 11, 27, 8, 0, tzinfo=CST)) == "2026-11-26"
    )
    assert slot(PayoutSchedule((1,), 10, False), "Asia/Shanghai", datetime(2026, 11, 23, 11, tzinfo=CST)) is None


async def test_each_schedule_opens_one_run_per_slot_however_many_workers_look(
    mongo: Mongo, shop: Shop, pii: PiiCipher
) -> None:
    # given a shop on the default schedule and another that turned scheduled payouts off
    other = await open_shop(mongo, pii, "13900000002", name="乙店")
    await set_payout_schedule(mongo=mongo, actor=other.merchant.owner, schedule=PayoutSchedule((1,), 10, enabled=False))
    monday = next_monday_at_10(datetime.now(UTC)) + timedelta(minutes=5)

    # when three workers look at Monday 10:05, one again on Sunday, and one the next Monday at 10:00
    opened = await asyncio.gather(*(open_scheduled_runs(mongo=mongo, now=monday) for _ in range(3)))
    sunday = await open_scheduled_runs(mongo=mongo, now=monday + timedelta(days=6, hours=12))
    next_monday = await open_scheduled_runs(mongo=mongo, now=monday + timedelta(days=7, minutes=-5))

    # then the first shop got one run for each Monday, and the other none
    assert (sum(opened), sunday, next_monday) == (1, 0, 1)
    runs = await mongo.db[c.PAYOUT_RUNS].find().sort("_id", 1).to_list()
    assert [(r["merchant_id"], r["key"], r["trigger"]) for r in runs] == [
        (shop.merchant.merchant.id, f"schedule:{monday.date().isoformat()}", "SCHEDULE"),
        (shop.merchant.merchant.id, f"schedule:{(monday + timedelta(days=7)).date().isoformat()}", "SCHEDULE"),
    ]


async def test_a_new_merchant_gets_no_run_for_a_slot_that_passed_before_it_existed(
    mongo: Mongo, pii: PiiCipher
) -> None:
    # given a merchant created just now, on the default schedule (Mondays at 10:00), last Monday long gone
    shop = await open_shop(mongo, pii, "13900000003")
    created = datetime.now(UTC)

    # when the payout cron looks within the minute, and again at the merchant's first Monday 10:00
    at_once = await open_scheduled_runs(mongo=mongo, now=created + timedelta(minutes=1))
    first_slot = next_monday_at_10(created)
    on_the_slot = await open_scheduled_runs(mongo=mongo, now=first_slot + timedelta(minutes=1))

    # then no run appears for last Monday; the first run is that first Monday's
    assert at_once == 0
    assert on_the_slot == 1
    runs = await mongo.db[c.PAYOUT_RUNS].find({"merchant_id": shop.merchant.merchant.id}).to_list()
    assert [r["key"] for r in runs] == [f"schedule:{first_slot.date().isoformat()}"]


async def test_the_worker_pays_out_on_schedule_and_the_member_is_told(
    mongo: Mongo, shop: Shop, channel: PayoutChannel, transfers: TransferSandbox, clients: Clients
) -> None:
    # given a shareholder with 12.34 yuan available, on the default weekly schedule, and its slot come
    [a] = await shareholders(mongo, shop, await shareholder_program(mongo, shop), 1)
    await earn(mongo, shop, a.id, 1_234)
    slot = next_monday_at_10(datetime.now(UTC))

    # when the worker's payout rounds run (twice: the bill is looked at again while it waits) and the worker
    # handles the PAYOUT_WAITING event, twice, as a re-run would
    await round_until_idle(mongo, channel, slot)
    await round_until_idle(mongo, channel, slot)
    [waiting] = await mongo.db[c.OUTBOX].find({"kind": "PAYOUT_WAITING"}).to_list()
    for _ in range(2):
        await notify_payout_waiting(
            clients, outbox.entry_from_doc(waiting), PayoutWaiting.from_payload(waiting["payload"])
        )

    # then the member is asked, once, to collect the transfer before WeChat Pay closes it
    notes = await mongo.db[c.NOTIFICATIONS].find({"member_id": a.id}).to_list()
    assert [(n["topic"], n["title"]) for n in notes] == [("PAYOUT_WAITING", "分红待收款")]
    assert "12.34元" in notes[0]["body"] and "24 小时内" in notes[0]["body"]

    # when the member confirms the transfer and the worker handles PAYOUT_SENT (twice), and a late PAYOUT_WAITING
    [payout] = await payouts_of(mongo, a.id)
    [bill] = await bills_of(mongo, payout["_id"])
    await transfers.confirm(bill["out_bill_no"], Outcome.SUCCESS)
    [event] = await mongo.db[c.OUTBOX].find({"kind": "PAYOUT_SENT"}).to_list()
    for _ in range(2):
        await notify_payout_sent(clients, outbox.entry_from_doc(event), PayoutSent.from_payload(event["payload"]))
    late = waiting | {"_id": ObjectId()}
    await notify_payout_waiting(clients, outbox.entry_from_doc(late), PayoutWaiting.from_payload(late["payload"]))

    # then the scheduled run paid them, their inbox says so once, and nothing more asks them to collect it
    run = await mongo.db[c.PAYOUT_RUNS].find_one({"_id": payout["run_id"]})
    assert run is not None and run["trigger"] == "SCHEDULE"
    notes = await mongo.db[c.NOTIFICATIONS].find({"member_id": a.id}).sort("_id", 1).to_list()
    assert [(n["topic"], n["title"]) for n in notes] == [
        ("PAYOUT_WAITING", "分红待收款"),
        ("PAYOUT_SENT", "分红已发放"),
    ]
    assert "12.34元" in notes[1]["body"]
