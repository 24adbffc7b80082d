"""The rollups equal a recomputation from the orders after a random mix of sales, partial refunds and top-ups;
and the dashboard (report and balanceReport as the staff app asks them) costs the same MongoDB commands for 10
paid orders as for 5,000.
"""

import random
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.events import OrderPaid, OrderRefunded
from domain.orders.model import PayMethod
from domain.reports import rebuild, report, rollups, visits
from tests.checkout.conftest import counter_sale, give, shopper
from tests.conftest import Gql, Shop, count_commands_on
from tests.reports.conftest import count_events, owner_token, paid_at, paid_order_docs
from tests.reports.test_report import SHANGHAI, refund

DASHBOARD = """
query($from: Date!, $to: Date!) {
  report(from: $from, to: $to, period: DAY) {
    report {
      from to period
      stores { id name }
      takings { grossFen refundsFen netFen orders averageTicketFen }
      trend { start netFen }
      byPaymentMethod { method netFen }
      byStore { store { id name } takings { netFen orders } }
      topItems(first: 10) { itemId name quantity netFen }
      members {
        newMembers payingMembers repeatMembers bySource { source members } levels { level { id name } members }
      }
      memberGrowth { start newMembers }
    }
    userErrors { code }
  }
  balanceReport {
    balances {
      storedValuePaidFen storedValueBonusFen points countCardUses
      commissionsPendingFen commissionsAvailableFen commissionsOwedBackFen
    }
    userErrors { code }
  }
}
"""


async def rollup_docs(mongo: Mongo) -> list[list[Doc]]:
    """Every day, member-month and member-latest rollup of the live generation, without ids or generation."""
    state = await mongo.db[c.REPORT_STATE].find_one({})
    gen = state["live"] if state else 0
    found = []
    for name in (c.REPORT_DAYS, c.REPORT_MEMBER_MONTHS, c.REPORT_MEMBER_LAST):
        docs = await mongo.db[name].find({"gen": gen}, {"_id": 0, "gen": 0}).to_list()
        for doc in docs:
            # A marker that moved away reads 0 where events moved it and is absent where the rebuild never put it.
            if "v" in doc:
                doc["v"] = {marker: n for marker, n in doc["v"].items() if n}
        found.append(
            sorted(
                docs, key=lambda d: (str(d["store_id"]), d.get("day", ""), d.get("month", ""), str(d.get("member_id")))
            )
        )
    return found


async def random_mix(mongo: Mongo, shop: Shop, now: datetime) -> None:
    """Thirty seeded-random operations: cash and stored-value sales, partial refunds, top-ups with bonus."""
    rng = random.Random(16)
    members = [await shopper(mongo, shop, name=f"会员{i}") for i in range(3)]
    store_id = shop.merchant.store.id
    paid: list[tuple[ObjectId, int]] = []
    for i in range(30):
        roll, member = rng.random(), rng.choice(members)
        if roll < 0.2:
            await give(mongo, shop, member, stored=(rng.randint(1, 50) * 100, rng.randint(0, 10) * 100))
        elif roll < 0.4 and paid:
            order_id, left = paid.pop(rng.randrange(len(paid)))
            part = rng.randint(1, left)
            await refund(mongo, shop, order_id, part, datetime.now(UTC) + timedelta(days=i % 3))
        else:
            fen = rng.randint(1, 300) * 10
            method = PayMethod.CASH
            card = await mongo.db[c.CARDS].find_one({"member_id": member.id})
            if card and card["stored_paid"] + card["stored_bonus"] >= fen and rng.random() < 0.5:
                method = PayMethod.STORED_VALUE
            order_id = await counter_sale(mongo, shop, store_id, fen, method=method, member_id=member.id)
            # paid on one of the last forty days, so the members' paid days cross a month
            await paid_at(mongo, order_id, now - timedelta(days=rng.randint(0, 40)))
            paid.append((order_id, fen))


async def test_the_rollups_equal_a_rebuild_after_a_random_mix_of_pays_refunds_and_top_ups(
    mongo: Mongo, shop: Shop
) -> None:
    # given thirty seeded-random operations: cash and stored-value sales, partial refunds, top-ups with bonus
    now = datetime.now(UTC)
    await random_mix(mongo, shop, now)
    store_id = shop.merchant.store.id
    await count_events(mongo)
    kept = await rollup_docs(mongo)

    # when the reports are rebuilt from the orders
    done = await rebuild.rebuild(mongo=mongo, merchant_id=shop.merchant.merchant.id)

    # then the rebuilt rollups are the ones the events kept, and the rebuild is live
    assert done.generation == 1
    assert await rollup_docs(mongo) == kept
    assert kept[0]

    # and the paying and repeat members the day markers give for the app's ranges, store by store and for the
    # merchant, are the ones counted from the members' paid days
    today = now.astimezone(SHANGHAI).date()
    month = today.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    ranges = [
        (today, today),
        (today - timedelta(days=1), today - timedelta(days=1)),
        (today - timedelta(days=6), today),
        (month, today),
        (last_month, month - timedelta(days=1)),
        (last_month, last_month + timedelta(days=9)),
        (today - timedelta(days=40), today),
    ]
    for store in (store_id, None):
        for first, last in ranges:
            got = await report.report(
                mongo=mongo,
                actor=shop.merchant.owner,
                store_id=store,
                first=first,
                last=last,
                period=report.Period.DAY,
                now=now,
            )
            counted = await visits.from_member_months(
                mongo=mongo,
                merchant_id=shop.merchant.merchant.id,
                generation=1,
                scopes=[store],
                first=first,
                last=last,
            )
            figures = (got.members.paying_members, got.members.repeat_members)
            assert figures == (counted.members, counted.repeat), (store, first, last)


async def test_a_rebuild_meeting_events_already_counted_in_its_generation_counts_each_once(
    mongo: Mongo, shop: Shop
) -> None:
    # given the random mix counted by the events, and a rebuild's generation (its lock lapsed) in which the
    # handlers counted every third event meanwhile, as they do while a rebuild runs
    await random_mix(mongo, shop, datetime.now(UTC))
    await count_events(mongo)
    kept = await rollup_docs(mongo)
    merchant_id = shop.merchant.merchant.id
    past = datetime.now(UTC) - timedelta(hours=1)
    await mongo.db[c.REPORT_STATE].insert_one(
        {"merchant_id": merchant_id, "live": 0, "last_gen": 0, "building": 1, "lock_until": past}
    )
    kinds = {"$in": [OrderPaid.KIND, OrderRefunded.KIND]}
    entries = await mongo.db[c.OUTBOX].find({"kind": kinds}).sort("_id", 1).to_list()
    for i, entry in enumerate(entries):
        if i % 3 == 0 and entry["kind"] == OrderPaid.KIND:
            await rollups.on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry["payload"]))
        elif i % 3 == 0:
            await rollups.on_order_refunded(mongo=mongo, event=OrderRefunded.from_payload(entry["payload"]))

    # when the rebuild runs into that generation
    done = await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id)

    # then each order and refund counts once there, members' paid days and markers included
    assert done.generation == 1
    assert await rollup_docs(mongo) == kept


async def test_the_dashboard_costs_the_same_commands_for_10_and_5000_paid_orders(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given a shop with 10 paid orders, counted
    member = await shopper(mongo, shop)
    since = datetime.now(UTC) - timedelta(days=200)
    variables = {
        "from": (since - timedelta(days=100)).date().isoformat(),
        "to": (since + timedelta(days=200)).date().isoformat(),
    }
    await mongo.db[c.ORDERS].insert_many(paid_order_docs(shop, 10, since, [member.id]))
    await rebuild.rebuild(mongo=mongo, merchant_id=shop.merchant.merchant.id)
    with count_commands_on(mongo) as few:
        small = await gql("admin", DASHBOARD, variables, token=owner_token(shop))

    # when it has 5,000
    await mongo.db[c.ORDERS].insert_many(paid_order_docs(shop, 4_990, since + timedelta(days=1), [member.id]))
    await rebuild.rebuild(mongo=mongo, merchant_id=shop.merchant.merchant.id)
    with count_commands_on(mongo) as many:
        large = await gql("admin", DASHBOARD, variables, token=owner_token(shop))

    # then the dashboard sends the same commands (its two fields resolve side by side, so in either order), and
    # counts every order
    assert "errors" not in small and "errors" not in large
    assert small["data"]["report"]["report"]["takings"]["orders"] == 10
    assert large["data"]["report"]["report"]["takings"]["orders"] == 5_000
    assert sorted(many) == sorted(few)
