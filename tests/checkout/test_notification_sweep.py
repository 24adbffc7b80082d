"""The safety net behind the webhooks: a notification acknowledged but never applied (its process died after the
answer) is applied by the worker's sweep, once however many sweeps race; one still fresh is left to the process
that took it.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api import embedded
from db import collections as c
from db.mongo import Mongo
from domain.checkout import notifications
from payments.sandbox import SignedNotification
from startup.clients import open_clients, payment_providers
from startup.settings import Settings
from tests.checkout.conftest import PaymentsSandbox, api_process, card, held, order_doc, outbox
from tests.checkout.test_wechatpay_webhook import deliver, paid_notification, wechat_order
from tests.conftest import Gql, Shop
from workers.crons import apply_kept_notifications


async def kept_only(mongo: Mongo, settings: Settings, signed: SignedNotification) -> None:
    """What an API process does with a delivery before it answers: verify the notification and keep it."""
    async with httpx.AsyncClient() as http:
        providers = payment_providers(settings, http)
        assert providers.wechatpay is not None
        note = providers.wechatpay.parse_notification(signed.headers, signed.body, now=datetime.now(UTC))
        await notifications.receive_wechatpay(mongo=mongo, providers=providers, note=note)


async def test_the_sweep_applies_a_notification_kept_but_never_applied_exactly_once(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, settings: Settings
) -> None:
    # given a paid order whose notification was kept and acknowledged by a process that died before applying it
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    await kept_only(mongo, settings, paid_notification(payments_sandbox, out_trade_no))

    # when a sweep runs at once, and five sweeps race a minute later
    at_once = await notifications.apply_unapplied(mongo=mongo, now=datetime.now(UTC))
    later = datetime.now(UTC) + timedelta(minutes=1)
    applied = await asyncio.gather(*(notifications.apply_unapplied(mongo=mongo, now=later) for _ in range(5)))

    # then the fresh notification was left to the process that took it, and the later sweeps applied it once
    # between them: one payment, one set of effects
    assert (at_once, sum(applied)) == (0, 1)
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert stored["status"] == "APPLIED"
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert (await card(mongo, member))["points"] == 50
    assert await mongo.db[c.LEDGER].count_documents({"member_id": member.id}) == 1
    assert len(await outbox(mongo, "ORDER_PAID")) == 1


@pytest.mark.slow
async def test_a_notification_a_killed_api_process_acknowledged_is_applied_by_the_worker_sweep(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox, settings: Settings
) -> None:
    # given a paid order, held by a slow transaction so it cannot be paid for now, and the API as its own process
    member, order_gid, out_trade_no = await wechat_order(gql, mongo, shop, 5_000)
    signed = paid_notification(payments_sandbox, out_trade_no)
    port = embedded.free_port()
    with api_process(settings, port) as process:
        async with held(mongo, order_gid), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            # when WeChat Pay delivers the notification, and the process is killed before it could apply it
            answer = await deliver(http, signed)
            process.kill()
            process.wait()

    # then the notification was acknowledged and is kept, and the order is not paid yet
    assert answer.status_code == 204
    [stored] = await mongo.db[c.PAYMENT_NOTIFICATIONS].find({}).to_list()
    assert (stored["status"], (await order_doc(mongo, order_gid))["status"]) == ("RECEIVED", "PENDING")

    # when the worker's sweep runs a minute later
    async with open_clients(settings) as clients:
        applied = await apply_kept_notifications({"clients": clients}, datetime.now(UTC) + timedelta(minutes=1))

    # then it applied the payment, once
    assert applied == 1
    assert (await order_doc(mongo, order_gid))["status"] == "PAID"
    assert (await card(mongo, member))["points"] == 50
    assert len(await outbox(mongo, "ORDER_PAID")) == 1
