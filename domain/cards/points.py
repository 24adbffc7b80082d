"""Points: earned on what a member pays (per yuan × the level's multiplier), redeemed for money off.

`record_payment` is what checkout calls when a payment succeeds: in one transaction it earns the points,
adds the amount to the card's lifetime spending and raises the level when a threshold is crossed (never
down), writing a LEVEL_UP outbox event for the notification worker.
"""

from dataclasses import dataclass

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain import outbox
from domain.cards.card import card_from_doc
from domain.cards.errors import CardCode, CardError
from domain.cards.ledger import (
    SYSTEM,
    Account,
    Actor,
    Entry,
    EntryKind,
    Posting,
    check_key,
    find_entry,
    post_new,
    run_in,
)
from domain.cards.program import BP, Level, PointsRule, load_program
from domain.events import LevelUp

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class PaymentRecorded:
    entry: Entry
    level: Level
    leveled_up: bool


@dataclass(frozen=True)
class Redemption:
    entry: Entry
    value_fen: int


def points_for(paid_fen: int, rule: PointsRule, level: Level) -> int:
    """Whole yuan only, rounded down: 9.99 yuan earns what 9 yuan earns."""
    return (paid_fen // FEN_PER_YUAN) * rule.earn_points_per_yuan * level.points_multiplier_bp // BP


def redemption_for(points: int, rule: PointsRule) -> tuple[int, int]:
    """(fen off, points charged): the fen value rounds down, and only the points that value needs are
    charged, so a member never pays points for a fraction of a fen."""
    value_fen = points * FEN_PER_YUAN // rule.redeem_points_per_yuan
    charged = -(-value_fen * rule.redeem_points_per_yuan // FEN_PER_YUAN)
    return value_fen, charged


def _check_positive(amount: int, field_name: str) -> None:
    if amount <= 0:
        raise CardError(CardCode.INVALID_AMOUNT, field_name)


async def earn_points(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    member_id: ObjectId,
    paid_fen: int,
    level: Level,
    rule: PointsRule,
    reference: str,
    idempotency_key: str,
    detail: dict[str, object],
    card_change: Doc,
) -> Entry:
    """The EARN entry for a payment at `level`, inside the caller's transaction, which has just found no entry
    under the key. Zero points is still an entry: the payment itself is then on record and its key replays.
    `card_change` goes to the card in the same write as the points."""
    return await post_new(
        mongo=mongo,
        session=session,
        also=card_change,
        posting=Posting(
            merchant_id=merchant_id,
            member_id=member_id,
            account=Account.POINTS,
            kind=EntryKind.EARN,
            amount=points_for(paid_fen, rule, level),
            reference=reference,
            actor=SYSTEM,
            idempotency_key=idempotency_key,
            detail={"paid_fen": paid_fen, **detail},
        ),
    )


async def _replayed_payment(
    mongo: Mongo, session: AsyncClientSession, first: Entry, member_id: ObjectId
) -> PaymentRecorded:
    if first.member_id != member_id or first.kind is not EntryKind.EARN:
        raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
    program = await load_program(mongo=mongo, merchant_id=first.merchant_id, session=session)
    level = program.level(first.detail["level_to"], first.detail["lifetime_paid_fen"])
    return PaymentRecorded(first, level, first.detail["level_from"] != first.detail["level_to"])


async def record_payment(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    paid_fen: int,
    reference: str,
    idempotency_key: str,
    session: AsyncClientSession | None = None,
) -> PaymentRecorded:
    """A paid amount (fen actually paid, after discounts): points at the level held before this payment,
    lifetime spending, and a level raise when it crosses a threshold. Pass `session` to join checkout's
    transaction."""
    _check_positive(paid_fen, "paidFen")
    key = check_key(idempotency_key)

    async def work(s: AsyncClientSession) -> PaymentRecorded:
        first = await find_entry(mongo=mongo, merchant_id=merchant_id, idempotency_key=key, session=s)
        if first is not None:
            return await _replayed_payment(mongo, s, first, member_id)
        doc = await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": member_id}, session=s)
        if doc is None:
            raise CardError(CardCode.CARD_NOT_FOUND, "memberId")
        card = card_from_doc(doc)
        program = await load_program(mongo=mongo, merchant_id=merchant_id, session=s)
        held = program.level(card.level_id, card.lifetime_paid_fen)
        lifetime = card.lifetime_paid_fen + paid_fen
        reached = program.level_for(lifetime)
        leveled_up = reached.threshold_fen > held.threshold_fen
        level = reached if leveled_up else held
        card_change: Doc = {"$inc": {"lifetime_paid_fen": paid_fen}}
        if leveled_up:
            card_change["$set"] = {"level_id": level.id}
        entry = await earn_points(
            mongo=mongo,
            session=s,
            merchant_id=merchant_id,
            member_id=member_id,
            paid_fen=paid_fen,
            level=held,
            rule=program.points_rule,
            reference=reference,
            idempotency_key=key,
            detail={"level_from": held.id, "level_to": level.id, "lifetime_paid_fen": lifetime},
            card_change=card_change,
        )
        if leveled_up:
            await outbox.record(
                mongo=mongo,
                session=s,
                merchant_id=merchant_id,
                event=LevelUp(
                    member_id=member_id,
                    card_id=card.id,
                    from_level_id=held.id,
                    to_level_id=level.id,
                    to_level_name=level.name,
                ),
                # A member reaches each level once, so this also dedupes a retried transaction.
                dedupe_key=f"level_up:{card.id}:{level.id}",
            )
        return PaymentRecorded(entry, level, leveled_up)

    return await run_in(mongo, session, work)


async def redeem_points(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    points: int,
    reference: str,
    idempotency_key: str,
    actor: Actor,
    session: AsyncClientSession | None = None,
) -> Redemption:
    """Points for money off at the merchant's redeem rate; refused on a LOST card or a short balance."""
    _check_positive(points, "points")
    key = check_key(idempotency_key)

    async def work(s: AsyncClientSession) -> Redemption:
        first = await find_entry(mongo=mongo, merchant_id=merchant_id, idempotency_key=key, session=s)
        if first is not None:
            if first.member_id != member_id or first.kind is not EntryKind.REDEEM:
                raise CardError(CardCode.IDEMPOTENCY_KEY_REUSED, "idempotencyKey")
            return Redemption(first, first.detail["value_fen"])
        program = await load_program(mongo=mongo, merchant_id=merchant_id, session=s)
        value_fen, charged = redemption_for(points, program.points_rule)
        if value_fen == 0:
            raise CardError(CardCode.POINTS_TOO_FEW, "points", rate=program.points_rule.redeem_points_per_yuan)
        entry = await post_new(
            mongo=mongo,
            session=s,
            posting=Posting(
                merchant_id=merchant_id,
                member_id=member_id,
                account=Account.POINTS,
                kind=EntryKind.REDEEM,
                amount=-charged,
                reference=reference,
                actor=actor,
                idempotency_key=key,
                detail={"value_fen": value_fen},
            ),
        )
        return Redemption(entry, value_fen)

    return await run_in(mongo, session, work)
