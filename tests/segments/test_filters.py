"""Segment filters over a fixed world of members with known histories: each filter alone, and combined with AND."""

from datetime import date

import pytest
from bson import ObjectId

from db.mongo import Mongo
from domain import tenancy
from domain.segments import facts, selection
from domain.segments.errors import SegmentCode, SegmentError
from domain.segments.filters import SegmentFilter
from tests.conftest import Shop
from tests.segments.conftest import NOW, History, Paid, facts_of, given_members

GOLD = ObjectId("0000000000000000000000a1")
STAFF = ObjectId("0000000000000000000000b1")


@pytest.fixture
async def world(mongo: Mongo, shop: Shop) -> dict[str, ObjectId]:
    second = await tenancy.create_store(mongo=mongo, actor=shop.merchant.owner, name="二号店", timezone="Asia/Shanghai")
    names = ["阿兰", "宝儿", "晨晨", "丹丹", "恩恩"]
    referrer = ObjectId()
    histories = [
        # A regular: three visits in the last 10 days, born in March, brought by 宝儿 through a share.
        History(
            "阿兰",
            [Paid(1, 300), Paid(3, 500), Paid(10, 200)],
            tags=["常客"],
            birthday=date(1990, 3, 5),
            source="LOGIN_SHARE",
            referrer_id=referrer,
            stored=5000,
        ),
        # Gone for 70 days after one big visit; gold level; count-card uses left.
        History(
            "宝儿", [Paid(70, 20000)], tags=["敏感肌", "常客"], level_id=GOLD, birthday=date(1985, 7, 1), count_uses=3
        ),
        # Came through a staff member's code and never paid.
        History("晨晨", source="STAFF_QR", staff_id=STAFF),
        # Paid once and had it all refunded; topped up 100 yuan.
        History("丹丹", [Paid(5, 800, refunded_fen=800), Paid(6, 10000, kind="TOP_UP")], stored=10000),
        # Two orders on one day at the second store.
        History("恩恩", [Paid(2, 100, store_id=second.id), Paid(2, 100, store_id=second.id)]),
    ]
    ids = await given_members(mongo, shop, histories)
    by_name = dict(zip(names, ids, strict=True))
    # 阿兰's upline is 宝儿 (ids are made before the documents, so it is set now and the facts kept again).
    await mongo.db["members"].update_one(
        {"merchant_id": shop.merchant.merchant.id, "_id": by_name["阿兰"]}, {"$set": {"referrer_id": by_name["宝儿"]}}
    )
    await facts.refresh(mongo=mongo, merchant_id=shop.merchant.merchant.id, member_id=by_name["阿兰"], now=NOW)
    by_name["二号店"] = second.id
    return by_name


async def names_in(mongo: Mongo, shop: Shop, world: dict[str, ObjectId], flt: SegmentFilter) -> list[str]:
    merchant_id = shop.merchant.merchant.id
    ids = await selection.member_ids(mongo=mongo, merchant_id=merchant_id, flt=flt, after=None, limit=100, now=NOW)
    counted = await selection.count(mongo=mongo, merchant_id=merchant_id, flt=flt, now=NOW)
    assert counted == len(ids)
    by_id = {v: k for k, v in world.items()}
    return [by_id[i] for i in ids]


async def test_each_filter_alone_picks_exactly_the_members_it_describes(
    mongo: Mongo, shop: Shop, world: dict[str, ObjectId]
) -> None:
    # given the fixed world; when each filter is asked alone; then exactly these members, in id order
    cases: list[tuple[SegmentFilter, list[str]]] = [
        (SegmentFilter(), ["阿兰", "宝儿", "晨晨", "丹丹", "恩恩"]),
        (SegmentFilter(levels=(str(GOLD),)), ["宝儿"]),
        (SegmentFilter(tags_all=("常客",)), ["阿兰", "宝儿"]),
        (SegmentFilter(tags_all=("常客", "敏感肌")), ["宝儿"]),
        (SegmentFilter(days_since_paid_min=60), ["宝儿", "晨晨", "丹丹"]),
        (SegmentFilter(days_since_paid_max=2), ["阿兰", "恩恩"]),
        (SegmentFilter(days_since_paid_min=1, days_since_paid_max=1), ["阿兰"]),
        (SegmentFilter(lifetime_paid_min_fen=500, lifetime_paid_max_fen=1000), ["阿兰"]),
        (SegmentFilter(lifetime_paid_min_fen=200), ["阿兰", "宝儿", "恩恩"]),
        (SegmentFilter(lifetime_paid_max_fen=0), ["晨晨", "丹丹"]),
        (SegmentFilter(visits_in_days=10, visits_min=2), ["阿兰"]),
        (SegmentFilter(visits_in_days=10, visits_min=3), []),
        (SegmentFilter(visits_in_days=11, visits_min=3), ["阿兰"]),
        (SegmentFilter(visits_in_days=3, visits_min=1), ["阿兰", "恩恩"]),
        (SegmentFilter(birthday_month=3), ["阿兰"]),
        (SegmentFilter(sources=("STAFF_CODE",)), ["晨晨"]),
        (SegmentFilter(sources=("SHARE_LINK", "STAFF_CODE")), ["阿兰", "晨晨"]),
        (SegmentFilter(sources=("NONE",)), ["宝儿", "丹丹", "恩恩"]),
        (SegmentFilter(brought_by=world["宝儿"]), ["阿兰"]),
        (SegmentFilter(brought_by=STAFF), ["晨晨"]),
        (SegmentFilter(home_store_id=world["二号店"]), ["恩恩"]),
        (SegmentFilter(stored_value_min_fen=5000), ["阿兰", "丹丹"]),
        (SegmentFilter(count_uses_min=1), ["宝儿"]),
    ]
    for flt, expected in cases:
        assert await names_in(mongo, shop, world, flt) == expected, flt


async def test_filters_combine_with_and(mongo: Mongo, shop: Shop, world: dict[str, ObjectId]) -> None:
    # given the fixed world; when filters are combined; then only members matching every one of them
    cases: list[tuple[SegmentFilter, list[str]]] = [
        (SegmentFilter(tags_all=("常客",), days_since_paid_max=7), ["阿兰"]),
        (SegmentFilter(tags_all=("常客",), days_since_paid_min=60), ["宝儿"]),
        (SegmentFilter(sources=("NONE",), lifetime_paid_min_fen=1), ["宝儿", "恩恩"]),
        (SegmentFilter(days_since_paid_min=30, stored_value_min_fen=1), ["丹丹"]),
        (SegmentFilter(birthday_month=7, count_uses_min=3, levels=(str(GOLD),)), ["宝儿"]),
        (SegmentFilter(birthday_month=7, count_uses_min=4), []),
    ]
    for flt, expected in cases:
        assert await names_in(mongo, shop, world, flt) == expected, flt


async def test_member_ids_come_in_pages_after_the_last_one_seen(
    mongo: Mongo, shop: Shop, world: dict[str, ObjectId]
) -> None:
    merchant_id = shop.merchant.merchant.id
    flt = SegmentFilter(lifetime_paid_max_fen=100000)
    # when a sender reads two at a time
    pages: list[list[ObjectId]] = []
    after = None
    while page := await selection.member_ids(
        mongo=mongo, merchant_id=merchant_id, flt=flt, after=after, limit=2, now=NOW
    ):
        pages.append(page)
        after = page[-1]
    # then every member once, in id order
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == [world[n] for n in ["阿兰", "宝儿", "晨晨", "丹丹", "恩恩"]]


async def test_facts_kept_by_events_equal_a_rebuild(mongo: Mongo, shop: Shop, world: dict[str, ObjectId]) -> None:
    merchant_id = shop.merchant.merchant.id
    kept = await facts_of(mongo, merchant_id)
    # when the facts are rebuilt from the source collections
    assert await facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=NOW) == 5
    # then nothing changes
    assert await facts_of(mongo, merchant_id) == kept


async def test_a_filter_out_of_range_is_refused_naming_its_field(mongo: Mongo, shop: Shop) -> None:
    merchant_id = shop.merchant.merchant.id
    bad = [
        (SegmentFilter(birthday_month=13), "birthdayMonth"),
        (SegmentFilter(birthday_month=0), "birthdayMonth"),
        (SegmentFilter(lifetime_paid_min_fen=500, lifetime_paid_max_fen=100), "lifetimePaidMaxFen"),
        (SegmentFilter(days_since_paid_min=-1), "daysSincePaidMin"),
        (SegmentFilter(visits_in_days=30), "visitsMin"),
        (SegmentFilter(visits_in_days=30, visits_min=61), "visitsMin"),
        (SegmentFilter(stored_value_min_fen=-5), "storedValueMinFen"),
        (SegmentFilter(sources=("BILLBOARD",)), "sources"),
        (SegmentFilter(rfm=("R6F1M1",)), "rfm"),
    ]
    for flt, field in bad:
        with pytest.raises(SegmentError) as refused:
            await selection.count(mongo=mongo, merchant_id=merchant_id, flt=flt, now=NOW)
        assert (refused.value.code, refused.value.field) == (SegmentCode.FILTER_RANGE_INVALID, field) or (
            refused.value.code,
            refused.value.field,
        ) == (SegmentCode.FILTER_VALUE_INVALID, field), flt
