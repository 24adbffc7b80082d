"""Reading chains: a member's upline and downline (per level, paged) for owners and managers, downline
counts for the shareholder screen, and masked names for what a member sees of their friends.

Level k below a member is everyone whose `ancestors[k-1]` is that member, found through the multikey
index on `ancestors`; every list here is a fixed number of queries whatever its length.
"""

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import PermissionDenied
from domain.members import ANONYMOUS, CLOSED, display_name
from domain.pagination import Page, clamp
from domain.referrals.chain import MAX_ANCESTORS, ancestors_of
from domain.tenancy import Role, Staff


@dataclass(frozen=True)
class ChainMember:
    id: ObjectId
    nickname: str
    joined_at: datetime
    bound_at: datetime | None
    source: str | None
    referrer_id: ObjectId | None
    acquired_by_staff_id: ObjectId | None
    shareholder: bool


@dataclass(frozen=True)
class Chain:
    member: ChainMember
    upline: tuple[ChainMember, ...]
    downline_counts: tuple[int, ...]


def mask_name(nickname: str | None) -> str:
    """What a member sees of a friend: the display name's first character, the rest starred (张** / A**)."""
    name = display_name(nickname)
    return name if name in (ANONYMOUS, CLOSED) else name[0] + "**"


def require_reader(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


async def _chain_members(mongo: Mongo, merchant_id: ObjectId, docs: list[Doc]) -> list[ChainMember]:
    ids = [d["_id"] for d in docs]
    shareholders = {
        s["member_id"]
        for s in await mongo.db[c.SHAREHOLDERS]
        .find({"merchant_id": merchant_id, "member_id": {"$in": ids}, "active": True}, {"member_id": 1})
        .to_list()
    }
    return [
        ChainMember(
            id=d["_id"],
            nickname=display_name(d.get("nickname")),
            joined_at=d["created_at"],
            bound_at=d.get("bound_at"),
            source=d.get("bound_source"),
            referrer_id=d.get("referrer_id"),
            acquired_by_staff_id=d.get("acquired_by_staff_id"),
            shareholder=d["_id"] in shareholders,
        )
        for d in docs
    ]


async def downline_counts(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, levels: int = MAX_ANCESTORS
) -> tuple[int, ...]:
    """How many members are 1, 2, … `levels` steps below; one aggregation."""
    pipeline: list[Doc] = [
        {"$match": {"merchant_id": merchant_id, "ancestors": member_id}},
        {"$project": {"level": {"$indexOfArray": ["$ancestors", member_id]}}},
        {"$match": {"level": {"$lt": levels}}},
        {"$group": {"_id": "$level", "n": {"$sum": 1}}},
    ]
    counts = [0] * levels
    async for row in await mongo.db[c.MEMBERS].aggregate(pipeline):
        counts[int(row["_id"])] = int(row["n"])
    return tuple(counts)


async def member_chain(*, mongo: Mongo, actor: Staff, member_id: ObjectId) -> Chain | None:
    require_reader(actor)
    member = await mongo.db[c.MEMBERS].find_one({"_id": member_id, "merchant_id": actor.merchant_id})
    if member is None:
        return None
    upline_ids = ancestors_of(member)
    docs = await mongo.db[c.MEMBERS].find({"merchant_id": actor.merchant_id, "_id": {"$in": upline_ids}}).to_list()
    by_id = {d["_id"]: d for d in docs}
    ordered = [member] + [by_id[i] for i in upline_ids if i in by_id]
    described = await _chain_members(mongo, actor.merchant_id, ordered)
    counts = await downline_counts(mongo=mongo, merchant_id=actor.merchant_id, member_id=member_id)
    return Chain(described[0], tuple(described[1:]), counts)


async def downline(
    *,
    mongo: Mongo,
    actor: Staff,
    member_id: ObjectId,
    level: int,
    first: int | None,
    after: ObjectId | None,
) -> Page[ChainMember]:
    """The members exactly `level` steps below, oldest binding first by id; a level beyond the stored chain
    is empty."""
    require_reader(actor)
    if not 1 <= level <= MAX_ANCESTORS:
        return Page([], False)
    limit = clamp(first)
    query: Doc = {"merchant_id": actor.merchant_id, "ancestors": member_id, f"ancestors.{level - 1}": member_id}
    if after is not None:
        query["_id"] = {"$gt": after}
    docs = await mongo.db[c.MEMBERS].find(query).sort("_id", 1).limit(limit + 1).to_list()
    described = await _chain_members(mongo, actor.merchant_id, docs[:limit])
    return Page([(m.id, m) for m in described], len(docs) > limit)
