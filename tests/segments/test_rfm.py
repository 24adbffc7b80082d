"""The nightly RFM job over a small known world: quintile buckets as documented (a tie across a cut goes to the lower
quintile), none for members who never paid a visit, the same buckets on a second run, the rfm filter selecting them,
and the facts rebuild racing the event handler."""

import asyncio
from datetime import date, timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.segments import facts, rfm, selection
from domain.segments.filters import SegmentFilter
from tests.conftest import Shop
from tests.segments.conftest import NOW, History, Paid, facts_of, given_members

# name, days since the last visit, visits (on consecutive days), fen each visit
PAYERS = [
    ("阿兰", 10, 1, 100),
    ("宝儿", 9, 1, 900),
    ("晨晨", 8, 1, 200),
    ("丹丹", 7, 1, 800),
    ("恩恩", 6, 1, 300),
    ("芳芳", 5, 1, 700),
    ("桂桂", 4, 2, 200),
    ("浩浩", 3, 2, 250),
    ("佳佳", 2, 3, 200),
    ("静静", 1, 4, 250),
]
# Ten payers, so two a quintile: R by recency, M by lifetime paid (100..1000 fen, cuts 200/400/600/800); F has six
# one-visit members tied across three cuts, all F1, then 2 visits F4 and 3 or 4 visits F5.
EXPECTED = {
    "阿兰": "R1F1M1",
    "宝儿": "R1F1M5",
    "晨晨": "R2F1M1",
    "丹丹": "R2F1M4",
    "恩恩": "R3F1M2",
    "芳芳": "R3F1M4",
    "桂桂": "R4F4M2",
    "浩浩": "R4F4M3",
    "佳佳": "R5F5M3",
    "静静": "R5F5M5",
    "凯凯": None,
    "琳琳": None,
}


async def given_world(mongo: Mongo, shop: Shop) -> dict[str, ObjectId]:
    histories = [History(name, [Paid(last + d, fen) for d in range(visits)]) for name, last, visits, fen in PAYERS]
    # 凯凯 never paid; 琳琳's one visit was wholly refunded.
    histories += [History("凯凯"), History("琳琳", [Paid(3, 500, refunded_fen=500)])]
    ids = await given_members(mongo, shop, histories)
    return dict(zip([h.name for h in histories], ids, strict=True))


async def buckets(mongo: Mongo, merchant_id: ObjectId, world: dict[str, ObjectId]) -> dict[str, str | None]:
    by_id = {v: k for k, v in world.items()}
    return {by_id[f["member_id"]]: f.get("rfm") for f in await facts_of(mongo, merchant_id)}


async def test_buckets_are_the_quintiles_of_a_known_world_and_a_second_run_changes_nothing(
    mongo: Mongo, shop: Shop
) -> None:
    merchant_id = shop.merchant.merchant.id
    world = await given_world(mongo, shop)
    # given 琳琳 still carries a bucket from before her refund, and 阿兰 set a birthday no event told the facts of
    await mongo.db[c.MEMBER_FACTS].update_one(
        {"merchant_id": merchant_id, "member_id": world["琳琳"]}, {"$set": {"rfm": "R5F1M3"}}
    )
    await mongo.db[c.CARDS].update_one(
        {"merchant_id": merchant_id, "member_id": world["阿兰"]}, {"$set": {"birthday": date(1990, 3, 5).isoformat()}}
    )

    # when the nightly job runs
    assert await rfm.refresh_all(mongo=mongo, now=NOW) == 12

    # then every payer has the bucket of their quintiles, members who never paid a visit none
    assert await buckets(mongo, merchant_id, world) == EXPECTED
    # and the rebuild caught the birthday
    assert await selection.member_ids(
        mongo=mongo, merchant_id=merchant_id, flt=SegmentFilter(birthday_month=3), after=None, limit=10, now=NOW
    ) == [world["阿兰"]]

    # when it runs again; then the same facts and buckets, and no bucket is written
    first = await facts_of(mongo, merchant_id)
    assert await rfm.refresh_all(mongo=mongo, now=NOW) == 12
    assert await facts_of(mongo, merchant_id) == first
    cut = await rfm.cuts(mongo=mongo, merchant_id=merchant_id)
    assert await rfm.assign(mongo=mongo, merchant_id=merchant_id, cut=cut) == 0


async def test_the_rfm_filter_selects_exactly_the_members_in_its_buckets(mongo: Mongo, shop: Shop) -> None:
    merchant_id = shop.merchant.merchant.id
    world = await given_world(mongo, shop)
    # given the buckets set
    await rfm.refresh_all(mongo=mongo, now=NOW)
    cases: list[tuple[tuple[str, ...], list[str]]] = [
        (("R5F5M5", "R1F1M1"), ["阿兰", "静静"]),
        (("R2F1M4",), ["丹丹"]),
        (("R3F3M3",), []),
    ]
    for wanted, names in cases:
        # when the rfm filter asks for these buckets; then exactly their members, counted alike
        flt = SegmentFilter(rfm=wanted)
        ids = await selection.member_ids(mongo=mongo, merchant_id=merchant_id, flt=flt, after=None, limit=20, now=NOW)
        assert ids == sorted(world[n] for n in names), wanted
        assert await selection.count(mongo=mongo, merchant_id=merchant_id, flt=flt, now=NOW) == len(names)


async def test_nobody_paid_means_no_buckets(mongo: Mongo, shop: Shop) -> None:
    merchant_id = shop.merchant.merchant.id
    # given two members who never paid
    await given_members(mongo, shop, [History("凯凯"), History("琳琳")])
    # when the job runs; then no cuts and no buckets
    assert await rfm.refresh_all(mongo=mongo, now=NOW) == 2
    assert await rfm.cuts(mongo=mongo, merchant_id=merchant_id) is None
    assert [f.get("rfm") for f in await facts_of(mongo, merchant_id)] == [None, None]


async def test_a_rebuild_racing_the_event_handler_leaves_the_facts_the_documents_say(mongo: Mongo, shop: Shop) -> None:
    merchant_id = shop.merchant.merchant.id
    world = await given_world(mongo, shop)
    payers = [world[name] for name, *_ in PAYERS]

    async def pay_and_handle(member_id: ObjectId) -> None:
        await mongo.db[c.ORDERS].insert_one(
            {
                "merchant_id": merchant_id,
                "member_id": member_id,
                "store_id": shop.merchant.store.id,
                "create_key": str(ObjectId()),
                "kind": "CONSUMPTION",
                "status": "PAID",
                "price": {"due_fen": 1000},
                "refunded_fen": 0,
                "paid_at": NOW - timedelta(hours=1),
            }
        )
        await facts.refresh(mongo=mongo, merchant_id=merchant_id, member_id=member_id, now=NOW)

    # when the nightly rebuild runs while each payer pays again and the handler keeps their facts
    await asyncio.gather(facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=NOW), *map(pay_and_handle, payers))

    # then every payer's facts hold the new visit: a rebuild from the sources now changes nothing
    kept = await facts_of(mongo, merchant_id)
    assert [f["last_paid_day"] for f in kept if f["member_id"] in payers] == [facts.day_number(NOW.date())] * 10
    await facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=NOW)
    assert await facts_of(mongo, merchant_id) == kept
