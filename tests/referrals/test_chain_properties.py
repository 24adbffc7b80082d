"""Hypothesis over random sequences of touches (some racing each other) and owner corrections among a handful
of members: no member is ever bound twice, nothing ever loops, and every member's stored `ancestors` is
exactly the chain their `referrer_id`s walk, whatever order things happened in.

Hypothesis drives examples synchronously, so the run happens in a worker thread with its own event loop and
Mongo client on the test's database; each example uses fresh members, so examples never see each other.
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from bson import ObjectId
from hypothesis import strategies as st

from db import collections as c
from db.mongo import Mongo, open_mongo
from domain.coupons.touch import Sharer
from domain.referrals.binding import BindingSource, bind_referrer
from domain.referrals.chain import MAX_ANCESTORS
from domain.referrals.correction import correct_referrer
from domain.referrals.errors import ReferralError
from domain.tenancy import Staff
from startup.settings import Settings
from tests.conftest import Shop
from tests.referrals.conftest import make_members

PEOPLE = 6
person = st.integers(min_value=0, max_value=PEOPLE - 1)
touch = st.tuples(st.just("touch"), person, person)
race = st.tuples(st.just("race"), st.lists(st.tuples(person, person), min_size=2, max_size=3))
correction = st.tuples(st.just("correct"), person, st.one_of(st.none(), person))
steps = st.lists(st.one_of(touch, touch, race, correction), min_size=1, max_size=6)


@dataclass(frozen=True)
class Arena:
    settings: Settings
    merchant_id: ObjectId
    owner: Staff


async def _walk(mongo: Mongo, ids: list[ObjectId]) -> dict[ObjectId, list[ObjectId]]:
    """The true chain of each member, walking referrer_id; a repeat would be a loop."""
    docs = await mongo.db[c.MEMBERS].find({"_id": {"$in": ids}}).to_list()
    referrer = {d["_id"]: d.get("referrer_id") for d in docs}
    stored = {d["_id"]: list(d.get("ancestors") or []) for d in docs}
    chains = {}
    for member in ids:
        chain: list[ObjectId] = []
        up = referrer[member]
        while up is not None:
            assert up not in chain and up != member, f"loop through {member}"
            chain.append(up)
            up = referrer.get(up)
        assert stored[member] == chain[:MAX_ANCESTORS], "stored ancestors differ from the true chain"
        chains[member] = chain
    return chains


@dataclass
class Play:
    """One example's members and what the touches and corrections did to them."""

    mongo: Mongo
    arena: Arena
    people: list[ObjectId]
    bound_by_touch: Counter[ObjectId] = field(default_factory=Counter)
    touched_referrer: dict[ObjectId, ObjectId | None] = field(default_factory=dict)
    corrected: set[ObjectId] = field(default_factory=set)

    async def touch(self, pairs: list[tuple[int, int]]) -> None:
        results = await asyncio.gather(
            *(
                bind_referrer(
                    mongo=self.mongo,
                    merchant_id=self.arena.merchant_id,
                    member_id=self.people[f],
                    sharer=Sharer(member_id=self.people[s]),
                    source=BindingSource.FORWARD_ACCEPT,
                )
                for f, s in pairs
            )
        )
        for result in results:
            if result.binding is not None:
                self.bound_by_touch[result.binding.member_id] += 1
                self.touched_referrer[result.binding.member_id] = result.binding.referrer_id

    async def correct(self, member: int, referrer: int | None) -> None:
        member_id = self.people[member]
        try:
            await correct_referrer(
                mongo=self.mongo,
                actor=self.arena.owner,
                member_id=member_id,
                referrer_id=None if referrer is None else self.people[referrer],
                reason="更正",
            )
            self.corrected.add(member_id)
        except ReferralError:
            pass

    async def check(self) -> None:
        # nothing loops and every stored upline is the true one
        await _walk(self.mongo, self.people)
        # no member was bound twice by touches, each binding left one event, and only an owner's correction
        # ever changed a binding
        assert all(n == 1 for n in self.bound_by_touch.values())
        events = await self.mongo.db[c.REFERRAL_BINDINGS].find({"member_id": {"$in": self.people}}).to_list()
        assert Counter(e["member_id"] for e in events if e["source"] != "CORRECTION") == self.bound_by_touch
        for doc in await self.mongo.db[c.MEMBERS].find({"_id": {"$in": self.people}}).to_list():
            if doc["_id"] in self.touched_referrer and doc["_id"] not in self.corrected:
                assert doc["referrer_id"] == self.touched_referrer[doc["_id"]]


async def _play(mongo: Mongo, arena: Arena, moves: list[Any]) -> None:
    people = [p.id for p in await make_members(mongo, arena.merchant_id, PEOPLE, "h")]
    play = Play(mongo, arena, people)
    for move in moves:
        if move[0] == "correct":
            await play.correct(move[1], move[2])
        else:
            await play.touch([move[1:]] if move[0] == "touch" else move[1])
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


async def test_random_touches_and_corrections_never_bind_twice_loop_or_misstate_an_upline(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a merchant and its owner (each example makes its own six members)
    arena = Arena(settings, shop.merchant.merchant.id, shop.merchant.owner)

    # when hypothesis plays random touches, racing touches and corrections
    # then (checked after every example) no loops, true uplines, one binding per member
    await asyncio.to_thread(_run, arena)
