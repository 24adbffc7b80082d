"""A hypothesis state machine over random payments, redemptions, top-ups, spends, top-up refunds, adjustments
and replays, checked after every step against a plain model: each balance equals the sum of its ledger
entries, never goes negative, and a replayed idempotency key changes nothing.

Hypothesis drives stateful tests synchronously, so the machine runs in a worker thread with its own event
loop and its own Mongo client on the test's database; pytest-asyncio's loop is left alone.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import hypothesis
from bson import ObjectId
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain.cards import adjustments, points, stored_value
from domain.cards.card import issue_card
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM, Account, Entry
from domain.tenancy import Role, Staff
from startup.settings import Settings

# The default program a new merchant gets: (threshold fen, points multiplier bp), 1 point per yuan, 100 per yuan.
LEVELS = [(0, 10_000), (100_000, 12_000), (500_000, 15_000)]


@dataclass
class Model:
    points: int = 0
    paid: int = 0
    bonus: int = 0
    lifetime: int = 0

    def multiplier(self) -> int:
        return [m for threshold, m in LEVELS if threshold <= self.lifetime][-1]


@dataclass(frozen=True)
class Done:
    """A call that succeeded, kept to be replayed: the same call must return the same entry."""

    call: Callable[[], Awaitable[Entry]]
    entry_id: ObjectId


@dataclass(frozen=True)
class TopUp:
    entry_id: ObjectId
    paid: int
    bonus: int


@dataclass(frozen=True)
class Harness:
    """The machine's way to the database: its own loop and client, in the worker thread."""

    mongo: Mongo
    loop: asyncio.AbstractEventLoop
    merchant_id: ObjectId
    manager: Staff

    def run(self, awaitable: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(awaitable)


class LedgerMachine(RuleBasedStateMachine):
    harness: ClassVar[Harness]

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.member_id = ObjectId()
        self.done: list[Done] = []
        self.top_ups: list[TopUp] = []
        self.refunded: set[ObjectId] = set()

    def attempt(self, call: Callable[[], Awaitable[Entry]], expect_ok: bool) -> Entry | None:
        try:
            entry: Entry = self.harness.run(call())
        except CardError as e:
            assert not expect_ok, f"refused with {e.code}"
            assert e.code is CardCode.INSUFFICIENT_BALANCE
            return None
        assert expect_ok, "went through although the model says the balance is short"
        self.done.append(Done(call, entry.id))
        return entry

    @initialize()
    def issue(self) -> None:
        self.harness.run(
            issue_card(mongo=self.harness.mongo, merchant_id=self.harness.merchant_id, member_id=self.member_id)
        )

    @rule(paid_fen=st.integers(1, 200_000))
    def pay(self, paid_fen: int) -> None:
        key = uuid.uuid4().hex

        async def call() -> Entry:
            recorded = await points.record_payment(
                mongo=self.harness.mongo,
                merchant_id=self.harness.merchant_id,
                member_id=self.member_id,
                paid_fen=paid_fen,
                reference="order",
                idempotency_key=key,
            )
            return recorded.entry

        self.attempt(call, expect_ok=True)
        self.model.points += (paid_fen // 100) * self.model.multiplier() // 10_000
        self.model.lifetime += paid_fen

    @rule(count=st.integers(1, 3_000))
    def redeem(self, count: int) -> None:
        key = uuid.uuid4().hex

        async def call() -> Entry:
            redemption = await points.redeem_points(
                mongo=self.harness.mongo,
                merchant_id=self.harness.merchant_id,
                member_id=self.member_id,
                points=count,
                reference="order",
                idempotency_key=key,
                actor=SYSTEM,
            )
            return redemption.entry

        if self.attempt(call, expect_ok=self.model.points >= count):
            self.model.points -= count

    @rule(paid=st.integers(1, 100_000), bonus_percent=st.integers(0, 100))
    def top_up(self, paid: int, bonus_percent: int) -> None:
        bonus, key = paid * bonus_percent // 100, uuid.uuid4().hex

        async def call() -> Entry:
            return await stored_value.top_up(
                mongo=self.harness.mongo,
                merchant_id=self.harness.merchant_id,
                member_id=self.member_id,
                paid_fen=paid,
                bonus_fen=bonus,
                reference="pay",
                idempotency_key=key,
                actor=SYSTEM,
            )

        entry = self.attempt(call, expect_ok=True)
        assert entry is not None
        self.top_ups.append(TopUp(entry.id, paid, bonus))
        self.model.paid += paid
        self.model.bonus += bonus

    @rule(amount=st.integers(1, 120_000))
    def spend(self, amount: int) -> None:
        key = uuid.uuid4().hex

        async def call() -> Entry:
            return await stored_value.spend_stored_value(
                mongo=self.harness.mongo,
                merchant_id=self.harness.merchant_id,
                member_id=self.member_id,
                amount_fen=amount,
                reference="order",
                idempotency_key=key,
                actor=SYSTEM,
            )

        if self.attempt(call, expect_ok=self.model.paid + self.model.bonus >= amount):
            from_paid = min(self.model.paid, amount)
            self.model.paid -= from_paid
            self.model.bonus -= amount - from_paid

    @precondition(lambda self: self.top_ups)
    @rule(pick=st.integers(min_value=0))
    def refund_top_up(self, pick: int) -> None:
        chosen = self.top_ups[pick % len(self.top_ups)]

        async def call() -> Entry:
            return await stored_value.refund_top_up(
                mongo=self.harness.mongo,
                merchant_id=self.harness.merchant_id,
                top_up_entry_id=chosen.entry_id,
                reference="refund",
                actor=SYSTEM,
            )

        if chosen.entry_id in self.refunded:
            # A second refund of one top-up is a replay of the first: nothing moves.
            entry = self.harness.run(call())
            assert entry.replayed
            return
        fits = self.model.paid >= chosen.paid and self.model.bonus >= chosen.bonus
        if self.attempt(call, expect_ok=fits):
            self.refunded.add(chosen.entry_id)
            self.model.paid -= chosen.paid
            self.model.bonus -= chosen.bonus

    @rule(
        account=st.sampled_from([Account.POINTS, Account.STORED_VALUE]),
        amount=st.integers(-5_000, 5_000).filter(bool),
        part=st.sampled_from(list(adjustments.StoredValuePart)),
    )
    def adjust(self, account: Account, amount: int, part: adjustments.StoredValuePart) -> None:
        key = uuid.uuid4().hex

        async def call() -> Entry:
            return await adjustments.adjust_balance(
                mongo=self.harness.mongo,
                actor=self.harness.manager,
                member_id=self.member_id,
                account=account,
                amount=amount,
                part=part,
                reason="盘点更正",
                idempotency_key=key,
            )

        if account is Account.POINTS:
            if self.attempt(call, expect_ok=self.model.points + amount >= 0):
                self.model.points += amount
        elif part is adjustments.StoredValuePart.PAID:
            if self.attempt(call, expect_ok=self.model.paid + amount >= 0):
                self.model.paid += amount
        elif self.attempt(call, expect_ok=self.model.bonus + amount >= 0):
            self.model.bonus += amount

    @precondition(lambda self: self.done)
    @rule(pick=st.integers(min_value=0))
    def replay(self, pick: int) -> None:
        chosen = self.done[pick % len(self.done)]
        entry = self.harness.run(chosen.call())
        assert entry.replayed and entry.id == chosen.entry_id

    async def _sums_by_account(self) -> list[dict[str, Any]]:
        cursor = await self.harness.mongo.db[c.LEDGER].aggregate(
            [
                {"$match": {"member_id": self.member_id}},
                {
                    "$group": {
                        "_id": "$account",
                        "amount": {"$sum": "$amount"},
                        "paid": {"$sum": "$paid"},
                        "bonus": {"$sum": "$bonus"},
                    }
                },
            ]
        )
        return await cursor.to_list()

    @invariant()
    def balances_match_the_model_and_the_ledger(self) -> None:
        card = self.harness.run(self.harness.mongo.db[c.CARDS].find_one({"member_id": self.member_id}))
        if card is None:
            return
        model = self.model
        assert (card["points"], card["stored_paid"], card["stored_bonus"]) == (
            model.points,
            model.paid,
            model.bonus,
        )
        assert min(card["points"], card["stored_paid"], card["stored_bonus"]) >= 0
        sums = self.harness.run(self._sums_by_account())
        by_account = {s["_id"]: s for s in sums}
        assert by_account.get(Account.POINTS.value, {"amount": 0})["amount"] == model.points
        stored = by_account.get(Account.STORED_VALUE.value, {"amount": 0, "paid": 0, "bonus": 0})
        assert (stored["amount"], stored["paid"], stored["bonus"]) == (
            model.paid + model.bonus,
            model.paid,
            model.bonus,
        )


def _run_machine(app_settings: Settings) -> None:
    loop = asyncio.new_event_loop()
    mongo = open_mongo(app_settings.mongodb_uri.get_secret_value(), app_settings.mongodb_db)
    merchant_id = ObjectId()
    manager = Staff(ObjectId(), merchant_id, "店长", Role.MANAGER, True, (), "", True, datetime.now(UTC))
    # A subclass per run, bound to this run's database: hypothesis makes a fresh instance per example.
    machine = type("BoundLedgerMachine", (LedgerMachine,), {"harness": Harness(mongo, loop, merchant_id, manager)})
    try:
        run_state_machine_as_test(
            machine,
            settings=hypothesis.settings(
                max_examples=8,
                stateful_step_count=25,
                deadline=None,
                database=None,
                suppress_health_check=[hypothesis.HealthCheck.too_slow],
            ),
        )
    finally:
        loop.run_until_complete(mongo.close())
        loop.close()


async def test_random_sequences_keep_every_balance_equal_to_its_ledger_and_never_negative(
    settings: Settings, mongo: Mongo
) -> None:
    # given a fresh database with its indexes (the `mongo` fixture), and a member per generated sequence
    # when hypothesis runs random sequences of earn/redeem/top-up/spend/refund/adjust/replay
    # then every step keeps balance == model == sum of ledger entries, never negative, replays change nothing
    await asyncio.to_thread(_run_machine, settings)
