"""Member facts kept by the member events stay equal to a rebuild from the source collections, after a mix of real
pays (cash and stored value), refunds and top-ups through checkout."""

import random
import uuid
from datetime import UTC, datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.checkout.providers import Providers
from domain.checkout.refunds import refund_order
from domain.events import EVENTS
from domain.orders.model import PayMethod
from domain.segments import facts
from tests.checkout.conftest import counter_sale, give, shopper
from tests.conftest import Shop
from tests.segments.conftest import facts_of

MEMBER_KINDS = {
    "ORDER_PAID",
    "ORDER_REFUNDED",
    "MEMBER_JOINED",
    "MEMBER_BOUND",
    "LEVEL_UP",
    "CARD_ISSUED",
    "BALANCE_CHANGED",
}


async def keep_facts_from_outbox(mongo: Mongo, merchant_id: ObjectId, now: datetime) -> None:
    """Every member event in the outbox through the facts handler's call, in the order written."""
    kinds = {k.KIND: k for k in EVENTS if k.KIND in MEMBER_KINDS}
    async for entry in mongo.db[c.OUTBOX].find({"kind": {"$in": list(kinds)}}).sort("_id", 1):
        event = kinds[entry["kind"]].from_payload(entry["payload"])
        member_id = getattr(event, "member_id", None)
        if member_id is not None:
            await facts.refresh(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=now)


async def test_facts_kept_by_events_equal_a_rebuild_after_pays_refunds_and_top_ups(mongo: Mongo, shop: Shop) -> None:
    merchant_id, store_id = shop.merchant.merchant.id, shop.merchant.store.id
    rng = random.Random(19)
    members = [await shopper(mongo, shop, name) for name in ("阿兰", "宝儿", "晨晨")]
    orders: list[ObjectId] = []
    # given a small random mix of top-ups, cash and stored-value sales and refunds
    for _ in range(12):
        member = rng.choice(members)
        step = rng.choice(["top_up", "cash", "stored", "refund"])
        if step == "top_up":
            await give(mongo, shop, member, stored=(rng.randint(1, 5) * 1000, rng.randint(0, 2) * 100))
        elif step == "cash":
            orders.append(await counter_sale(mongo, shop, store_id, rng.randint(1, 50) * 100, member_id=member.id))
        elif step == "stored":
            card = await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": member.id})
            assert card is not None
            if card["stored_paid"] + card["stored_bonus"] >= 100:
                orders.append(
                    await counter_sale(mongo, shop, store_id, 100, PayMethod.STORED_VALUE, member_id=member.id)
                )
        elif orders:
            await refund_order(
                mongo=mongo,
                providers=Providers(None, None, "", ""),
                actor=shop.merchant.owner,
                order_id=orders.pop(rng.randrange(len(orders))),
                amount_fen=100,
                reason="顾客不满意",
                idempotency_key=uuid.uuid4().hex,
            )
    now = datetime.now(UTC)
    # when the events are handled (twice: a redelivery changes nothing)
    await keep_facts_from_outbox(mongo, merchant_id, now)
    await keep_facts_from_outbox(mongo, merchant_id, now)
    kept = await facts_of(mongo, merchant_id)
    # then the facts equal a rebuild from the source collections
    assert await facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=now) == 3
    assert await facts_of(mongo, merchant_id) == kept
    assert sum(f["lifetime_paid_fen"] for f in kept) > 0
