"""The rollups equal a recomputation from the orders after a random mix of sales, partial refunds and top-ups,
and the running balances and level counts a fresh sum of the cards, count cards and commission accounts; a
balance event counts once however often it is handled; and the dashboard (report and balanceReport as the staff
app asks them) costs the same MongoDB commands for 10 paid orders as for 5,000.
"""

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.access_log import MEMBER_SELF
from domain.account_closing.erasure import close_account
from domain.cards.count_cards import grant_count_card, use_count_card
from domain.cards.ledger import SYSTEM
from domain.cards.points import redeem_points
from domain.cards.program import LevelInput, load_program, set_levels
from domain.commissions.accrual import on_order_paid as accrue
from domain.commissions.reversal import on_order_refunded as reverse
from domain.events import BalanceChanged, OrderPaid, OrderRefunded
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from domain.reports import balances, rebuild, report, rollups, visits
from tests.checkout.conftest import counter_sale, give, shopper
from tests.commissions.conftest import appoint, open_program
from tests.conftest import Gql, Shop, count_commands_on
from tests.coupons.conftest import Customer
from tests.referrals.conftest import bind
from tests.reports.conftest import (
    MEMBER_EVENTS,
    count_balance_entry,
    count_events,
    count_member_entry,
    owner_token,
    paid_at,
    paid_order_docs,
)
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


async def fresh_balances(mongo: Mongo, merchant_id: ObjectId, now: datetime) -> balances.Balances:
    """What the merchant owes summed now from every card, unexpired count card and commission account."""
    cards = await mongo.db[c.CARDS].find({"merchant_id": merchant_id}).to_list()
    unexpired = {"merchant_id": merchant_id, "expires_at": {"$gt": now}}
    count_cards = await mongo.db[c.COUNT_CARDS].find(unexpired).to_list()
    accounts = await mongo.db[c.COMMISSION_ACCOUNTS].find({"merchant_id": merchant_id}).to_list()
    return balances.Balances(
        stored_value_paid_fen=sum(d["stored_paid"] for d in cards),
        stored_value_bonus_fen=sum(d["stored_bonus"] for d in cards),
        points=sum(d["points"] for d in cards),
        count_card_uses=sum(d["remaining"] for d in count_cards),
        commissions_pending_fen=sum(d.get("pending_fen", 0) for d in accounts),
        commissions_available_fen=sum(d.get("available_fen", 0) for d in accounts),
        commissions_owed_back_fen=sum(d.get("owed_fen", 0) for d in accounts),
    )


async def fresh_levels(mongo: Mongo, merchant_id: ObjectId) -> dict[ObjectId, int]:
    """Members holding each level, counted now from the cards of accounts not closed."""
    found: dict[ObjectId, int] = {}
    held = {"merchant_id": merchant_id, "status": {"$ne": "CLOSED"}}
    async for card in mongo.db[c.CARDS].find(held, {"level_id": 1}):
        found[card["level_id"]] = found.get(card["level_id"], 0) + 1
    return found


async def running_totals(mongo: Mongo, shop: Shop, now: datetime) -> tuple[balances.Balances, dict[ObjectId, int]]:
    """balanceReport's figures and the report's level distribution, as the dashboard reads them."""
    owner, today = shop.merchant.owner, now.astimezone(SHANGHAI).date()
    got = await report.report(
        mongo=mongo, actor=owner, store_id=None, first=today, last=today, period=report.Period.DAY, now=now
    )
    levels = {level.id: n for level, n in got.members.levels if n}
    return await balances.balances(mongo=mongo, actor=owner, now=now), levels


async def accrue_and_reverse_a_commission(mongo: Mongo, shop: Shop, payer: Customer, shareholder: Customer) -> None:
    """The payer's sale earns the shareholder a commission, and half of it is refunded (the handlers run)."""
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    assert (await bind(mongo, shop, payer.id, shareholder.id)).bound
    order_id = await counter_sale(mongo, shop, shop.merchant.store.id, 2_000, member_id=payer.id)
    await refund(mongo, shop, order_id, 1_000, datetime.now(UTC))
    paid = await mongo.db[c.OUTBOX].find_one({"kind": OrderPaid.KIND, "payload.order_id": order_id})
    refunded = await mongo.db[c.OUTBOX].find_one({"kind": OrderRefunded.KIND, "payload.order_id": order_id})
    assert paid is not None and refunded is not None
    await accrue(mongo=mongo, event=OrderPaid.from_payload(paid["payload"]))
    await reverse(mongo=mongo, event=OrderRefunded.from_payload(refunded["payload"]))


async def card_operation(mongo: Mongo, shop: Shop, rng: random.Random, card: Doc, hour: datetime) -> None:
    """Points redeemed, or one use of a count card, or (when there is none to spend) a count card granted."""
    merchant_id, member_id, roll = shop.merchant.merchant.id, card["member_id"], rng.random()
    if roll < 0.3 and card["points"] >= 10:
        await redeem_points(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=member_id,
            points=rng.randint(1, card["points"] // 10) * 10,
            reference="mix",
            idempotency_key=uuid.uuid4().hex,
            actor=SYSTEM,
        )
        return
    left = {"merchant_id": merchant_id, "remaining": {"$gt": 0}}
    usable = await mongo.db[c.COUNT_CARDS].find(left, {"_id": 1}).to_list()
    if roll >= 0.65 and usable:
        await use_count_card(
            mongo=mongo,
            actor=shop.merchant.owner,
            count_card_id=rng.choice(usable)["_id"],
            idempotency_key=uuid.uuid4().hex,
        )
        return
    await grant_count_card(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=member_id,
        name="洗剪吹十次",
        uses=rng.randint(1, 5),
        # half an hour past an hour, so the lapse checked below falls between hours
        expires_at=hour + timedelta(days=rng.randint(1, 60), minutes=30),
        reference="mix",
        idempotency_key=uuid.uuid4().hex,
        actor=SYSTEM,
    )


async def test_a_closed_account_leaves_the_members_by_level_and_a_rebuild_agrees(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given three members with cards, counted by level
    merchant_id, now = shop.merchant.merchant.id, datetime.now(UTC)
    members = [await shopper(mongo, shop, name=f"会员{i}") for i in range(3)]
    await count_events(mongo)
    [(lowest, three)] = (await running_totals(mongo, shop, now))[1].items()

    # when one of them closes their account, and its events are counted (twice, as a redelivery would)
    await close_account(mongo=mongo, pii=pii, merchant_id=merchant_id, member_id=members[0].id, who=MEMBER_SELF)
    await count_events(mongo)
    await count_events(mongo)

    # then two members hold the level, as the cards say, and a rebuild counts the same
    assert three == 3
    assert (await running_totals(mongo, shop, now))[1] == {lowest: 2} == await fresh_levels(mongo, merchant_id)
    await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id)
    assert (await running_totals(mongo, shop, now))[1] == {lowest: 2}


async def test_the_rollups_equal_a_rebuild_after_a_random_mix_of_pays_refunds_and_top_ups(
    mongo: Mongo, shop: Shop
) -> None:
    # given silver at 50 yuan, and forty seeded-random operations: cash and stored-value sales (earning points
    # and levels), partial refunds, top-ups with bonus, points redeemed, count cards granted and used
    rng, now = random.Random(16), datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    merchant_id, owner = shop.merchant.merchant.id, shop.merchant.owner
    current = await load_program(mongo=mongo, merchant_id=merchant_id)
    await set_levels(
        mongo=mongo,
        actor=owner,
        levels=[
            LevelInput(lv.id, lv.name, threshold, lv.discount_bp, lv.points_multiplier_bp)
            for lv, threshold in zip(current.levels, [0, 5_000, 500_000], strict=True)
        ],
    )
    members = [await shopper(mongo, shop, name=f"会员{i}") for i in range(3)]
    store_id = shop.merchant.store.id
    paid: list[tuple[ObjectId, int]] = []
    for i in range(40):
        roll, member = rng.random(), rng.choice(members)
        card = await mongo.db[c.CARDS].find_one({"member_id": member.id})
        assert card is not None
        if roll < 0.15:
            await give(mongo, shop, member, stored=(rng.randint(1, 50) * 100, rng.randint(0, 10) * 100))
        elif roll < 0.3 and paid:
            order_id, left = paid.pop(rng.randrange(len(paid)))
            part = rng.randint(1, left)
            await refund(mongo, shop, order_id, part, datetime.now(UTC) + timedelta(days=i % 3))
        elif roll < 0.54:
            await card_operation(mongo, shop, rng, card, hour)
        else:
            fen = rng.randint(1, 300) * 10
            method = PayMethod.CASH
            if card["stored_paid"] + card["stored_bonus"] >= fen and rng.random() < 0.5:
                method = PayMethod.STORED_VALUE
            order_id = await counter_sale(mongo, shop, store_id, fen, method=method, member_id=member.id)
            # paid on one of the last forty days, so the members' paid days cross a month
            await paid_at(mongo, order_id, now - timedelta(days=rng.randint(0, 40)))
            paid.append((order_id, fen))
    await accrue_and_reverse_a_commission(mongo, shop, members[0], await shopper(mongo, shop, name="股东"))
    await count_events(mongo)
    kept = await rollup_docs(mongo)

    # then the balances and the members by level the events kept are a fresh sum of the cards and accounts, now
    # and thirty days on, when some count cards have lapsed
    later = hour + timedelta(days=30, hours=2)
    owed, levels = await running_totals(mongo, shop, now)
    assert owed == await fresh_balances(mongo, merchant_id, now)
    assert (await balances.balances(mongo=mongo, actor=owner, now=later)) == await fresh_balances(
        mongo, merchant_id, later
    )
    assert levels == await fresh_levels(mongo, merchant_id)
    assert owed.stored_value_bonus_fen and owed.points and owed.count_card_uses and owed.commissions_pending_fen
    assert len(levels) == 2

    # when a top-up is made whose event the reports have not handled yet, and the reports are rebuilt
    await give(mongo, shop, members[1], stored=(500, 100))
    done = await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id)

    # then the rebuilt rollups are the ones the events kept, and the rebuild is live
    assert done.generation == 1
    assert await rollup_docs(mongo) == kept
    assert kept[0]
    # the new members among them, by how they came: four joined today, the payer through the shareholder's link
    assert [doc["j"] for doc in kept[0] if "j" in doc] == [{"NONE": 3, "LOGIN_SHARE": 1}]

    # and the rebuilt balances count the top-up once, also after its event is handled at last
    await count_events(mongo)
    assert await running_totals(mongo, shop, now) == (await fresh_balances(mongo, merchant_id, now), levels)
    assert (await balances.balances(mongo=mongo, actor=owner, now=now)).stored_value_bonus_fen == (
        owed.stored_value_bonus_fen + 100
    )

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


async def sales_mix(mongo: Mongo, shop: Shop, now: datetime) -> None:
    """Thirty seeded-random operations on the orders alone: cash and stored-value sales, partial refunds, top-ups."""
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


async def test_a_rebuild_meeting_events_already_counted_in_its_generation_counts_each_once(
    mongo: Mongo, shop: Shop
) -> None:
    # given the random mix counted by the events, and a rebuild's generation (its lock lapsed) in which the
    # handlers counted every third order and member event meanwhile, as they do while a rebuild runs
    await sales_mix(mongo, shop, datetime.now(UTC))
    await count_events(mongo)
    kept = await rollup_docs(mongo)
    merchant_id = shop.merchant.merchant.id
    past = datetime.now(UTC) - timedelta(hours=1)
    await mongo.db[c.REPORT_STATE].insert_one(
        {"merchant_id": merchant_id, "live": 0, "last_gen": 0, "building": 1, "lock_until": past}
    )
    kinds = {"$in": [OrderPaid.KIND, OrderRefunded.KIND, *MEMBER_EVENTS]}
    entries = await mongo.db[c.OUTBOX].find({"kind": kinds}).sort("_id", 1).to_list()
    for i, entry in enumerate(entries):
        if i % 3 == 0 and entry["kind"] == OrderPaid.KIND:
            await rollups.on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry["payload"]))
        elif i % 3 == 0 and entry["kind"] == OrderRefunded.KIND:
            await rollups.on_order_refunded(mongo=mongo, event=OrderRefunded.from_payload(entry["payload"]))
        elif i % 3 == 0:
            await count_member_entry(mongo, entry)

    # when the rebuild runs into that generation
    done = await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id)

    # then each order, refund and new member counts once there, members' paid days and markers included
    assert done.generation == 1
    assert await rollup_docs(mongo) == kept


@pytest.mark.slow
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


async def test_a_balance_event_handled_twice_or_at_once_counts_once(mongo: Mongo, shop: Shop) -> None:
    # given a top-up with bonus whose BALANCE_CHANGED is delivered three times, two of them at once
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(5_000, 800))
    entry = await mongo.db[c.OUTBOX].find_one({"kind": BalanceChanged.KIND, "payload.member_id": member.id})
    assert entry is not None

    # when the report handler runs for each delivery
    await asyncio.gather(*(count_balance_entry(mongo, entry) for _ in range(2)))
    await count_balance_entry(mongo, entry)

    # then the stored value owed has the top-up once
    owed = await balances.balances(mongo=mongo, actor=shop.merchant.owner)
    assert (owed.stored_value_paid_fen, owed.stored_value_bonus_fen) == (5_000, 800)
