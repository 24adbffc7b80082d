"""Scheduled jobs: birthday gifts once a year per member on the day in the store's timezone (however many
sweeps race), coupon sweeps that never touch a coupon an unpaid order still holds, forwards back with their
sender after 24 hours, and each job's last run shown to the owner.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Worker
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import birthday_gifts
from domain.cards.card import issue_card
from domain.coupons import claims, expiry, forwarding, redemption
from domain.coupons.coupon import Coupon
from domain.coupons.templates import Template
from domain.pii import PiiCipher
from domain.tenancy import Role
from schema.ids import to_global_id
from startup.clients import open_clients
from startup.settings import Settings
from tests.booking.conftest import make_members
from tests.conftest import Gql, Shop
from tests.coupons.conftest import make_staff
from tests.workers.conftest import coupon_template, run_worker
from workers.crons import cron_jobs, query_pending_payments, release_commissions, return_forwards, tracked
from workers.settings import worker_options

SET_GIFT = """
mutation($id: ID) {
  setBirthdayGift(input: {templateId: $id}) { birthdayGift { template { title } } userErrors { field code } }
}
"""
BIRTHDAY_GIFT = "query { birthdayGift { template { title } } }"
CRON_RUNS = "query { cronRuns { name lastStartedAt lastFinishedAt running ok error } }"


async def with_birthdays(mongo: Mongo, shop: Shop, birthdays: list[str]) -> list[ObjectId]:
    """Members with cards whose birthday ("YYYY-MM-DD") is already set."""
    merchant_id = shop.merchant.merchant.id
    people = await make_members(mongo, merchant_id, len(birthdays))
    for person, birthday in zip(people, birthdays, strict=True):
        await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=person.id)
        await mongo.db[c.CARDS].update_one({"member_id": person.id}, {"$set": {"birthday": birthday}})
    return [p.id for p in people]


async def claim(mongo: Mongo, shop: Shop, member_id: ObjectId, template: Template) -> Coupon:
    claimed = await claims.claim_coupon(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member_id,
        template_id=template.id,
        idempotency_key=uuid.uuid4().hex,
    )
    return claimed.held.coupon


async def gifted(mongo: Mongo) -> list[tuple[ObjectId, int]]:
    docs = await mongo.db[c.BIRTHDAY_GIFTS].find().sort([("year", 1), ("day", 1)]).to_list()
    return [(d["member_id"], d["year"]) for d in docs]


async def test_birthday_gifts_come_once_a_year_on_the_day_in_the_stores_timezone(
    settings: Settings, mongo: Mongo, shop: Shop
) -> None:
    # given a Shanghai shop giving a birthday coupon, and members born on 3 March, 4 March, 5 March, 6 March
    # and 29 February
    template = await coupon_template(mongo, shop, title="生日券")
    await birthday_gifts.set_gift_template(mongo=mongo, actor=shop.merchant.owner, template_id=template.id)
    mar3, mar4, mar5, mar6, feb29 = await with_birthdays(
        mongo, shop, ["1990-03-03", "1985-03-04", "1990-03-05", "1990-03-06", "2000-02-29"]
    )

    # when five sweeps race at 17:00 UTC on 4 March 2026, already 01:00 on 5 March in Shanghai
    moment = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)
    given = await asyncio.gather(*(birthday_gifts.give_birthday_gifts(mongo=mongo, now=moment) for _ in range(5)))

    # then the member born on 5 March got one gift, and so did 4 March's (yesterday there, had the worker been
    # down at midnight); 3 March is yesterday only in UTC and 6 March not yet
    assert sum(given) == 2
    assert sorted(await gifted(mongo)) == sorted([(mar4, 2026), (mar5, 2026)])
    coupons = await mongo.db[c.COUPONS].find({"claimed_by": mar5}).to_list()
    assert [(cp["template_id"], cp["origin"]) for cp in coupons] == [(template.id, "birthday:2026")]

    # when the sweep runs again that day, and a year later, and on 28 February 2027 (not a leap year)
    again = await birthday_gifts.give_birthday_gifts(mongo=mongo, now=moment + timedelta(hours=5))
    next_year = await birthday_gifts.give_birthday_gifts(mongo=mongo, now=datetime(2027, 3, 5, 2, 0, tzinfo=UTC))
    leap = await birthday_gifts.give_birthday_gifts(mongo=mongo, now=datetime(2027, 2, 28, 4, 0, tzinfo=UTC))

    # then nobody gets a second gift in a year, each gets next year's, and 29 February's counts on the 28th
    assert (again, next_year, leap) == (0, 2, 1)
    assert (feb29, 2027) in await gifted(mongo)
    assert mar3 not in {m for m, _ in await gifted(mongo)} and mar6 not in {m for m, _ in await gifted(mongo)}

    # and each gift is told to its member once, when the worker runs
    await run_worker(settings)
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"topic": "BIRTHDAY_GIFT"}) == 5


async def test_an_owner_chooses_the_birthday_gift_and_a_manager_cannot(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, owner_token: str
) -> None:
    # given an active template and a paused one, and a manager
    active = await coupon_template(mongo, shop, title="生日券")
    paused = await coupon_template(mongo, shop, title="停发券")
    await mongo.db[c.COUPON_TEMPLATES].update_one({"_id": paused.id}, {"$set": {"status": "PAUSED"}})
    manager = await make_staff(mongo, pii, shop, Role.MANAGER, "13700000031")

    # when the owner picks each, the manager tries, and the owner turns gifts off
    chosen = await gql("admin", SET_GIFT, {"id": to_global_id("CouponTemplate", active.id)}, token=owner_token)
    refused = await gql("admin", SET_GIFT, {"id": to_global_id("CouponTemplate", paused.id)}, token=owner_token)
    seen = await gql("admin", BIRTHDAY_GIFT, token=manager.token)
    forbidden = await gql("admin", SET_GIFT, {"id": None}, token=manager.token)
    off = await gql("admin", SET_GIFT, {"id": None}, token=owner_token)

    # then only an owner's choice of a template that can give counts (a manager may look at it)
    assert chosen["data"]["setBirthdayGift"] == {"birthdayGift": {"template": {"title": "生日券"}}, "userErrors": []}
    assert refused["data"]["setBirthdayGift"]["userErrors"] == [
        {"field": "templateId", "code": "COUPON_TEMPLATE_PAUSED"}
    ]
    assert seen["data"]["birthdayGift"] == {"template": {"title": "生日券"}}
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert off["data"]["setBirthdayGift"]["birthdayGift"] == {"template": None}


async def test_lapsed_coupons_are_stored_expired_except_one_an_unpaid_order_still_holds(
    mongo: Mongo, shop: Shop
) -> None:
    # given two one-day coupons of a member, one held by an unpaid order for two days
    merchant_id = shop.merchant.merchant.id
    [person] = await make_members(mongo, merchant_id, 1)
    held, free = [await claim(mongo, shop, person.id, await coupon_template(mongo, shop, days=1)) for _ in range(2)]
    await redemption.lock_for_order(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=person.id,
        coupon_id=held.id,
        order_id=ObjectId(),
        store_id=shop.merchant.store.id,
        ttl=timedelta(days=2),
    )

    # when the sweep runs before the day is over, and after
    before = await expiry.expire_lapsed(mongo=mongo, now=datetime.now(UTC))
    after = await expiry.expire_lapsed(mongo=mongo, now=datetime.now(UTC) + timedelta(days=1, minutes=1))

    # then only the free coupon is stored EXPIRED; the held one waits for its order
    assert (before, after) == (0, 1)
    stored = {d["_id"]: d["status"] for d in await mongo.db[c.COUPONS].find().to_list()}
    assert stored == {held.id: "ACTIVE", free.id: "EXPIRED"}


async def test_a_forward_nobody_accepts_is_stored_back_with_the_sender_after_24_hours(mongo: Mongo, shop: Shop) -> None:
    # given a member who forwarded a coupon nobody accepted
    merchant_id = shop.merchant.merchant.id
    [person] = await make_members(mongo, merchant_id, 1)
    coupon_id = (await claim(mongo, shop, person.id, await coupon_template(mongo, shop))).id
    await forwarding.forward_coupon(mongo=mongo, merchant_id=merchant_id, member_id=person.id, coupon_id=coupon_id)

    # when the sweep runs at 23 hours and at 25
    now = datetime.now(UTC)
    early = await expiry.return_lapsed_forwards(mongo=mongo, now=now + timedelta(hours=23))
    late = await expiry.return_lapsed_forwards(mongo=mongo, now=now + timedelta(hours=25))

    # then the coupon is stored back as ACTIVE only after its 24 hours, still the sender's
    assert (early, late) == (0, 1)
    doc = await mongo.db[c.COUPONS].find_one({"_id": coupon_id})
    assert doc is not None and (doc["status"], doc["owner_id"]) == ("ACTIVE", person.id)


@pytest.fixture
async def worker_ctx(settings: Settings, mongo: Mongo) -> AsyncIterator[dict[str, Any]]:
    async with open_clients(settings) as clients:
        yield {"clients": clients}


async def test_each_scheduled_job_records_its_last_run_for_the_owner(
    gql: Gql, worker_ctx: dict[str, Any], owner_token: str
) -> None:
    # given one scheduled job that succeeds and one that fails
    async def breaks(ctx: dict[str, Any], now: datetime) -> int:
        raise RuntimeError("secret detail of another merchant")

    # when each runs
    await tracked("return_forwards", return_forwards)(worker_ctx)
    with pytest.raises(RuntimeError):
        await tracked("breaks", breaks)(worker_ctx)

    # then the owner sees when each last ran and how it ended, the error by its kind only
    body = await gql("admin", CRON_RUNS, token=owner_token)
    runs = {r["name"]: r for r in body["data"]["cronRuns"]}
    assert {name: (r["running"], r["ok"], r["error"]) for name, r in runs.items()} == {
        "breaks": (False, False, "RuntimeError"),
        "return_forwards": (False, True, None),
    }
    assert runs["breaks"]["lastFinishedAt"] >= runs["breaks"]["lastStartedAt"]


async def test_every_scheduled_job_is_registered_and_the_money_sweeps_run_on_an_empty_day(
    worker_ctx: dict[str, Any], mongo: Mongo
) -> None:
    # given the worker's schedule, and a day with no commission due and no payment pending
    names = {job.name for job in cron_jobs()}

    # when the commission release and the active payment query run
    released = await tracked("release_commissions", release_commissions)(worker_ctx)
    queried = await tracked("query_pending_payments", query_pending_payments)(worker_ctx)

    # then every sweep of the issue is scheduled, and these two did nothing and said so
    assert names == {
        "relay_outbox",
        "keep_wechat_token_fresh",
        "expire_coupons",
        "return_forwards",
        "birthday_gifts",
        "release_commissions",
        "query_pending_payments",
        "apply_kept_notifications",
        "payouts",
        "alerts",
        "journeys",
        "retention",
        "segment_facts",
        "campaigns",
    }
    assert (released, queried) == (0, 0)
    runs = await mongo.db[c.CRON_RUNS].find().sort("_id", 1).to_list()
    assert [(r["_id"], r["ok"]) for r in runs] == [("query_pending_payments", True), ("release_commissions", True)]


@pytest.fixture
def host_on_china_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("host_on_china_time")
async def test_the_nightly_jobs_run_at_night_in_china_on_a_host_set_to_china_time(settings: Settings) -> None:
    # given a worker started on a host whose clock is set to China time
    worker = Worker(**worker_options(settings))

    # when it works out the next run of the nightly segment facts, at midnight UTC
    [facts] = [job for job in worker.cron_jobs if job.name == "segment_facts"]
    facts.calculate_next(datetime(2026, 12, 6, 0, 0, tzinfo=UTC).astimezone(worker.timezone))

    # then it is 19:30 UTC, 03:30 in the stores, as the schedule says
    assert facts.next_run is not None
    assert facts.next_run.replace(microsecond=0) == datetime(2026, 12, 6, 19, 30, tzinfo=UTC)
