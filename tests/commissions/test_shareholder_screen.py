"""The member's shareholder screen (我的分红): program, totals by state, downline per level, network revenue by
day or month, recent accruals with masked friends' names and per-friend contribution; a fixed number of
queries whether the network is small or large.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.reversal import on_order_refunded
from tests.commissions.conftest import appoint, open_program, paid, refunded
from tests.conftest import Gql, Shop, count_commands
from tests.referrals.conftest import Person, bind, chain_of, make_members

SCREEN = """
query($granularity: RevenueGranularity!) {
  myShareholder {
    active appointedAt
    program { name level1RateBp level2RateBp freezeDays payoutMinimumFen }
    totals { pendingFen availableFen inReviewFen paidFen owedFen }
    downline { level1 level2 }
    networkRevenue(granularity: $granularity) { period level1Fen level2Fen orders }
    recentCommissions(first: 5) { amountFen accruedFen level status friendName }
    friendContributions(first: 5) { friendName level commissionFen orders }
  }
}
"""


async def _screen(gql: Gql, who: Person, granularity: str = "DAY") -> Any:
    body = await gql("member", SCREEN, {"granularity": granularity}, token=who.token)
    assert "errors" not in body, body
    return body["data"]["myShareholder"]


async def _network(mongo: Mongo, shop: Shop, friends: int, per_friend: int) -> Person:
    """A shareholder with `friends` level-1 friends, each with one friend of their own, all paying."""
    shareholder = (await chain_of(mongo, shop, 1, "holder"))[0]
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    level1 = await make_members(mongo, shop.merchant.merchant.id, friends, "张三")
    level2 = await make_members(mongo, shop.merchant.merchant.id, friends, "李四")
    for one, two in zip(level1, level2, strict=True):
        await bind(mongo, shop, one.id, shareholder.id)
        await bind(mongo, shop, two.id, one.id)
        await on_order_paid(mongo=mongo, event=paid(shop, one.id, per_friend))
        await on_order_paid(mongo=mongo, event=paid(shop, two.id, per_friend))
    return shareholder


async def test_a_shareholder_sees_their_program_totals_network_and_friends(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a shareholder whose friend paid 200 yuan yesterday (half refunded) and whose friend's friend paid 100
    shareholder, friend, friends_friend = await chain_of(mongo, shop, 3, "王五")
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    big = paid(shop, friend.id, 20_000, at=yesterday)
    await on_order_paid(mongo=mongo, event=big)
    await on_order_refunded(mongo=mongo, event=refunded(big, 10_000))
    await on_order_paid(mongo=mongo, event=paid(shop, friends_friend.id, 10_000))

    # when the shareholder opens the screen, by day and by month
    screen = await _screen(gql, shareholder)
    monthly = await _screen(gql, shareholder, "MONTH")

    # then it shows the program, and pending 10% of the 100 yuan kept plus 5% of the friend's friend's 100,
    assert screen["active"] is True
    assert screen["program"] == {
        "name": "金牌股东",
        "level1RateBp": 1000,
        "level2RateBp": 500,
        "freezeDays": 7,
        "payoutMinimumFen": 0,
    }
    assert screen["totals"] == {"pendingFen": 1500, "availableFen": 0, "inReviewFen": 0, "paidFen": 0, "owedFen": 0}
    assert screen["downline"] == {"level1": 1, "level2": 1}
    # the network's revenue net of refunds per business day, and summed per month
    assert sum(p["level1Fen"] for p in screen["networkRevenue"]) == 10_000
    assert sum(p["level2Fen"] for p in screen["networkRevenue"]) == 10_000
    assert sum(p["orders"] for p in monthly["networkRevenue"]) == 2
    assert all(len(p["period"]) == 7 for p in monthly["networkRevenue"])
    # and the accruals newest first with the friends' masked names, and each friend's contribution
    assert screen["recentCommissions"] == [
        {"amountFen": 500, "accruedFen": 500, "level": 2, "status": "PENDING", "friendName": "王**"},
        {"amountFen": 1000, "accruedFen": 2000, "level": 1, "status": "PENDING", "friendName": "王**"},
    ]
    assert screen["friendContributions"] == [
        {"friendName": "王**", "level": 1, "commissionFen": 1000, "orders": 1},
        {"friendName": "王**", "level": 2, "commissionFen": 500, "orders": 1},
    ]


async def test_a_member_who_is_no_shareholder_sees_an_empty_screen(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member nobody appointed
    member = (await make_members(mongo, shop.merchant.merchant.id, 1))[0]

    # when they open the screen
    screen = await _screen(gql, member)

    # then it is inactive and empty
    assert (screen["active"], screen["program"], screen["recentCommissions"]) == (False, None, [])
    assert screen["downline"] == {"level1": 0, "level2": 0}


async def test_the_shareholder_screen_costs_the_same_queries_for_a_small_and_a_large_network(
    gql: Gql, mongo: Mongo, shop: Shop
) -> None:
    # given a shareholder with one paying friend pair and another with eight
    small = await _network(mongo, shop, 1, 10_000)
    large = await _network(mongo, shop, 8, 10_000)

    # when each opens the screen
    with count_commands(mongo) as few:
        await _screen(gql, small)
    with count_commands(mongo) as many:
        await _screen(gql, large)

    # then both cost the same nine queries: appointment and program, totals, downline counts, revenue, recent
    # accruals and their names, contributions and their names
    assert len(few) == len(many) == 9, (few, many)
