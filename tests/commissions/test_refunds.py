"""Reversal on ORDER_REFUNDED and release after the freeze: a refund shrinks each commission to its share of
what is left of the order (cancelling it when nothing is); after payout the cut is owed and the next payout
(domain.payouts) nets it; each refund applies once, also when delivered concurrently.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.release import release_due_commissions
from domain.commissions.reversal import PaidEventPending, on_order_refunded
from domain.coupons.touch import Sharer
from domain.payouts.offline import settle_staff_offline
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.tenancy import Role
from tests.commissions.conftest import account, appoint, commissions_of, ledger_sums, open_program, paid, refunded
from tests.conftest import Shop
from tests.referrals.conftest import chain_of, make_member, make_staff


async def test_a_partial_refund_shrinks_pending_commissions_to_their_share(mongo: Mongo, shop: Shop) -> None:
    # given a level-1 (10%) and level-2 (5%) commission on a 100.01 yuan order
    grandpa, shareholder, friend = await chain_of(mongo, shop, 3)
    await appoint(mongo, shop, await open_program(mongo, shop), grandpa.id, shareholder.id)
    order = paid(shop, friend.id, 10_001)
    await on_order_paid(mongo=mongo, event=order)

    # when 33.33 yuan is refunded
    result = await on_order_refunded(mongo=mongo, event=refunded(order, 3_333))

    # then each commission is floor(rate × 66.68 yuan), still pending
    docs = await commissions_of(mongo, order_id=order.order_id)
    assert [(d["amount_fen"] - d["reversed_fen"], d["status"]) for d in docs] == [(666, "PENDING"), (333, "PENDING")]
    assert result.reversed_fen == (1000 - 666) + (500 - 333)
    assert (await account(mongo, shareholder.id))["pending_fen"] == 666


async def test_a_full_refund_in_two_steps_cancels_the_commissions(mongo: Mongo, shop: Shop) -> None:
    # given a commission on a 100 yuan order
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    order = paid(shop, friend.id, 10_000)
    await on_order_paid(mongo=mongo, event=order)

    # when it is refunded in two parts
    await on_order_refunded(mongo=mongo, event=refunded(order, 2_500))
    await on_order_refunded(mongo=mongo, event=refunded(order, 7_500))

    # then the commission is cancelled and nothing is pending
    [doc] = await commissions_of(mongo, order_id=order.order_id)
    assert (doc["reversed_fen"], doc["status"]) == (1000, "CANCELLED")
    assert (await account(mongo, shareholder.id))["pending_fen"] == 0


async def test_the_same_refund_delivered_repeatedly_and_concurrently_reverses_once(mongo: Mongo, shop: Shop) -> None:
    # given a commission on a 100 yuan order and one refund of 40 yuan
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    order = paid(shop, friend.id, 10_000)
    await on_order_paid(mongo=mongo, event=order)
    refund = refunded(order, 4_000)

    # when the relay delivers it five times at once, and again later
    results = await asyncio.gather(*(on_order_refunded(mongo=mongo, event=refund) for _ in range(5)))
    late = await on_order_refunded(mongo=mongo, event=refund)

    # then it was applied once
    assert sum(not r.replayed for r in results) == 1 and late.replayed
    [doc] = await commissions_of(mongo, order_id=order.order_id)
    assert doc["reversed_fen"] == 400
    assert await mongo.db[c.COMMISSION_LEDGER].count_documents({"kind": "REVERSE"}) == 1


async def test_a_refund_whose_order_paid_is_not_recorded_asks_to_be_retried(mongo: Mongo, shop: Shop) -> None:
    # given an order whose ORDER_PAID is not in the outbox (so the refund cannot handle it first)
    _, friend = await chain_of(mongo, shop, 2)
    order = paid(shop, friend.id, 10_000)

    # when its refund arrives first, then it raises for a retry, and after ORDER_PAID the retry goes through
    with pytest.raises(PaidEventPending):
        await on_order_refunded(mongo=mongo, event=refunded(order, 1_000, "r-1"))
    await on_order_paid(mongo=mongo, event=order)
    assert not (await on_order_refunded(mongo=mongo, event=refunded(order, 1_000, "r-1"))).replayed


async def test_commissions_become_available_when_the_freeze_ends(mongo: Mongo, shop: Shop) -> None:
    # given a commission on an order paid now, with a 7-day freeze
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    order = paid(shop, friend.id, 10_000)
    await on_order_paid(mongo=mongo, event=order)

    # when the release cron runs six days later, and again eight days later (twice)
    early = await release_due_commissions(mongo=mongo, now=order.paid_at + timedelta(days=6))
    on_time = await release_due_commissions(mongo=mongo, now=order.paid_at + timedelta(days=8))
    again = await release_due_commissions(mongo=mongo, now=order.paid_at + timedelta(days=8))

    # then only the second run released it, once
    assert (early, on_time, again) == (0, 1, 0)
    assert (await account(mongo, shareholder.id))["available_fen"] == 1000
    assert await ledger_sums(mongo, shareholder.id) == await account(mongo, shareholder.id)


async def test_a_refund_after_payout_is_owed_and_netted_by_the_next_payout(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # given a technician's 10 yuan commission (10% staff rate on a 100 yuan order), released and paid out
    technician = await make_staff(mongo, pii, shop, Role.TECHNICIAN, "13800000061")
    customer = await make_member(mongo, shop, "walkin")
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=customer.id,
        sharer=Sharer(staff_id=technician.staff.id),
        source=BindingSource.STAFF_QR,
    )
    await open_program(mongo, shop, staff_bp=1000)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    first = paid(shop, customer.id, 10_000, at=month_ago)
    await on_order_paid(mongo=mongo, event=first)
    await release_due_commissions(mongo=mongo)
    paid_out = await _pay_out(mongo, shop, technician.staff.id, "payroll-1")

    # when half the order is refunded, and a later 6 yuan commission is paid out
    await on_order_refunded(mongo=mongo, event=refunded(first, 5_000))
    owed = await account(mongo, technician.staff.id)
    await on_order_paid(mongo=mongo, event=paid(shop, customer.id, 6_000, at=month_ago))
    await release_due_commissions(mongo=mongo)
    netted = await _pay_out(mongo, shop, technician.staff.id, "payroll-2")

    # then the first payout was 10 yuan, the 5 yuan clawback was owed, and the next payout paid 6 − 5
    assert paid_out == (1_000, 0)
    assert owed["owed_fen"] == 500
    assert netted == (100, 500)
    assert (await account(mongo, technician.staff.id))["owed_fen"] == 0
    [paid_first] = await commissions_of(mongo, order_id=first.order_id)
    assert (paid_first["status"], paid_first["reversed_fen"]) == ("PAID_OFFLINE", 500)
    assert await ledger_sums(mongo, technician.staff.id) == await account(mongo, technician.staff.id)


async def _pay_out(mongo: Mongo, shop: Shop, staff_id: ObjectId, key: str) -> tuple[int, int]:
    """The owner marks the staff member's available commissions paid through payroll: (amount, netted)."""
    done = await settle_staff_offline(
        mongo=mongo, actor=shop.merchant.owner, staff_id=staff_id, reference=None, idempotency_key=key
    )
    assert done.payout is not None
    return done.payout.amount_fen, done.payout.netted_fen
