"""The member card is issued on first login: a check-digit number unique per merchant, the lowest level,
exactly one card however many logins race.
"""

import asyncio
from collections.abc import Iterator

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.cards.card import is_card_number, issue_card, luhn_digit, new_card_number
from tests.cards.conftest import Customer
from tests.conftest import Gql, Shop

ME_CARD = """
query {
  me {
    card {
      number status points storedValue storedValueBonus lifetimePaidFen
      level { name discountBp pointsMultiplierBp thresholdFen }
      countCards { id }
    }
  }
}
"""


async def test_first_login_issues_a_card_at_the_merchants_lowest_level(gql: Gql, customer: Customer) -> None:
    # given a member who has just logged in for the first time
    # when the mini-program opens the card screen
    body = await gql("member", ME_CARD, token=customer.token)

    # then there is an active card with a valid check-digit number, empty balances, at the default lowest level
    card = body["data"]["me"]["card"]
    assert is_card_number(card["number"])
    assert card["status"] == "ACTIVE"
    assert (card["points"], card["storedValue"], card["lifetimePaidFen"], card["countCards"]) == (0, 0, 0, [])
    assert card["level"] == {"name": "普通会员", "discountBp": 0, "pointsMultiplierBp": 10_000, "thresholdFen": 0}


async def test_racing_card_issues_for_one_member_leave_exactly_one_card(mongo: Mongo, shop: Shop) -> None:
    # given a member whose first logins arrive all at once (login issues the card every time, idempotently)
    member_id = ObjectId()

    # when ten card issues race, on a merchant that has no loyalty program yet either
    cards = await asyncio.gather(
        *(issue_card(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=member_id) for _ in range(10))
    )

    # then every caller got the same card, and the merchant got one default program
    assert len({card.id for card in cards}) == 1
    assert await mongo.db[c.CARDS].count_documents({}) == 1
    assert await mongo.db[c.LOYALTY_PROGRAMS].count_documents({}) == 1


async def test_a_card_number_already_taken_is_never_issued_twice(mongo: Mongo, shop: Shop) -> None:
    # given a card holding a number
    merchant_id = shop.merchant.merchant.id
    taken = await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=ObjectId())
    draws: Iterator[str] = iter([taken.number, taken.number, new_card_number()])

    # when the next card's random draws hit that number twice
    card = await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=ObjectId(), numbers=lambda: next(draws))

    # then the unique index refuses it and the third draw is the card's number
    assert card.number != taken.number
    assert await mongo.db[c.CARDS].count_documents({"number": taken.number}) == 1


async def test_the_same_number_may_exist_at_another_merchant(mongo: Mongo) -> None:
    # given a card number at one merchant
    first = await issue_card(mongo=mongo, merchant_id=ObjectId(), member_id=ObjectId())

    # when another merchant's card draws the same number
    second = await issue_card(mongo=mongo, merchant_id=ObjectId(), member_id=ObjectId(), numbers=lambda: first.number)

    # then both exist: numbers are unique per merchant
    assert second.number == first.number


def test_the_check_digit_catches_every_mistyped_digit_and_a_swapped_pair() -> None:
    # given the textbook Luhn example and a card number built on it
    assert luhn_digit("7992739871") == "3"
    body = "12345678901"
    number = body + luhn_digit(body)
    assert is_card_number(number)

    # when any single digit is mistyped
    typos = [number[:i] + d + number[i + 1 :] for i in range(len(number)) for d in "0123456789" if d != number[i]]

    # then none of them checks, and neither does a swap of two neighbours
    assert not any(is_card_number(t) for t in typos)
    assert not is_card_number(number[1] + number[0] + number[2:])
    # and a "digit" only str.isdigit() takes for one is no digit at all
    assert not is_card_number(number[:-2] + "²" + number[-1])
