"""Screen-level queries cost a fixed number of Mongo commands, however many members, count cards or ledger
entries they show: the member's card screen, the admin member search and the admin member detail.
"""

import uuid
from datetime import UTC, datetime, timedelta

from db.mongo import Mongo
from domain.cards import count_cards, points
from domain.cards.ledger import SYSTEM
from tests.cards.conftest import Customer, sign_in, top_up
from tests.conftest import Gql, Shop, count_commands

CARD_SCREEN = """
query {
  me {
    nickname
    card { number level { name discountBp } points storedValue countCards { name remaining expiresAt } }
    ledger(first: 20) { edges { node { kind amount balanceAfter at } } pageInfo { hasNextPage } }
  }
}
"""
SEARCH_SCREEN = """
query {
  members(first: 50) {
    edges { node { id nickname card { number status level { name } points storedValue phone countCards { name } } } }
  }
}
"""
DETAIL_SCREEN = """
query($id: ID!) {
  member(id: $id) {
    nickname
    card { number status level { name } points storedValuePaid storedValueBonus phone countCards { name remaining } }
    ledger(first: 20) { edges { node { kind account amount reason staffMemberId at } } }
  }
}
"""


async def _busy(mongo: Mongo, who: Customer, extra: int) -> None:
    """`extra` count cards, payments and top-ups on the member's card."""
    for i in range(extra):
        await count_cards.grant_count_card(
            mongo=mongo,
            merchant_id=who.merchant_id,
            member_id=who.member_id,
            name=f"套餐{i}",
            uses=3,
            expires_at=datetime.now(UTC) + timedelta(days=30),
            reference="order",
            idempotency_key=uuid.uuid4().hex,
            actor=SYSTEM,
        )
        await points.record_payment(
            mongo=mongo,
            merchant_id=who.merchant_id,
            member_id=who.member_id,
            paid_fen=1_000,
            reference="order",
            idempotency_key=uuid.uuid4().hex,
        )
        await top_up(mongo, who, 1_000, 100)


async def test_the_card_screen_costs_five_commands_however_full_the_card(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member with an empty card and one with five count cards and fifteen ledger entries
    quiet, busy = await sign_in(gql, shop, "quiet"), await sign_in(gql, shop, "busy")
    await _busy(mongo, busy, 5)

    # when each opens the card screen
    with count_commands(mongo) as for_quiet:
        await gql("member", CARD_SCREEN, token=quiet.token)
    with count_commands(mongo) as for_busy:
        body = await gql("member", CARD_SCREEN, token=busy.token)

    # then both cost the same five reads: member, card, program, count cards, ledger page
    assert len(body["data"]["me"]["card"]["countCards"]) == 5
    assert len(body["data"]["me"]["ledger"]["edges"]) == 15
    assert sorted(for_quiet) == sorted(for_busy) == ["find"] * 5


async def test_the_member_search_screen_costs_the_same_for_two_members_or_twelve(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str
) -> None:
    # given two members with count cards
    for i in range(2):
        await _busy(mongo, await sign_in(gql, shop, f"early{i}"), 1)
    with count_commands(mongo) as for_two:
        two = await gql("admin", SEARCH_SCREEN, token=owner_token)

    # when ten more join and the list is opened again
    for i in range(10):
        await _busy(mongo, await sign_in(gql, shop, f"late{i}"), 1)
    with count_commands(mongo) as for_twelve:
        twelve = await gql("admin", SEARCH_SCREEN, token=owner_token)

    # then the page grew, the command count did not: staff, members, cards, program, count cards
    assert len(two["data"]["members"]["edges"]) == 2 and len(twelve["data"]["members"]["edges"]) == 12
    assert sorted(for_two) == sorted(for_twelve) == ["find"] * 5


async def test_the_member_detail_screen_costs_six_commands(
    gql: Gql, mongo: Mongo, owner_token: str, customer: Customer
) -> None:
    # given a member with three count cards and nine ledger entries
    await _busy(mongo, customer, 3)

    # when staff open the member's detail with the ledger
    with count_commands(mongo) as commands:
        body = await gql("admin", DETAIL_SCREEN, {"id": customer.gid}, token=owner_token)

    # then it costs staff, member, card, program, count cards and one ledger page
    assert len(body["data"]["member"]["ledger"]["edges"]) == 9
    assert sorted(commands) == ["find"] * 6
