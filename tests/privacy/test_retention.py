"""Retention: exactly the members inactive for the merchant's years are anonymized, the unsettled ones wait, old
message bodies go, and a second run finds nothing more to do.
"""

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.cards.card import issue_card
from domain.cards.ledger import SYSTEM
from domain.cards.stored_value import top_up
from domain.members import CLOSED
from domain.pii import PiiCipher
from domain.privacy.retention import Swept, set_retention, sweep
from tests.conftest import Shop
from tests.referrals.conftest import make_members

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=365 * 4)
LATELY = NOW - timedelta(days=365)


async def _inactive_world(mongo: Mongo, shop: Shop) -> dict[str, ObjectId]:
    """Members who joined four years ago and did one thing (or nothing) since, and one who joined last year."""
    merchant_id = shop.merchant.merchant.id
    names = ["idle", "signed_in", "paid", "booked", "new", "owed"]
    people = {}
    for name in names:
        joined = LATELY if name == "new" else LONG_AGO
        last_login = LATELY if name == "signed_in" else joined
        [p] = await make_members(mongo, merchant_id, 1, name, created_at=joined, last_login_at=last_login)
        await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=p.id)
        people[name] = p.id
    mine = {"merchant_id": merchant_id}
    await mongo.db[c.ORDERS].insert_one({**mine, "member_id": people["paid"], "status": "PAID", "paid_at": LATELY})
    await mongo.db[c.BOOKINGS].insert_one(
        {**mine, "member_id": people["booked"], "status": "COMPLETED", "start": LATELY, "end": LATELY}
    )
    await top_up(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=people["owed"],
        paid_fen=1_000,
        bonus_fen=0,
        reference="given",
        idempotency_key=str(ObjectId()),
        actor=SYSTEM,
    )
    for member, at in ((people["signed_in"], LONG_AGO), (people["signed_in"], LATELY)):
        await mongo.db[c.NOTIFICATIONS].insert_one(
            {**mine, "member_id": member, "dedupe_key": str(at), "body": "旧消息", "created_at": at}
        )
    return people


async def _closed(mongo: Mongo, shop: Shop) -> set[ObjectId]:
    query = {"merchant_id": shop.merchant.merchant.id, "closed_at": {"$ne": None}}
    return {m["_id"] for m in await mongo.db[c.MEMBERS].find(query, {"_id": 1}).to_list()}


async def test_retention_anonymizes_exactly_the_inactive_members_and_twice_is_once(
    mongo: Mongo, pii: PiiCipher, shop: Shop
) -> None:
    # Given a merchant keeping three years, and members who joined four years ago: one did nothing since, one signed
    # in, one paid, one booked last year, one did nothing but still holds stored value they paid; and one who
    # joined last year; and a message body from four years ago beside one from last year
    await set_retention(mongo=mongo, actor=shop.merchant.owner, years=3)
    people = await _inactive_world(mongo, shop)

    # When the monthly sweep runs, and runs again
    first = await sweep(mongo=mongo, pii=pii, now=NOW)
    closed_first = await _closed(mongo, shop)
    second = await sweep(mongo=mongo, pii=pii, now=NOW)

    # Then only the member who did nothing is anonymized, as a closing would, and the one owed money waits
    assert closed_first == {people["idle"]}
    idle = await mongo.db[c.MEMBERS].find_one({"merchant_id": shop.merchant.merchant.id, "_id": people["idle"]})
    assert idle is not None and idle["nickname"] == CLOSED
    assert first == Swept(anonymized=1, skipped=1, notifications_deleted=1, sessions_deleted=0)
    # and the second run changed nothing more
    assert await _closed(mongo, shop) == closed_first
    assert second == Swept(anonymized=0, skipped=1, notifications_deleted=0, sessions_deleted=0)
    left = await mongo.db[c.NOTIFICATIONS].find({"merchant_id": shop.merchant.merchant.id}).to_list()
    assert [n["created_at"].year for n in left] == [LATELY.year]
