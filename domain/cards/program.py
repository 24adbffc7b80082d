"""A merchant's loyalty program: its card levels and its points rule, in one document per merchant.

A merchant that has set nothing gets the default program when its first card is issued. Levels are
ordered by threshold (lifetime paid fen); the lowest starts at 0 and is where every new card begins.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.cards.errors import CardCode, CardError
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff, audit

MAX_LEVELS = 10
MAX_NAME = 16
BP = 10_000


@dataclass(frozen=True)
class Level:
    id: ObjectId
    name: str
    threshold_fen: int
    # Off the price: 1000 = 10% off (九折).
    discount_bp: int
    # On earned points: 10000 = ×1.
    points_multiplier_bp: int


@dataclass(frozen=True)
class PointsRule:
    earn_points_per_yuan: int
    redeem_points_per_yuan: int


@dataclass(frozen=True)
class Program:
    merchant_id: ObjectId
    levels: tuple[Level, ...]
    points_rule: PointsRule

    @property
    def lowest(self) -> Level:
        return self.levels[0]

    def level_for(self, lifetime_paid_fen: int) -> Level:
        """The highest level this much lifetime spending reaches."""
        return [level for level in self.levels if level.threshold_fen <= lifetime_paid_fen][-1]

    def level(self, level_id: ObjectId, lifetime_paid_fen: int) -> Level:
        """The card's level; one removed since falls back to what the card's spending reaches."""
        for level in self.levels:
            if level.id == level_id:
                return level
        return self.level_for(lifetime_paid_fen)


@dataclass(frozen=True)
class LevelInput:
    id: ObjectId | None
    name: str
    threshold_fen: int
    discount_bp: int
    points_multiplier_bp: int


def _default_doc(merchant_id: ObjectId) -> Doc:
    levels = [("普通会员", 0, 0, BP), ("银卡会员", 100_000, 500, 12_000), ("金卡会员", 500_000, 1_000, 15_000)]
    return {
        "_id": merchant_id,
        "levels": [
            {"id": ObjectId(), "name": n, "threshold_fen": t, "discount_bp": d, "points_multiplier_bp": m}
            for n, t, d, m in levels
        ],
        "earn_points_per_yuan": 1,
        "redeem_points_per_yuan": 100,
        "updated_at": datetime.now(UTC),
    }


def program_from_doc(doc: Doc) -> Program:
    return Program(
        merchant_id=doc["_id"],
        levels=tuple(
            Level(lv["id"], lv["name"], lv["threshold_fen"], lv["discount_bp"], lv["points_multiplier_bp"])
            for lv in doc["levels"]
        ),
        points_rule=PointsRule(doc["earn_points_per_yuan"], doc["redeem_points_per_yuan"]),
    )


async def load_program(*, mongo: Mongo, merchant_id: ObjectId, session: AsyncClientSession | None = None) -> Program:
    programs = mongo.db[c.LOYALTY_PROGRAMS]
    doc = await programs.find_one({"_id": merchant_id}, session=session)
    if doc is None:
        # Only the first card of a merchant gets here; a plain read stays a read for everyone after.
        default = _default_doc(merchant_id)
        try:
            await programs.insert_one(default, session=session)
            doc = default
        except DuplicateKeyError:
            doc = await programs.find_one({"_id": merchant_id}, session=session)
    if doc is None:
        raise RuntimeError("loyalty program vanished")
    return program_from_doc(doc)


def _level_doc(i: int, level: LevelInput, known: set[ObjectId]) -> Doc:
    name = level.name.strip()
    if not name or len(name) > MAX_NAME:
        raise CardError(CardCode.LEVELS_INVALID, f"levels.{i}.name")
    if level.threshold_fen < 0:
        raise CardError(CardCode.LEVELS_INVALID, f"levels.{i}.thresholdFen")
    if not 0 <= level.discount_bp < BP:
        raise CardError(CardCode.LEVELS_INVALID, f"levels.{i}.discountBp")
    if not 0 <= level.points_multiplier_bp <= 10 * BP:
        raise CardError(CardCode.LEVELS_INVALID, f"levels.{i}.pointsMultiplierBp")
    if level.id is not None and level.id not in known:
        raise CardError(CardCode.LEVELS_INVALID, f"levels.{i}.id")
    return {
        "id": level.id or ObjectId(),
        "name": name,
        "threshold_fen": level.threshold_fen,
        "discount_bp": level.discount_bp,
        "points_multiplier_bp": level.points_multiplier_bp,
    }


def _check_levels(levels: list[LevelInput], known: set[ObjectId]) -> list[Doc]:
    if not 1 <= len(levels) <= MAX_LEVELS:
        raise CardError(CardCode.LEVELS_INVALID, "levels", max_levels=MAX_LEVELS)
    docs = [_level_doc(i, level, known) for i, level in enumerate(levels)]
    thresholds = [d["threshold_fen"] for d in docs]
    # Given in order, starting at 0, strictly rising: every card has exactly one level it belongs to.
    if thresholds[0] != 0 or any(a >= b for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise CardError(CardCode.LEVELS_INVALID, "levels.thresholdFen")
    if len({d["name"] for d in docs}) != len(docs) or len({d["id"] for d in docs}) != len(docs):
        raise CardError(CardCode.LEVELS_INVALID, "levels.name")
    return docs


async def set_levels(*, mongo: Mongo, actor: Staff, levels: list[LevelInput]) -> Program:
    """Replace the level list (OWNER). Keep a level by passing its id; a level cards still hold cannot go."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    current = await load_program(mongo=mongo, merchant_id=actor.merchant_id)
    docs = _check_levels(levels, {level.id for level in current.levels})

    async def write(session: AsyncClientSession) -> Program:
        held = await load_program(mongo=mongo, merchant_id=actor.merchant_id, session=session)
        removed = [level.id for level in held.levels if level.id not in {d["id"] for d in docs}]
        if removed and await mongo.db[c.CARDS].find_one(
            {"merchant_id": actor.merchant_id, "level_id": {"$in": removed}}, {"_id": 1}, session=session
        ):
            raise CardError(CardCode.LEVEL_IN_USE, "levels")
        doc = await mongo.db[c.LOYALTY_PROGRAMS].find_one_and_update(
            {"_id": actor.merchant_id},
            {"$set": {"levels": docs, "updated_at": datetime.now(UTC)}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None:
            raise RuntimeError("loyalty program vanished")
        return program_from_doc(doc)

    program = await transaction(mongo, write)
    await audit(mongo=mongo, actor=actor, action="loyalty.levels.set", target=actor.merchant_id, levels=len(docs))
    return program


async def set_points_rule(
    *, mongo: Mongo, actor: Staff, earn_points_per_yuan: int, redeem_points_per_yuan: int
) -> Program:
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    if not 0 <= earn_points_per_yuan <= 1_000:
        raise CardError(CardCode.POINTS_RULE_INVALID, "earnPointsPerYuan")
    if not 1 <= redeem_points_per_yuan <= 100_000:
        raise CardError(CardCode.POINTS_RULE_INVALID, "redeemPointsPerYuan")
    await load_program(mongo=mongo, merchant_id=actor.merchant_id)
    doc = await mongo.db[c.LOYALTY_PROGRAMS].find_one_and_update(
        {"_id": actor.merchant_id},
        {
            "$set": {
                "earn_points_per_yuan": earn_points_per_yuan,
                "redeem_points_per_yuan": redeem_points_per_yuan,
                "updated_at": datetime.now(UTC),
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise RuntimeError("loyalty program vanished")
    await audit(
        mongo=mongo,
        actor=actor,
        action="loyalty.points_rule.set",
        target=actor.merchant_id,
        earn=earn_points_per_yuan,
        redeem=redeem_points_per_yuan,
    )
    return program_from_doc(doc)
