"""Commission givens: programs and appointments made through the domain as the owner would, and ORDER_PAID /
ORDER_REFUNDED facts shaped as the payments capability records them.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.accrual import on_order_paid
from domain.commissions.programs import Program, ProgramSettings, appoint_shareholder, create_program
from domain.events import OrderPaid, OrderRefunded
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import Shop
from tests.referrals.conftest import bind, bind_phone, make_members

SETTINGS = ProgramSettings(
    name="金牌股东",
    level1_bp=1000,
    level2_bp=500,
    staff_bp=300,
    all_stores=True,
    store_ids=(),
    starts_at=datetime(2020, 1, 1, tzinfo=UTC),
    ends_at=None,
)


async def open_program(mongo: Mongo, shop: Shop, **overrides: Any) -> Program:
    return await create_program(mongo=mongo, actor=shop.merchant.owner, settings=replace(SETTINGS, **overrides))


async def appoint(mongo: Mongo, shop: Shop, program: Program, *member_ids: ObjectId) -> None:
    for member_id in member_ids:
        await appoint_shareholder(mongo=mongo, actor=shop.merchant.owner, member_id=member_id, program_id=program.id)


def paid(
    shop: Shop,
    payer: ObjectId,
    fen: int,
    *,
    stored_value: int = 0,
    top_up: int = 0,
    at: datetime | None = None,
    store_id: ObjectId | None = None,
) -> OrderPaid:
    # Mongo keeps milliseconds: a time with whole milliseconds compares equal after a round trip.
    moment = at or datetime.now(UTC) - timedelta(minutes=1)
    return OrderPaid(
        order_id=ObjectId(),
        merchant_id=shop.merchant.merchant.id,
        member_id=payer,
        store_id=store_id or shop.merchant.store.id,
        paid_at=moment.replace(microsecond=moment.microsecond // 1000 * 1000),
        consumption_paid_fen=fen,
        stored_value_spent_fen=stored_value,
        top_up_paid_fen=top_up,
    )


def refunded(order: OrderPaid, fen: int, refund_id: str | None = None) -> OrderRefunded:
    return OrderRefunded(
        order_id=order.order_id,
        refund_id=refund_id or str(ObjectId()),
        refunded_fen=fen,
        order_paid_fen=order.consumption_paid_fen + order.top_up_paid_fen,
        merchant_id=order.merchant_id,
        member_id=order.member_id,
    )


async def commissions_of(mongo: Mongo, **query: Any) -> list[Doc]:
    return await mongo.db[c.COMMISSIONS].find(query).sort([("level", 1), ("_id", 1)]).to_list()


async def account(mongo: Mongo, beneficiary_id: ObjectId) -> dict[str, int]:
    doc = await mongo.db[c.COMMISSION_ACCOUNTS].find_one({"beneficiary_id": beneficiary_id}) or {}
    names = ("pending_fen", "available_fen", "review_fen", "paid_fen", "owed_fen")
    return {name: int(doc.get(name, 0)) for name in names}


async def ledger_sums(mongo: Mongo, beneficiary_id: ObjectId) -> dict[str, int]:
    entries = await mongo.db[c.COMMISSION_LEDGER].find({"beneficiary_id": beneficiary_id}).to_list()
    names = ("pending_fen", "available_fen", "review_fen", "paid_fen", "owed_fen")
    return {name: sum(int(e.get(name, 0)) for e in entries) for name in names}


async def furnish_shareholders(mongo: Mongo, pii: PiiCipher, shop: Shop) -> dict[str, str]:
    """For the tenancy isolation walk: a shareholder program, a member to name as a referrer, and two
    commissions held for review (shareholder and friend share a phone), made through the domain."""
    program = await open_program(mongo, shop)
    sharer, friend = await make_members(mongo, shop.merchant.merchant.id, 2, "iso")
    await bind(mongo, shop, friend.id, sharer.id)
    await appoint(mongo, shop, program, sharer.id)
    for member in (sharer, friend):
        await bind_phone(mongo, pii, shop, member.id, "13912345678")
    for amount in (10_000, 20_000):
        await on_order_paid(mongo=mongo, event=paid(shop, friend.id, amount))
    held = await commissions_of(mongo, beneficiary_id=sharer.id)
    return {
        "shareholder_program": to_global_id("ShareholderProgram", program.id),
        "referrer": sharer.gid,
        "held_commission": to_global_id("Commission", held[0]["_id"]),
        "held_commission_2": to_global_id("Commission", held[1]["_id"]),
    }
