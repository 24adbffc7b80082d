"""Commissions through the worker: ORDER_PAID and ORDER_REFUNDED outbox entries run through `handle_event`
into accrual and reversal; a refund whose job runs before its payment's accrues the payment itself and reverses
at once, rather than waiting for a retry.
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo, transaction
from domain import outbox
from domain.events import Event, OrderPaid
from startup.clients import Clients, open_clients
from startup.settings import Settings
from tests.checkout.conftest import give, member_pay, refund, scan_order, shopper
from tests.commissions.conftest import appoint, commissions_of, open_program, paid, refunded
from tests.conftest import Gql, Shop
from tests.coupons.conftest import oid, store_gid
from tests.referrals.conftest import bind, chain_of
from tests.workers.conftest import run_worker
from workers.events import DEFAULT_RETRY, HANDLERS, handle_event


@pytest.fixture
async def clients(settings: Settings, mongo: Mongo) -> AsyncIterator[Clients]:
    async with open_clients(settings) as opened:
        yield opened


async def _record(mongo: Mongo, shop: Shop, event: Event, dedupe_key: str | None = None) -> ObjectId:
    async def write(session: Any) -> ObjectId:
        return await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=shop.merchant.merchant.id,
            event=event,
            dedupe_key=dedupe_key or f"{event.KIND}:{ObjectId()}",
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
    paid_entry = await _record(mongo, shop, order, OrderPaid.dedupe_key_of(order.order_id))
    refund_entry = await _record(mongo, shop, refunded(order, 3_000))

    # when the refund's job runs first, then the payment's
    outcomes = [await _handle(clients, refund_entry), await _handle(clients, paid_entry)]

    # then the refund accrued the payment itself and reversed at once (the payment's job found the accrual done),
    # and the commission is 10% of the 70 yuan kept
    assert outcomes == ["done", "done"]
    [doc] = await commissions_of(mongo, order_id=order.order_id)
    assert (doc["amount_fen"], doc["reversed_fen"]) == (1_000, 300)


async def test_a_refund_right_after_its_payment_cancels_the_commission_on_the_workers_first_pass(
    gql: Gql, mongo: Mongo, shop: Shop, owner_token: str, settings: Settings
) -> None:
    # given a shareholder (10% at level 1) whose friend pays 100 yuan from stored value
    shareholder, friend = await shopper(mongo, shop, "股东"), await shopper(mongo, shop, "朋友")
    await bind(mongo, shop, friend.id, shareholder.id)
    await appoint(mongo, shop, await open_program(mongo, shop), shareholder.id)
    await give(mongo, shop, friend, stored=(10_000, 0))
    order = await scan_order(gql, friend, store_gid(shop), 10_000)
    assert (await member_pay(gql, friend, order["id"], "STORED_VALUE"))["userErrors"] == []
    # and the owner refunds all of it right after, before the worker has run
    assert (await refund(gql, owner_token, order["id"], 10_000))["userErrors"] == []

    # when the worker runs, its relay handing over ORDER_PAID and ORDER_REFUNDED at once
    await run_worker(settings)

    # then the shareholder's commission is cancelled, by the refund's job on its first run, with no retry
    [commission] = await commissions_of(mongo, order_id=oid("Order", order["id"]))
    assert (commission["amount_fen"], commission["reversed_fen"], commission["status"]) == (1_000, 1_000, "CANCELLED")
    refunded_entry = await mongo.db[c.OUTBOX].find_one({"kind": "ORDER_REFUNDED"})
    assert refunded_entry is not None
    assert (refunded_entry["status"], refunded_entry["attempts"], refunded_entry.get("last_error")) == ("DONE", 1, None)
