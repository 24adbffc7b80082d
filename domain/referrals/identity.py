"""Who might be the same person behind two accounts: a shared WeChat unionid, phone number (by its lookup
hash) or device id recorded at login. Binding refuses such a pair; commissions between them go to review.
"""

from dataclasses import dataclass
from enum import StrEnum

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo

# A member's most recent devices are kept; enough to catch one person on two accounts, bounded per member.
MAX_DEVICES = 10
MAX_DEVICE_ID = 128


class Overlap(StrEnum):
    UNIONID = "UNIONID"
    PHONE = "PHONE"
    DEVICE = "DEVICE"


@dataclass(frozen=True)
class Identity:
    unionid: str | None = None
    phone_hash: str | None = None
    device_ids: frozenset[str] = frozenset()


NO_IDENTITY = Identity()


def overlaps(a: Identity, b: Identity) -> tuple[Overlap, ...]:
    found = []
    if a.unionid and a.unionid == b.unionid:
        found.append(Overlap.UNIONID)
    if a.phone_hash and a.phone_hash == b.phone_hash:
        found.append(Overlap.PHONE)
    if a.device_ids & b.device_ids:
        found.append(Overlap.DEVICE)
    return tuple(found)


async def member_identities(
    mongo: Mongo, merchant_id: ObjectId, member_ids: list[ObjectId]
) -> dict[ObjectId, Identity]:
    """Two queries whatever the number of members: their accounts, and the phones bound on their cards."""
    if not member_ids:
        return {}
    query = {"merchant_id": merchant_id, "_id": {"$in": member_ids}}
    docs = await mongo.db[c.MEMBERS].find(query, {"unionid": 1, "device_ids": 1}).to_list()
    cards = (
        await mongo.db[c.CARDS]
        .find({"merchant_id": merchant_id, "member_id": {"$in": member_ids}}, {"member_id": 1, "phone_hash": 1})
        .to_list()
    )
    phones = {card["member_id"]: card.get("phone_hash") for card in cards}
    return {
        d["_id"]: Identity(d.get("unionid"), phones.get(d["_id"]), frozenset(d.get("device_ids") or ())) for d in docs
    }


async def record_device(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, device_id: str | None) -> None:
    device = (device_id or "").strip()[:MAX_DEVICE_ID]
    if not device:
        return
    await mongo.db[c.MEMBERS].update_one(
        {"merchant_id": merchant_id, "_id": member_id, "device_ids": {"$ne": device}},
        {"$push": {"device_ids": {"$each": [device], "$slice": -MAX_DEVICES}}},
    )
