"""Commissions through the worker: ORDER_PAID and ORDER_REFUNDED outbox entries run through `handle_event`
into accrual and reversal; a refund that overtakes its payment is retried rather than lost.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq import Retry
from bson import ObjectId

from db.mongo import Mongo, transaction
from domain import outbox
from domain.events import Event
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.commissions.conftest import appoint, commissions_of, open_program, paid, refunded
from tests.conftest import Shop
from tests.referrals.conftest import chain_of
from workers.events import DEFAULT_RETRY, HANDLERS, handle_event


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def _record(mongo: Mongo, shop: Shop, event: Event) -> ObjectId:
    async def write(session: Any) -> ObjectId:
        return await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=shop.merchant.merchant.id,
            event=event,
            dedupe_key=f"{event.KIND}:{ObjectId()}",
        )

    return await transaction(mongo, write)


async def _handle(clients: Clients, entry_id: ObjectId) -> str:
    ctx = {"clients": clients, "handlers": HANDLERS, "retry_policy": DEFAULT_RETRY}
    return await handle_event(ctx, str(entry_id))


async def test_order_events_accrue_and_reverse_through_the_worker(clients: Clients, mongo: Mongo, shop: Shop) -> None:
    # given a shareholder whose friend paid 100 yuan and then got 30 refunded, both events in the outbox
    shareholder, friend = await chain_of(mongo, shop, 2)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    order = paid(shop, friend.id, 10_000)
    refund = refunded(order, 3_000)
    paid_entry = await _record(mongo, shop, order)
    refund_entry = await _record(mongo, shop, refund)

    # when the refund's job runs first, then the payment's, then the refund's retry
    with pytest.raises(Retry):
        await _handle(clients, refund_entry)
    outcomes = [await _handle(clients, paid_entry), await _handle(clients, refund_entry)]

    # then the refund waited for the payment, and the commission is 10% of the 70 yuan kept
    assert outcomes == ["done", "done"]
    [doc] = await commissions_of(mongo, order_id=order.order_id)
    assert (doc["amount_fen"], doc["reversed_fen"]) == (1_000, 300)
