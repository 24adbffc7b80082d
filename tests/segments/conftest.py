"""Givens for segments: members with known histories written straight into their source documents (member, card,
orders, count cards), their facts kept as the event handler keeps them, at a fixed instant."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.segments import facts, saved
from domain.segments.filters import SegmentFilter
from schema.ids import to_global_id
from tests.conftest import Shop

# 12:00 in Shanghai on 15 March 2026.
NOW = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Paid:
    days_ago: int
    fen: int
    refunded_fen: int = 0
    kind: str = "CONSUMPTION"
    store_id: ObjectId | None = None


@dataclass
class History:
    name: str
    paid: list[Paid] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    level_id: ObjectId | None = None
    birthday: date | None = None
    source: str | None = None
    referrer_id: ObjectId | None = None
    staff_id: ObjectId | None = None
    stored: int = 0
    count_uses: int = 0


def _order(shop: Shop, member_id: ObjectId, paid: Paid) -> Doc:
    refunded = paid.refunded_fen
    status = "REFUNDED" if refunded == paid.fen else "PARTIALLY_REFUNDED" if refunded else "PAID"
    return {
        "merchant_id": shop.merchant.merchant.id,
        "member_id": member_id,
        "store_id": paid.store_id or shop.merchant.store.id,
        "create_key": str(ObjectId()),
        "kind": paid.kind,
        "status": status,
        "price": {"due_fen": paid.fen},
        "refunded_fen": refunded,
        "paid_at": NOW - timedelta(days=paid.days_ago),
    }


async def given_members(mongo: Mongo, shop: Shop, histories: list[History]) -> list[ObjectId]:
    """The members, in ascending id order, with their facts kept as each event about them would keep them."""
    merchant_id = shop.merchant.merchant.id
    ids = [ObjectId() for _ in histories]
    members: list[Doc] = []
    cards: list[Doc] = []
    orders: list[Doc] = []
    counts: list[Doc] = []
    for n, (member_id, h) in enumerate(zip(ids, histories, strict=True)):
        members.append(
            {
                "_id": member_id,
                "merchant_id": merchant_id,
                "channel": "WECHAT",
                "openid": f"openid-{member_id}",
                "nickname": h.name,
                "created_at": NOW - timedelta(days=400),
                "tags": h.tags,
                "bound_source": h.source,
                "referrer_id": h.referrer_id,
                "acquired_by_staff_id": h.staff_id,
            }
        )
        cards.append(
            {
                "merchant_id": merchant_id,
                "member_id": member_id,
                "level_id": h.level_id or ObjectId("000000000000000000000001"),
                "number": f"card-{n}-{member_id}",
                "numbers": [f"card-{n}-{member_id}"],
                "status": "ACTIVE",
                "lifetime_paid_fen": 0,
                "points": 0,
                "issued_at": NOW - timedelta(days=400),
                "stored_paid": h.stored,
                "stored_bonus": 0,
                "birthday": h.birthday.isoformat() if h.birthday else None,
                "phone_enc": None,
            }
        )
        orders.extend(_order(shop, member_id, p) for p in h.paid)
        if h.count_uses:
            counts.append(
                {
                    "merchant_id": merchant_id,
                    "member_id": member_id,
                    "remaining": h.count_uses,
                    "expires_at": NOW + timedelta(days=30),
                }
            )
    await mongo.db[c.MEMBERS].insert_many(members)
    await mongo.db[c.CARDS].insert_many(cards)
    for collection, docs in ((c.ORDERS, orders), (c.COUNT_CARDS, counts)):
        if docs:
            await mongo.db[collection].insert_many(docs)
    for member_id in ids:
        await facts.refresh(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=NOW)
    return ids


async def facts_of(mongo: Mongo, merchant_id: ObjectId) -> list[Doc]:
    found = mongo.db[c.MEMBER_FACTS].find({"merchant_id": merchant_id}, {"_id": 0}).sort("member_id", 1)
    return await found.to_list()


async def furnish_segments(mongo: Mongo, shop: Shop) -> dict[str, str]:
    """A saved segment of the merchant's, for the isolation walk."""
    segment = await saved.create_segment(
        mongo=mongo, actor=shop.merchant.owner, name="常客", flt=SegmentFilter(tags_all=("常客",)), now=NOW
    )
    return {"segment": to_global_id("Segment", segment.id)}
