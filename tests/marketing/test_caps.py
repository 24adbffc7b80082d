"""The frequency cap across campaigns: at most the week's cap of marketing messages per member, however many
senders race for the member's slots; a new week starts again."""

import asyncio
from datetime import UTC, datetime, timedelta

from db.mongo import Mongo
from domain.marketing.caps import DEFAULT_WEEK_CAP, take_message_slot
from tests.conftest import Shop
from tests.coupons.conftest import make_members


async def test_racing_campaigns_never_send_a_member_more_than_the_weekly_cap(mongo: Mongo, shop: Shop) -> None:
    # given a member and a Wednesday
    [alice] = await make_members(mongo, shop, 1)
    merchant_id = shop.merchant.merchant.id
    wednesday = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)

    async def take(now: datetime) -> bool:
        return await take_message_slot(
            mongo=mongo, merchant_id=merchant_id, member_id=alice.id, week_cap=DEFAULT_WEEK_CAP, now=now
        )

    # when twelve sends from different campaigns race for her slots
    taken = await asyncio.gather(*(take(wednesday) for _ in range(12)))

    # then exactly two go out this week, and a later one that week is refused
    assert sum(taken) == DEFAULT_WEEK_CAP
    assert await take(wednesday + timedelta(days=3)) is False
    # and the next Monday (Beijing time) she has two slots again
    next_monday = datetime(2026, 3, 8, 16, 30, tzinfo=UTC)
    assert [await take(next_monday) for _ in range(3)] == [True, True, False]


async def test_the_cap_is_per_member(mongo: Mongo, shop: Shop) -> None:
    # given two members, one of whom used up her week
    alice, bob = await make_members(mongo, shop, 2)
    merchant_id, now = shop.merchant.merchant.id, datetime.now(UTC)
    for _ in range(2):
        await take_message_slot(mongo=mongo, merchant_id=merchant_id, member_id=alice.id, week_cap=2, now=now)
    # when a campaign sends to both, then only the other one gets it
    got = [
        await take_message_slot(mongo=mongo, merchant_id=merchant_id, member_id=m.id, week_cap=2, now=now)
        for m in (alice, bob)
    ]
    assert got == [False, True]
