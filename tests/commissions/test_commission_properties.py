"""Hypothesis over random orders, refunds (some racing, some replayed), releases and payouts: for every
beneficiary, accrued − reversed equals the sum over orders of floor(rate × net paid), the ledger sums to the
account bucket by bucket, nothing goes negative, and pending + available + paid out − owed is exactly what
the beneficiary has earned net of refunds (refunds after a payout included).

Run in a worker thread with its own event loop and Mongo client (hypothesis is synchronous); each example
uses a fresh chain grandpa → shareholder → friend appointed into one program with awkward rates, and a fresh
technician with a walk-in they brought, whose commissions the owner pays through payroll (domain.payouts).
"""

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis
import pytest
from bson import ObjectId
from hypothesis import strategies as st

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.programs import Program, appoint_shareholder
from domain.commissions.release import release_due_commissions
from domain.commissions.reversal import on_order_refunded
from domain.coupons.touch import Sharer
from domain.events import OrderPaid, OrderRefunded
from domain.payouts.offline import settle_staff_offline
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.tenancy import Role, add_staff
from startup.settings import Settings
from tests.commissions.conftest import account, ledger_sums, open_program
from tests.conftest import PASSWORDS, Shop
from tests.referrals.conftest import bind, make_members

LEVEL1_BP, LEVEL2_BP, STAFF_BP = 1234, 777, 321
fen = st.integers(min_value=0, max_value=300_000)
share = st.integers(min_value=0, max_value=100)  # percent of what is left of the order
pay = st.tuples(st.just("pay"), fen, st.booleans())
refund = st.tuples(st.just("refund"), st.integers(min_value=0, max_value=9), share, st.booleans())
settle = st.tuples(st.just("settle"), st.booleans())
steps = st.lists(st.one_of(pay, pay, refund, refund, settle), min_size=1, max_size=8)


@dataclass(frozen=True)
class Arena:
    settings: Settings
    pii: PiiCipher
    shop: Shop
    program: Program


@dataclass
class Play:
    mongo: Mongo
    arena: Arena
    grandpa: ObjectId
    shareholder: ObjectId
    friend: ObjectId
    technician: ObjectId
    walk_in: ObjectId
    orders: list[OrderPaid] = field(default_factory=list)
    refunded: dict[ObjectId, int] = field(default_factory=dict)
    paid_out: int = 0

    async def pay(self, amount: int, by_walk_in: bool) -> None:
        order = OrderPaid(
            order_id=ObjectId(),
            merchant_id=self.arena.shop.merchant.merchant.id,
            member_id=self.walk_in if by_walk_in else self.friend,
            store_id=self.arena.shop.merchant.store.id,
            paid_at=datetime.now(UTC) - timedelta(days=10),
            consumption_paid_fen=amount,
        )
        # delivered twice at once: it must accrue once
        await asyncio.gather(on_order_paid(mongo=self.mongo, event=order), on_order_paid(mongo=self.mongo, event=order))
        self.orders.append(order)
        self.refunded[order.order_id] = 0

    async def refund(self, index: int, percent: int, race: bool) -> None:
        if not self.orders:
            return
        order = self.orders[index % len(self.orders)]
        left = order.consumption_paid_fen - self.refunded[order.order_id]
        parts = [left * percent // 200, left * percent // 200] if race else [left * percent // 100]
        events = [
            OrderRefunded(
                order.order_id, str(ObjectId()), part, order.consumption_paid_fen, order.merchant_id, order.member_id
            )
            for part in parts
        ]
        # two different refunds at once (race), then every one delivered again
        await asyncio.gather(*(on_order_refunded(mongo=self.mongo, event=e) for e in events))
        await asyncio.gather(*(on_order_refunded(mongo=self.mongo, event=e) for e in events))
        self.refunded[order.order_id] += sum(parts)

    async def settle(self, payout: bool) -> None:
        await release_due_commissions(mongo=self.mongo)
        if payout:
            done = await settle_staff_offline(
                mongo=self.mongo,
                actor=self.arena.shop.merchant.owner,
                staff_id=self.technician,
                reference=None,
                idempotency_key=str(ObjectId()),
            )
            self.paid_out += done.payout.amount_fen if done.payout else 0

    def expected(self, payer: ObjectId, rate: int) -> int:
        return sum(
            rate * (o.consumption_paid_fen - self.refunded[o.order_id]) // 10_000
            for o in self.orders
            if o.member_id == payer
        )

    async def check(self) -> None:
        earners = (
            (self.shareholder, self.expected(self.friend, LEVEL1_BP)),
            (self.grandpa, self.expected(self.friend, LEVEL2_BP)),
            (self.technician, self.expected(self.walk_in, STAFF_BP)),
        )
        for who, expected in earners:
            docs = await self.mongo.db[c.COMMISSIONS].find({"beneficiary_id": who}).to_list()
            earned = sum(d["amount_fen"] - d["reversed_fen"] for d in docs)
            assert earned == expected, (who, earned, expected)
            balances = await account(self.mongo, who)
            assert await ledger_sums(self.mongo, who) == balances
            assert min(balances.values()) >= 0
            paid_out = self.paid_out if who == self.technician else 0
            assert balances["pending_fen"] + balances["available_fen"] + paid_out - balances["owed_fen"] == earned


async def _play(mongo: Mongo, arena: Arena, moves: list[Any]) -> None:
    shop = arena.shop
    grandpa, shareholder, friend, walk_in = await make_members(mongo, shop.merchant.merchant.id, 4, "p")
    await bind(mongo, shop, shareholder.id, grandpa.id)
    await bind(mongo, shop, friend.id, shareholder.id)
    for member in (grandpa, shareholder):
        await appoint_shareholder(
            mongo=mongo, actor=shop.merchant.owner, member_id=member.id, program_id=arena.program.id
        )
    technician = await add_staff(
        mongo=mongo,
        pii=arena.pii,
        passwords=PASSWORDS,
        actor=shop.merchant.owner,
        name="技师",
        phone=f"137{secrets.randbelow(10**8):08d}",
        password="staff-password-1",
        role=Role.TECHNICIAN,
        all_stores=True,
        store_ids=[],
    )
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=walk_in.id,
        sharer=Sharer(staff_id=technician.id),
        source=BindingSource.STAFF_QR,
    )
    play = Play(mongo, arena, grandpa.id, shareholder.id, friend.id, technician.id, walk_in.id)
    for move in moves:
        if move[0] == "pay":
            await play.pay(move[1], move[2])
        elif move[0] == "refund":
            await play.refund(move[1], move[2], move[3])
        else:
            await play.settle(move[1])
    await play.check()


def _run(arena: Arena) -> None:
    loop = asyncio.new_event_loop()
    mongo = open_mongo(arena.settings.mongodb_uri.get_secret_value(), arena.settings.mongodb_db)

    @hypothesis.settings(max_examples=15, deadline=None, database=None)
    @hypothesis.given(moves=steps)
    def sequence(moves: list[Any]) -> None:
        loop.run_until_complete(_play(mongo, arena, moves))

    try:
        sequence()
    finally:
        loop.run_until_complete(mongo.close())
        loop.close()


@pytest.mark.slow
async def test_accrued_minus_reversed_is_the_rate_of_what_stayed_paid_for_every_beneficiary(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a program paying awkward rates (12.34%, 7.77% and 3.21% to staff) with a 7-day freeze
    program = await open_program(mongo, shop, level1_bp=LEVEL1_BP, level2_bp=LEVEL2_BP, staff_bp=STAFF_BP)

    # when hypothesis plays random orders, racing and replayed refunds, releases and payouts
    # then (checked after every example) the amounts, the ledger and the balances agree exactly
    await asyncio.to_thread(_run, Arena(settings, pii, shop, program))
