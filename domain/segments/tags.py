"""Staff's tags on members (敏感肌, 常客): kept on the member document, copied into the member's facts in the same
transaction, and counted for the list of tags in use. Any staff role that opens members may tag them.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Mongo, transaction
from domain.errors import PermissionDenied
from domain.members import Member, member_from_doc
from domain.segments import facts
from domain.segments.errors import SegmentCode, SegmentError
from domain.tenancy import Staff

MAX_TAG_LENGTH = 12
MAX_TAGS_PER_MEMBER = 20
MAX_MEMBERS = 100
MAX_TAGS_AT_ONCE = 10
# Letters (any script), digits and marks; a few joiners inside a tag.
_JOINERS = frozenset("-_·&+")


@dataclass(frozen=True)
class TagCount:
    tag: str
    members: int


def check_tag(tag: str) -> str:
    """The tag as kept (trimmed, NFC), or TAG_INVALID."""
    tag = unicodedata.normalize("NFC", tag.strip())
    fits = 0 < len(tag) <= MAX_TAG_LENGTH and tag[0] not in _JOINERS
    if not fits or not all(ch in _JOINERS or unicodedata.category(ch)[0] in "LNM" for ch in tag):
        raise SegmentError(SegmentCode.TAG_INVALID, "tags", tag=tag)
    return tag


def check_tags(tags: list[str]) -> list[str]:
    if not 0 < len(tags) <= MAX_TAGS_AT_ONCE:
        raise SegmentError(SegmentCode.TAG_INVALID, "tags")
    return sorted({check_tag(t) for t in tags})


def _require(actor: Staff) -> None:
    if not actor.active:
        raise PermissionDenied()


async def _change(
    mongo: Mongo, actor: Staff, member_ids: list[ObjectId], tags: list[str], now: datetime, *, add: bool
) -> list[Member]:
    _require(actor)
    wanted = check_tags(tags)
    ids = list(dict.fromkeys(member_ids))
    if not 0 < len(ids) <= MAX_MEMBERS:
        raise SegmentError(SegmentCode.MEMBERS_INVALID, "memberIds")
    merchant_id = actor.merchant_id
    zones = await facts.store_zones(mongo=mongo, merchant_id=merchant_id)
    scope = {"merchant_id": merchant_id, "_id": {"$in": ids}}

    async def work(s: AsyncClientSession) -> list[Member]:
        members = await mongo.db[c.MEMBERS].find(scope, session=s).to_list()
        if len(members) != len(ids):
            # Another merchant's member, or nobody's: nothing changes.
            raise SegmentError(SegmentCode.MEMBERS_INVALID, "memberIds")
        for member in members:
            held = set(member.get("tags") or [])
            after = held | set(wanted) if add else held - set(wanted)
            if len(after) > MAX_TAGS_PER_MEMBER:
                raise SegmentError(SegmentCode.TOO_MANY_TAGS, "tags", limit=MAX_TAGS_PER_MEMBER)
            member["tags"] = sorted(after)
        update = {"$addToSet": {"tags": {"$each": wanted}}} if add else {"$pullAll": {"tags": wanted}}
        await mongo.db[c.MEMBERS].update_many(scope, update, session=s)
        await facts.write_in(mongo=mongo, session=s, merchant_id=merchant_id, members=members, zones=zones, now=now)
        by_id = {m["_id"]: m for m in members}
        return [member_from_doc(by_id[i]) for i in ids]

    return await transaction(mongo, work)


async def tag_members(
    *, mongo: Mongo, actor: Staff, member_ids: list[ObjectId], tags: list[str], now: datetime
) -> list[Member]:
    """The members with the tags added (a tag they carry already stays once); all or nothing."""
    return await _change(mongo, actor, member_ids, tags, now, add=True)


async def untag_members(
    *, mongo: Mongo, actor: Staff, member_ids: list[ObjectId], tags: list[str], now: datetime
) -> list[Member]:
    """The members without the tags (a tag they do not carry is no error); all or nothing."""
    return await _change(mongo, actor, member_ids, tags, now, add=False)


async def member_tags(*, mongo: Mongo, actor: Staff) -> list[TagCount]:
    """The merchant's tags in use with how many members carry each, most used first."""
    _require(actor)
    rows = mongo.db[c.MEMBER_FACTS].aggregate(
        [
            {"$match": {"merchant_id": actor.merchant_id, "tags.0": {"$exists": True}}},
            {"$project": {"tags": 1}},
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "members": {"$sum": 1}}},
        ]
    )
    counted = [TagCount(r["_id"], int(r["members"])) async for r in await rows]
    return sorted(counted, key=lambda t: (-t.members, t.tag))
