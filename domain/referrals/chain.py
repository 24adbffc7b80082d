"""The stored upline and how it changes: a member's `ancestors` (nearest first, at most MAX_ANCESTORS) is
always the true chain, so moving a member (a first binding, an owner's correction) rewrites its whole
subtree's lists in the same transaction.

Cycles under concurrency: every move writes the member it moves and bumps `chain_version` on the root of
the chain it moves under. Two moves that could close a loop between them each write the other's moved
member (it is the root the other one reads), so snapshot isolation lets only one of them commit; the other
retries, sees the first, and refuses the cycle.
"""

from typing import Any

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo

# Commission reads two levels; the rest serves the chain view, and makes the cycle check one read for any
# chain up to this deep (a deeper one walks on from the last stored ancestor).
MAX_ANCESTORS = 16
# A chain longer than this many stored lists is corrupt, not deep: stop instead of looping.
_MAX_HOPS = 64


def ancestors_of(doc: Doc | None) -> list[ObjectId]:
    return list((doc or {}).get("ancestors") or [])


async def full_chain(
    mongo: Mongo, session: AsyncClientSession | None, merchant_id: ObjectId, member: Doc
) -> list[ObjectId]:
    """Every upline of `member`, nearest first, walking past the stored cap when the chain is deeper."""
    chain = ancestors_of(member)
    last = chain
    for _ in range(_MAX_HOPS):
        if len(last) < MAX_ANCESTORS:
            return chain
        top = await mongo.db[c.MEMBERS].find_one(
            {"merchant_id": merchant_id, "_id": chain[-1]}, {"ancestors": 1}, session=session
        )
        last = ancestors_of(top)
        chain += last
    raise RuntimeError("referral chain deeper than any real one: corrupt ancestors")


async def touch_root(mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, root_id: ObjectId) -> None:
    """A real write (MongoDB skips no-op updates) so that concurrent moves in one tree conflict."""
    root = {"merchant_id": merchant_id, "_id": root_id}
    await mongo.db[c.MEMBERS].update_one(root, {"$inc": {"chain_version": 1}}, session=session)


def root_of(member_id: ObjectId, chain: list[ObjectId]) -> ObjectId:
    return chain[-1] if chain else member_id


def binding_fields(new_ancestors: list[ObjectId]) -> dict[str, Any]:
    kept = new_ancestors[:MAX_ANCESTORS]
    return {"referrer_id": kept[0] if kept else None, "ancestors": kept}


async def rewrite_subtree(
    mongo: Mongo,
    session: AsyncClientSession,
    merchant_id: ObjectId,
    member_id: ObjectId,
    new_ancestors: list[ObjectId],
) -> int:
    """Each descendant keeps its chain up to `member_id` and takes the member's new chain after it.

    Descendants deeper than MAX_ANCESTORS do not list `member_id` and already hold a full list of nearer
    uplines, so they are untouched, as they should be.
    """
    docs = (
        await mongo.db[c.MEMBERS]
        .find({"merchant_id": merchant_id, "ancestors": member_id}, {"ancestors": 1}, session=session)
        .to_list()
    )
    updates = []
    for doc in docs:
        old = ancestors_of(doc)
        chain = (old[: old.index(member_id) + 1] + new_ancestors)[:MAX_ANCESTORS]
        if chain != old:
            updates.append(UpdateOne({"merchant_id": merchant_id, "_id": doc["_id"]}, {"$set": {"ancestors": chain}}))
    if updates:
        await mongo.db[c.MEMBERS].bulk_write(updates, ordered=False, session=session)
    return len(updates)
