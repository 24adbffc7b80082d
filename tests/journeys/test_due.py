"""Who each journey reaches: exactly the members due on the day, at the edges of N days, once per rule and period
however many evaluations run or race, with the control share held back and given nothing; and the expiry reminder
sends nothing while the owner has it off.
"""

import asyncio
from datetime import timedelta

from db import collections as c
from db.mongo import Mongo
from domain.journeys import daily, rules
from domain.journeys.rules import JourneyKind, JourneyRule
from tests.conftest import Shop
from tests.coupons.conftest import make_members
from tests.journeys.conftest import NOW, gift, journey_coupons, members_who_paid, sends, switch_on
from tests.workers.conftest import coupon_template


async def test_win_back_reaches_members_whose_latest_visit_was_n_days_ago(mongo: Mongo, shop: Shop) -> None:
    # given win-back after 30 days, and members whose latest paid visit was 29, 30, 31 and 32 days ago, one who
    # paid 30 days ago and came back 5 days ago, and one who paid twice, 40 and 30 days ago
    await switch_on(mongo, shop, JourneyKind.WIN_BACK, days=30)
    m = await members_who_paid(
        mongo, shop, {"n-1": [29], "n": [30], "n+1": [31], "n+2": [32], "back": [30, 5], "twice": [40, 30]}
    )

    # when the day's journeys run
    await daily.evaluate_all(mongo=mongo, now=NOW)

    # then N days and the day before (yesterday's, should the worker have been down) each got one coupon
    due = sorted([m["n"].id, m["n+1"].id, m["twice"].id])
    assert await journey_coupons(mongo, shop, JourneyKind.WIN_BACK) == due
    assert await sends(mongo, shop, JourneyKind.WIN_BACK) == {member: ("TREATMENT", True) for member in due}


async def test_thank_you_reaches_members_whose_first_visit_was_n_days_ago(mongo: Mongo, shop: Shop) -> None:
    # given thank-you 3 days after the first visit, and members who first paid 2, 3, 4 and 5 days ago, one who
    # first paid 3 days ago and came again yesterday, and a regular who also paid 3 days ago
    await switch_on(mongo, shop, JourneyKind.THANK_YOU, days=3)
    m = await members_who_paid(
        mongo, shop, {"n-1": [2], "n": [3], "n+1": [4], "n+2": [5], "again": [3, 1], "regular": [60, 3]}
    )

    # when the day's journeys run
    await daily.evaluate_all(mongo=mongo, now=NOW)

    # then the first visits of 3 days ago (and 4, caught up) got one coupon each, the regular none
    due = sorted([m["n"].id, m["n+1"].id, m["again"].id])
    assert await journey_coupons(mongo, shop, JourneyKind.THANK_YOU) == due


async def test_a_journey_run_twice_in_a_day_and_raced_sends_once(mongo: Mongo, shop: Shop) -> None:
    # given win-back after 30 days holding back half as a control group, and 8 members lapsed 30 days ago
    await switch_on(mongo, shop, JourneyKind.WIN_BACK, days=30, control_percent=50)
    m = await members_who_paid(mongo, shop, {f"lapsed{i}": [30] for i in range(8)})

    # when two evaluations race, and another runs later that day
    raced = await asyncio.gather(*(daily.evaluate_all(mongo=mongo, now=NOW) for _ in range(2)))
    later = await daily.evaluate_all(mongo=mongo, now=NOW.replace(hour=NOW.hour + 5))

    # then every member was reached once between them: the treatment group one coupon each, the control none
    assert (sum(raced), later) == (8, 0)
    reached = await sends(mongo, shop, JourneyKind.WIN_BACK)
    assert set(reached) == {member.id for member in m.values()}
    treated = sorted(member for member, (group, _) in reached.items() if group == "TREATMENT")
    assert 0 < len(treated) < 8
    assert all(got == (group == "TREATMENT") for group, got in reached.values())
    assert await journey_coupons(mongo, shop, JourneyKind.WIN_BACK) == treated


async def test_the_expiry_reminder_switched_off_sends_none_and_switched_on_again_reminds(
    mongo: Mongo, shop: Shop
) -> None:
    # given a member holding a coupon that expires in two days, and the owner switching the reminder off
    [member] = await make_members(mongo, shop, 1)
    await gift(mongo, shop, await coupon_template(mongo, shop, title="两天券", days=2), member)
    off = JourneyRule(JourneyKind.EXPIRY_REMINDER, enabled=False, days=3, control_percent=0)
    await rules.set_rules(mongo=mongo, actor=shop.merchant.owner, rules=[off], now=NOW)

    # when the journeys run, then the owner switches the reminder back on and they run again
    silent = await daily.evaluate_all(mongo=mongo, now=NOW)
    await switch_on(mongo, shop, JourneyKind.EXPIRY_REMINDER, days=3)
    reminded = await daily.evaluate_all(mongo=mongo, now=NOW + timedelta(hours=1))

    # then nothing went while it was off, and the coupon still in its window was reminded once it was on
    assert (silent, reminded) == (0, 1)
    events = (
        await mongo.db[c.OUTBOX].find({"merchant_id": shop.merchant.merchant.id, "kind": "COUPON_EXPIRING"}).to_list()
    )
    assert [e["payload"]["member_id"] for e in events] == [member.id]
