"""Points and levels: a payment earns points at the member's level, lifetime spending raises the level (never
down) with a LEVEL_UP outbox event, and points redeem at the merchant's rate without charging fractions.
"""

import uuid

import pytest

from db import collections as c
from db.mongo import Mongo
from domain.cards import points, program
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import SYSTEM
from domain.tenancy import Staff
from tests.cards.conftest import Customer, card_doc
from tests.conftest import Shop


async def _pay(mongo: Mongo, who: Customer, paid_fen: int, key: str | None = None) -> points.PaymentRecorded:
    return await points.record_payment(
        mongo=mongo,
        merchant_id=who.merchant_id,
        member_id=who.member_id,
        paid_fen=paid_fen,
        reference="order",
        idempotency_key=key or uuid.uuid4().hex,
    )


async def test_payment_crossing_a_threshold_raises_the_level_and_writes_one_level_up_event(
    mongo: Mongo, customer: Customer
) -> None:
    # given a new member at 普通会员 (silver starts at 1000 yuan of lifetime spending)
    # when they pay 600 yuan, then 500 yuan (crossing 1000), then 100 yuan more
    first = await _pay(mongo, customer, 60_000)
    crossing = await _pay(mongo, customer, 50_000, key="order-2:earn")
    after = await _pay(mongo, customer, 10_000)

    # then points are 1 per whole yuan at the level held when paying (×1.2 only after reaching silver)
    assert (first.entry.amount, crossing.entry.amount, after.entry.amount) == (600, 500, 120)
    assert (first.leveled_up, crossing.leveled_up, after.leveled_up) == (False, True, False)
    assert crossing.level.name == "银卡会员"
    card = await card_doc(mongo, customer)
    assert (card["lifetime_paid_fen"], card["points"], card["level_id"]) == (120_000, 1220, crossing.level.id)

    # and exactly one LEVEL_UP event waits in the outbox for the notification worker
    events = await mongo.db[c.OUTBOX].find({"kind": "LEVEL_UP"}).to_list()
    assert [(e["status"], e["payload"]["to_level_name"], e["payload"]["member_id"]) for e in events] == [
        ("PENDING", "银卡会员", customer.member_id)
    ]

    # and a replay of the crossing payment changes nothing and says the same
    replay = await _pay(mongo, customer, 50_000, key="order-2:earn")
    assert replay.entry.replayed and replay.leveled_up and replay.level.id == crossing.level.id
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "LEVEL_UP"}) == 1
    # and each of the three payments (not the replay) tells the member of their points, once
    assert await mongo.db[c.OUTBOX].count_documents({"kind": "POINTS_CHANGED"}) == 3
    assert (await card_doc(mongo, customer))["lifetime_paid_fen"] == 120_000


async def test_level_never_goes_down_when_the_owner_raises_the_thresholds(
    mongo: Mongo, shop: Shop, customer: Customer
) -> None:
    # given a member who reached silver
    silver = (await _pay(mongo, customer, 100_000)).level
    assert silver.name == "银卡会员"

    # when the owner moves silver up to 5000 yuan and the member pays again
    owner: Staff = shop.merchant.owner
    current = await program.load_program(mongo=mongo, merchant_id=customer.merchant_id)
    await program.set_levels(
        mongo=mongo,
        actor=owner,
        levels=[
            program.LevelInput(lv.id, lv.name, threshold, lv.discount_bp, lv.points_multiplier_bp)
            for lv, threshold in zip(current.levels, [0, 500_000, 900_000], strict=True)
        ],
    )
    recorded = await _pay(mongo, customer, 100)

    # then the member keeps silver
    assert recorded.level.id == silver.id and not recorded.leveled_up


async def test_redeeming_charges_only_the_points_the_fen_value_needs(
    mongo: Mongo, shop: Shop, customer: Customer
) -> None:
    # given 150 points make one yuan, and a member with 1000 points
    await program.set_points_rule(
        mongo=mongo, actor=shop.merchant.owner, earn_points_per_yuan=1, redeem_points_per_yuan=150
    )
    await _pay(mongo, customer, 100_000)

    # when they offer 10 points (6.67 fen) and then 1 point (0.67 fen)
    redemption = await points.redeem_points(
        mongo=mongo,
        merchant_id=customer.merchant_id,
        member_id=customer.member_id,
        points=10,
        reference="order-3",
        idempotency_key="order-3:points",
        actor=SYSTEM,
    )
    with pytest.raises(CardError) as too_few:
        await points.redeem_points(
            mongo=mongo,
            merchant_id=customer.merchant_id,
            member_id=customer.member_id,
            points=1,
            reference="order-4",
            idempotency_key="order-4:points",
            actor=SYSTEM,
        )

    # then 6 fen off costs 9 points, and a single point is worth nothing yet
    assert (redemption.value_fen, redemption.entry.amount, redemption.entry.balance_after) == (6, -9, 991)
    assert too_few.value.code is CardCode.POINTS_TOO_FEW
