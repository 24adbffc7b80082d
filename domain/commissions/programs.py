"""Shareholder programs (分红方案) and who is a shareholder in one: rates per level in basis points (level 1
and level 2, the hard cap: nothing deeper can even be set), the staff rate, eligible stores, the window, the
freeze, the payout minimum and the commission base. Only the owner sets them or appoints; revoking stops new
accruals and keeps everything already earned.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.commissions.errors import CommissionCode, CommissionError
from domain.errors import PermissionDenied
from domain.events import OrderPaid
from domain.members import display_name
from domain.pagination import Page, clamp
from domain.tenancy import Role, Staff, audit

BP = 10_000
# Level 0 is the acquiring staff member's commission; 1 and 2 the payer's uplines. There is no level 3.
STAFF_LEVEL = 0
MEMBER_LEVELS = (1, 2)
MAX_NAME = 32
MAX_FREEZE_DAYS = 90
MAX_PAYOUT_MINIMUM_FEN = 10_000_000


class CommissionBase(StrEnum):
    """Which money counts, so that nothing counts twice: stored value when it is spent on consumption, or
    top-ups when they are paid (and then spending stored value counts no more)."""

    STORED_VALUE_WHEN_SPENT = "STORED_VALUE_WHEN_SPENT"
    TOP_UPS_WHEN_PAID = "TOP_UPS_WHEN_PAID"

    def of(self, order: OrderPaid) -> int:
        if self is CommissionBase.TOP_UPS_WHEN_PAID:
            return order.consumption_paid_fen - order.stored_value_spent_fen + order.top_up_paid_fen
        return order.consumption_paid_fen


@dataclass(frozen=True)
class ProgramSettings:
    name: str
    level1_bp: int
    level2_bp: int
    staff_bp: int
    all_stores: bool
    store_ids: tuple[ObjectId, ...]
    starts_at: datetime
    ends_at: datetime | None
    freeze_days: int = 7
    payout_minimum_fen: int = 0
    base: CommissionBase = CommissionBase.STORED_VALUE_WHEN_SPENT


@dataclass(frozen=True)
class Program:
    id: ObjectId
    merchant_id: ObjectId
    settings: ProgramSettings
    created_at: datetime

    def covers(self, store_id: ObjectId, at: datetime) -> bool:
        """An order of the store paid at `at` (when we recorded it, on our clock, like the start and the end)
        earns: from the start, inclusive, until the end."""
        s = self.settings
        in_window = s.starts_at <= at and (s.ends_at is None or at < s.ends_at)
        return in_window and (s.all_stores or store_id in s.store_ids)

    def rate_bp(self, level: int) -> int:
        s = self.settings
        return {STAFF_LEVEL: s.staff_bp, 1: s.level1_bp, 2: s.level2_bp}.get(level, 0)


@dataclass(frozen=True)
class Appointment:
    member_id: ObjectId
    program_id: ObjectId
    active: bool
    appointed_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Shareholder:
    """An appointment with the member's display name, as the owner's roster shows it."""

    appointment: Appointment
    nickname: str


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def program_from_doc(doc: Doc) -> Program:
    ends = doc.get("ends_at")
    settings = ProgramSettings(
        name=doc["name"],
        level1_bp=doc["level1_bp"],
        level2_bp=doc["level2_bp"],
        staff_bp=doc["staff_bp"],
        all_stores=doc["all_stores"],
        store_ids=tuple(doc["store_ids"]),
        starts_at=_aware(doc["starts_at"]),
        ends_at=_aware(ends) if ends else None,
        freeze_days=doc["freeze_days"],
        payout_minimum_fen=doc["payout_minimum_fen"],
        base=CommissionBase(doc["base"]),
    )
    return Program(doc["_id"], doc["merchant_id"], settings, doc["created_at"])


def appointment_from_doc(doc: Doc) -> Appointment:
    return Appointment(doc["member_id"], doc["program_id"], doc["active"], doc["appointed_at"], doc.get("revoked_at"))


def _settings_doc(s: ProgramSettings) -> Doc:
    return {
        "name": s.name,
        "level1_bp": s.level1_bp,
        "level2_bp": s.level2_bp,
        "staff_bp": s.staff_bp,
        "all_stores": s.all_stores,
        "store_ids": list(s.store_ids),
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "freeze_days": s.freeze_days,
        "payout_minimum_fen": s.payout_minimum_fen,
        "base": s.base.value,
    }


def require_owner(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()


def require_merchant_wide(actor: Staff) -> None:
    """Merchant-wide money figures: the owner, or a manager responsible for every store."""
    if not (actor.has_role(Role.OWNER) or (actor.has_role(Role.MANAGER) and actor.all_stores)):
        raise PermissionDenied()


def _check_rates(s: ProgramSettings) -> None:
    rates = (s.level1_bp, s.level2_bp, s.staff_bp)
    # Never more than the order itself, all levels together.
    if min(rates) < 0 or sum(rates) > BP:
        raise CommissionError(CommissionCode.PROGRAM_RATES_INVALID, "level1Bp")


async def _checked(mongo: Mongo, actor: Staff, s: ProgramSettings) -> ProgramSettings:
    name = s.name.strip()
    if not name or len(name) > MAX_NAME:
        raise CommissionError(CommissionCode.PROGRAM_NAME_REQUIRED, "name", max_length=MAX_NAME)
    _check_rates(s)
    starts, ends = _aware(s.starts_at), _aware(s.ends_at) if s.ends_at else None
    if ends is not None and ends <= starts:
        raise CommissionError(CommissionCode.PROGRAM_WINDOW_INVALID, "endsAt")
    if not 0 <= s.freeze_days <= MAX_FREEZE_DAYS:
        raise CommissionError(CommissionCode.PROGRAM_FREEZE_INVALID, "freezeDays", max_days=MAX_FREEZE_DAYS)
    if not 0 <= s.payout_minimum_fen <= MAX_PAYOUT_MINIMUM_FEN:
        raise CommissionError(CommissionCode.PROGRAM_MINIMUM_INVALID, "payoutMinimumFen")
    store_ids = tuple(dict.fromkeys(s.store_ids)) if not s.all_stores else ()
    if not s.all_stores:
        if not store_ids:
            raise CommissionError(CommissionCode.STORES_REQUIRED, "storeIds")
        query = {"merchant_id": actor.merchant_id, "_id": {"$in": list(store_ids)}}
        if await mongo.db[c.STORES].count_documents(query) != len(store_ids):
            raise CommissionError(CommissionCode.STORE_NOT_FOUND, "storeIds")
    return replace(s, name=name, starts_at=starts, ends_at=ends, store_ids=store_ids)


async def create_program(*, mongo: Mongo, actor: Staff, settings: ProgramSettings) -> Program:
    require_owner(actor)
    checked = await _checked(mongo, actor, settings)
    program = Program(ObjectId(), actor.merchant_id, checked, datetime.now(UTC))
    doc = {"_id": program.id, "merchant_id": program.merchant_id, "created_at": program.created_at}
    await mongo.db[c.SHAREHOLDER_PROGRAMS].insert_one(doc | _settings_doc(checked))
    await audit(mongo=mongo, actor=actor, action="shareholder_program.create", target=program.id)
    return program


async def update_program(*, mongo: Mongo, actor: Staff, program_id: ObjectId, settings: ProgramSettings) -> Program:
    """New settings apply to orders paid from now on; what was accrued keeps the rate it was accrued at."""
    require_owner(actor)
    checked = await _checked(mongo, actor, settings)
    doc = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one_and_update(
        {"_id": program_id, "merchant_id": actor.merchant_id},
        {"$set": _settings_doc(checked)},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise CommissionError(CommissionCode.PROGRAM_NOT_FOUND, "id")
    await audit(mongo=mongo, actor=actor, action="shareholder_program.update", target=program_id)
    return program_from_doc(doc)


async def get_program(*, mongo: Mongo, actor: Staff, program_id: ObjectId) -> Program | None:
    require_merchant_wide(actor)
    doc = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one({"_id": program_id, "merchant_id": actor.merchant_id})
    return program_from_doc(doc) if doc else None


async def list_programs(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Program]:
    require_merchant_wide(actor)
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": actor.merchant_id}
    if after is not None:
        query["_id"] = {"$gt": after}
    docs = await mongo.db[c.SHAREHOLDER_PROGRAMS].find(query).sort("_id", 1).limit(limit + 1).to_list()
    return Page([(d["_id"], program_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def merchant_programs(mongo: Mongo, merchant_id: ObjectId) -> dict[ObjectId, Program]:
    docs = await mongo.db[c.SHAREHOLDER_PROGRAMS].find({"merchant_id": merchant_id}).to_list()
    return {d["_id"]: program_from_doc(d) for d in docs}


async def appoint_shareholder(*, mongo: Mongo, actor: Staff, member_id: ObjectId, program_id: ObjectId) -> Appointment:
    """Makes the member a shareholder of the program (or moves them to it); accruals from now on use it."""
    require_owner(actor)
    if await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None:
        raise CommissionError(CommissionCode.MEMBER_NOT_FOUND, "memberId")
    program_doc = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one({"_id": program_id, "merchant_id": actor.merchant_id})
    if program_doc is None:
        raise CommissionError(CommissionCode.PROGRAM_NOT_FOUND, "programId")
    now = datetime.now(UTC)
    ends = program_from_doc(program_doc).settings.ends_at
    if ends is not None and ends <= now:
        raise CommissionError(CommissionCode.PROGRAM_ENDED, "programId")
    key = {"merchant_id": actor.merchant_id, "member_id": member_id}
    change = {
        "$set": {"program_id": program_id, "active": True, "appointed_at": now, "appointed_by": actor.id},
        "$unset": {"revoked_at": ""},
    }
    try:
        doc = await mongo.db[c.SHAREHOLDERS].find_one_and_update(
            key, change, upsert=True, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        # A concurrent first appointment inserted the document; ours is now a plain update of it.
        doc = await mongo.db[c.SHAREHOLDERS].find_one_and_update(key, change, return_document=ReturnDocument.AFTER)
    assert doc is not None
    await audit(mongo=mongo, actor=actor, action="shareholder.appoint", target=member_id, program_id=program_id)
    return appointment_from_doc(doc)


async def revoke_shareholder(*, mongo: Mongo, actor: Staff, member_id: ObjectId) -> Appointment:
    require_owner(actor)
    doc = await mongo.db[c.SHAREHOLDERS].find_one_and_update(
        {"merchant_id": actor.merchant_id, "member_id": member_id, "active": True},
        {"$set": {"active": False, "revoked_at": datetime.now(UTC), "revoked_by": actor.id}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        if await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id}, {"_id": 1}):
            raise CommissionError(CommissionCode.NOT_A_SHAREHOLDER, "memberId")
        raise CommissionError(CommissionCode.MEMBER_NOT_FOUND, "memberId")
    await audit(mongo=mongo, actor=actor, action="shareholder.revoke", target=member_id)
    return appointment_from_doc(doc)


async def appointment_of(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> Appointment | None:
    doc = await mongo.db[c.SHAREHOLDERS].find_one({"merchant_id": merchant_id, "member_id": member_id})
    return appointment_from_doc(doc) if doc else None


async def list_shareholders(
    *, mongo: Mongo, actor: Staff, program_id: ObjectId | None, first: int | None, after: ObjectId | None
) -> Page[Shareholder] | None:
    """A program's roster, the latest first appointed first, revoked ones included (what they earned stays
    theirs); three queries whatever its size. None for a program that is not the merchant's (or no program id)."""
    require_merchant_wide(actor)
    if program_id is None:
        return None
    program = await mongo.db[c.SHAREHOLDER_PROGRAMS].find_one(
        {"_id": program_id, "merchant_id": actor.merchant_id}, {"_id": 1}
    )
    if program is None:
        return None
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": actor.merchant_id, "program_id": program_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    found = await mongo.db[c.SHAREHOLDERS].find(query).sort("_id", -1).limit(limit + 1).to_list()
    docs = found[:limit]
    ids = [d["member_id"] for d in docs]
    members = await mongo.db[c.MEMBERS].find({"merchant_id": actor.merchant_id, "_id": {"$in": ids}}).to_list()
    names = {m["_id"]: m.get("nickname") for m in members}
    shareholders = [
        (d["_id"], Shareholder(appointment_from_doc(d), display_name(names.get(d["member_id"])))) for d in docs
    ]
    return Page(shareholders, len(found) > limit)
