"""The ledger under pressure: concurrent spends never overdraw, a replayed idempotency key changes nothing,
and a key cannot be reused for a different request.
"""

import asyncio
import uuid

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import points, stored_value
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM, Account, EntryKind
from tests.cards.conftest import Customer, card_doc, top_up


async def _spend(mongo: Mongo, who: Customer, amount: int, key: str) -> str:
    try:
        await stored_value.spend_stored_value(
            mongo=mongo,
            merchant_id=who.merchant_id,
            member_id=who.member_id,
            amount_fen=amount,
            reference="order-1",
            idempotency_key=key,
            actor=SYSTEM,
        )
    except CardError as e:
        return e.code.value
    return "OK"


async def test_fifty_concurrent_spends_against_a_balance_for_ten_let_exactly_ten_through(
    mongo: Mongo, customer: Customer
) -> None:
    # given a member holding 1000 fen of stored value: enough for ten spends of 100
    await top_up(mongo, customer, 800, 200)

    # when fifty checkouts spend 100 each at the same moment, each with its own key
    results = await asyncio.gather(*(_spend(mongo, customer, 100, f"spend-{i}") for i in range(50)))

    # then exactly ten succeed, the other forty are told the balance is short, and the balance is exactly 0
    assert results.count("OK") == 10
    assert results.count(CardCode.INSUFFICIENT_BALANCE.value) == 40
    card = await card_doc(mongo, customer)
    assert (card["stored_paid"], card["stored_bonus"]) == (0, 0)
    spends = await mongo.db[c.LEDGER].count_documents({"kind": EntryKind.SPEND.value})
    assert spends == 10


async def test_concurrent_replays_of_one_key_spend_once_and_all_get_the_first_entry(
    mongo: Mongo, customer: Customer
) -> None:
    # given a member with 500 fen
    await top_up(mongo, customer, 500)

    # when a flaky network makes the same checkout send its spend ten times at once
    entries = await asyncio.gather(
        *(
            stored_value.spend_stored_value(
                mongo=mongo,
                merchant_id=customer.merchant_id,
                member_id=customer.member_id,
                amount_fen=120,
                reference="order-7",
                idempotency_key="order-7:stored-value",
                actor=SYSTEM,
            )
            for _ in range(10)
        )
    )

    # then 120 fen left once, and every caller holds the same entry
    assert {e.id for e in entries} == {entries[0].id}
    assert sum(not e.replayed for e in entries) <= 1
    card = await card_doc(mongo, customer)
    assert card["stored_paid"] == 380
    assert await mongo.db[c.LEDGER].count_documents({"idempotency_key": "order-7:stored-value"}) == 1


async def test_a_replayed_key_after_the_fact_returns_the_first_result_and_changes_nothing(
    mongo: Mongo, customer: Customer
) -> None:
    # given a redemption of 300 points that went through
    await points.record_payment(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        paid_fen=50_000,
        reference="order-1",
        idempotency_key="order-1:earn",
    )
    first = await points.redeem_points(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        points=300,
        reference="order-2",
        idempotency_key="order-2:points",
        actor=SYSTEM,
    )

    # when the same request comes again
    again = await points.redeem_points(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        points=300,
        reference="order-2",
        idempotency_key="order-2:points",
        actor=SYSTEM,
    )

    # then it is the first result, marked as a replay, and the points moved once
    assert again.entry.id == first.entry.id and again.entry.replayed
    assert (again.value_fen, again.entry.balance_after) == (first.value_fen, first.entry.balance_after)
    assert (await card_doc(mongo, customer))["points"] == 500 - 300


async def test_a_key_reused_for_a_different_request_is_refused(mongo: Mongo, customer: Customer) -> None:
    # given a spend of 100 under a key
    await top_up(mongo, customer, 1000)
    assert await _spend(mongo, customer, 100, "order-9") == "OK"

    # when a different amount arrives under the same key
    result = await _spend(mongo, customer, 250, "order-9")

    # then it is refused and nothing more is spent
    assert result == CardCode.IDEMPOTENCY_KEY_REUSED.value
    assert (await card_doc(mongo, customer))["stored_paid"] == 900


async def test_a_debit_larger_than_the_balance_is_refused_and_leaves_no_entry(mongo: Mongo, customer: Customer) -> None:
    # given a member with no points
    # when a redemption of 100 points is attempted
    with pytest.raises(CardError) as refused:
        await points.redeem_points(
            mongo=mongo,
            merchant_id=customer.merchant_id,
            member_id=customer.member_id,
            points=100,
            reference="order-3",
            idempotency_key=uuid.uuid4().hex,
            actor=SYSTEM,
        )

    # then the balance is short, and the ledger holds nothing for points
    assert refused.value.code is CardCode.INSUFFICIENT_BALANCE
    assert await mongo.db[c.LEDGER].count_documents({"account": Account.POINTS.value}) == 0
