"""Events told to members, end to end through the worker: a booking confirmed at once and reminded (by WeChat
and SMS) when due, in the store's local time; a cancelled booking's reminder never sent; a coupon's expiry
warned once however often the sweep runs; a shareholder's commission (分红到账) told to them alone; every change
of a member's points (积分变动) told with its reason and the balance it left; a walk-in called from the queue
reads what the desk was shown.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from arq.connections import RedisSettings, create_pool
from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import outbox
from domain.cards.adjustments import StoredValuePart, adjust_balance
from domain.cards.card import issue_card
from domain.cards.ledger import Account
from domain.cards.points import record_payment
from domain.coupons import claims
from domain.events import CommissionAccrued
from domain.journeys import daily
from domain.notifications.topics import Topic
from domain.pii import PiiCipher
from startup.settings import Settings
from tests.booking.conftest import Person, make_members, open_salon
from tests.conftest import Channels, Gql, Shop
from tests.workers.conftest import TEMPLATES, coupon_template, grant, run_worker
from workers.relay import relay

BOOK = """
mutation($input: BookInput!) { book(input: $input) { booking { id start } userErrors { field code } } }
"""
JOIN_QUEUE = "mutation($store: ID!) { joinQueue(input: {storeId: $store}) { ticket { number } } }"
CALL_NEXT = """
mutation($store: ID!) {
  callNext(input: {storeId: $store}) { ticket { number } memberNickname announcement userErrors { code } }
}
"""
CANCEL = """
mutation($id: ID!) { cancelBooking(input: {bookingId: $id}) { booking { status } userErrors { code } } }
"""


async def guest(mongo: Mongo, pii: PiiCipher, shop: Shop, *topics: Topic) -> tuple[Person, str]:
    """A WeChat member with a card, the phone 13812345678 bound, and one grant of each topic."""
    merchant_id = shop.merchant.merchant.id
    [person] = await make_members(mongo, merchant_id, 1)
    await issue_card(mongo=mongo, merchant_id=merchant_id, member_id=person.id)
    await mongo.db[c.CARDS].update_one({"member_id": person.id}, {"$set": {"phone_enc": pii.encrypt("13812345678")}})
    for topic in topics:
        await grant(mongo, merchant_id, person.id, topic)
    doc = await mongo.db[c.MEMBERS].find_one({"_id": person.id})
    assert doc is not None
    return person, str(doc["openid"])


def messages(channels: Channels, to: str) -> list[tuple[str, dict[str, str]]]:
    return [
        (m["template_id"], {k: v["value"] for k, v in m["data"].items()})
        for m in channels.state.sent_messages
        if m["touser"] == to
    ]


async def relay_at(settings: Settings, mongo: Mongo, moment: datetime) -> None:
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url.get_secret_value()))
    try:
        await relay(mongo=mongo, redis=pool, now=moment)
    finally:
        await pool.aclose()


async def test_a_booking_is_confirmed_at_once_and_reminded_when_due_by_wechat_and_sms(
    gql: Gql,
    settings: Settings,
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    channels: Channels,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a salon and a member who allowed a confirmation and a reminder
    salon = await open_salon(mongo, pii, shop)
    person, to = await guest(mongo, pii, shop, Topic.BOOKING_CONFIRMED, Topic.BOOKING_REMINDER)
    start = salon.local(salon.tomorrow(), "10:00")
    book = {"storeId": salon.store_gid, "serviceId": salon.service_gid, "start": start.isoformat()}
    body = await gql("member", BOOK, {"input": book | {"idempotencyKey": uuid.uuid4().hex}}, token=person.token)
    assert body["data"]["book"]["userErrors"] == []

    # when the worker runs
    await run_worker(settings)

    # then the confirmation went out with the start in the store's time, and the reminder waits
    store, local = salon.store.name, start.astimezone(salon.zone).strftime("%Y-%m-%d %H:%M")
    confirmed = (TEMPLATES["BOOKING_CONFIRMED"], {"thing1": "精剪", "time2": local, "thing3": store})
    assert messages(channels, to) == [confirmed]

    # when the reminder falls due (two hours before the start) and the worker runs
    with caplog.at_level(logging.INFO, logger="domain.notifications.sms"):
        await relay_at(settings, mongo, start - timedelta(hours=2))
        await run_worker(settings)

    # then the reminder went out by WeChat and by SMS, each once
    reminded = (TEMPLATES["BOOKING_REMINDER"], {"thing1": "精剪", "time2": local, "thing3": store})
    assert messages(channels, to) == [confirmed, reminded]
    sms = [r.getMessage() for r in caplog.records if r.name == "domain.notifications.sms"]
    assert sms == [f"sms to 138****5678: 预约提醒：您预约的精剪将于 {local} 开始，地点：{store}"]


async def test_a_cancelled_bookings_reminder_is_never_sent(
    gql: Gql, settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, channels: Channels
) -> None:
    # given a member's booking for tomorrow, confirmed, with a reminder allowed
    salon = await open_salon(mongo, pii, shop)
    person, to = await guest(mongo, pii, shop, Topic.BOOKING_REMINDER, Topic.BOOKING_CANCELLED)
    start = salon.local(salon.tomorrow(), "15:00")
    book = {"storeId": salon.store_gid, "serviceId": salon.service_gid, "start": start.isoformat()}
    body = await gql("member", BOOK, {"input": book | {"idempotencyKey": uuid.uuid4().hex}}, token=person.token)
    booking_id = body["data"]["book"]["booking"]["id"]

    # when the member cancels, and the reminder's time comes
    cancelled = await gql("member", CANCEL, {"id": booking_id}, token=person.token)
    assert cancelled["data"]["cancelBooking"]["userErrors"] == []
    await relay_at(settings, mongo, start - timedelta(hours=2))
    await run_worker(settings)

    # then only the cancellation was sent
    assert [template for template, _ in messages(channels, to)] == [TEMPLATES["BOOKING_CANCELLED"]]


async def test_a_coupon_about_to_expire_is_warned_once_however_often_the_sweep_runs(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, channels: Channels
) -> None:
    # given a member holding a coupon valid two more days, and one valid thirty
    person, to = await guest(mongo, pii, shop, Topic.COUPON_EXPIRING, Topic.COUPON_EXPIRING)
    merchant_id = shop.merchant.merchant.id
    for days in (2, 30):
        template = await coupon_template(mongo, shop, title=f"{days} 天券", days=days)
        await claims.claim_coupon(
            mongo=mongo,
            merchant_id=merchant_id,
            member_id=person.id,
            template_id=template.id,
            idempotency_key=uuid.uuid4().hex,
        )

    # when the journeys (whose expiry reminder is on until the owner switches it off) run twice and the worker
    # after each
    now = datetime.now(UTC)
    announced = [await daily.evaluate_all(mongo=mongo, now=now)]
    await run_worker(settings)
    announced.append(await daily.evaluate_all(mongo=mongo, now=now + timedelta(hours=1)))
    await run_worker(settings)

    # then the two-day coupon was warned about once, and the other not at all
    assert announced == [1, 0]
    [(template_id, data)] = messages(channels, to)
    assert (template_id, data["thing1"]) == (TEMPLATES["COUPON_EXPIRING"], "2 天券")


async def test_a_shareholder_is_told_of_each_commission_and_staff_are_not(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, channels: Channels
) -> None:
    # given a shareholder who allowed 分红到账 messages, and a friend of theirs who paid
    shareholder, to = await guest(mongo, pii, shop, Topic.COMMISSION_ACCRUED, Topic.COMMISSION_ACCRUED)
    [friend] = await make_members(mongo, shop.merchant.merchant.id, 1, prefix="小王")
    merchant_id = shop.merchant.merchant.id

    # when a commission of 12.34 yuan accrues to the shareholder and one to a staff member
    for kind, beneficiary in (("MEMBER", shareholder.id), ("STAFF", shop.merchant.owner.id)):
        accrued = CommissionAccrued(
            commission_id=ObjectId(),
            beneficiary_id=beneficiary,
            beneficiary_kind=kind,
            level=1,
            amount_fen=1234,
            order_id=ObjectId(),
            payer_id=friend.id,
            release_at=datetime.now(UTC),
        )
        await outbox.record_once(
            mongo=mongo,
            merchant_id=merchant_id,
            event=accrued,
            dedupe_key=f"commission:{kind}",
        )
    await run_worker(settings)

    # then the shareholder got one message naming the friend, and the staff commission told nobody
    [(template_id, data)] = messages(channels, to)
    assert template_id == TEMPLATES["COMMISSION_ACCRUED"]
    assert (data["amount1"], data["thing2"]) == ("12.34元", "小王0")
    assert await mongo.db[c.NOTIFICATIONS].count_documents({"topic": "COMMISSION_ACCRUED"}) == 1


async def test_every_change_of_points_is_told_with_its_reason_and_the_balance_left(
    settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, channels: Channels
) -> None:
    # given a member who allowed 积分变动 messages twice
    person, to = await guest(mongo, pii, shop, Topic.POINTS_CHANGED, Topic.POINTS_CHANGED)
    merchant_id = shop.merchant.merchant.id

    # when they pay 128 yuan, and the owner takes 28 points back for a mistake, and the worker runs twice
    await record_payment(
        mongo=mongo,
        merchant_id=merchant_id,
        member_id=person.id,
        paid_fen=12_800,
        reference="order:1",
        idempotency_key="order:1:earn",
    )
    await adjust_balance(
        mongo=mongo,
        actor=shop.merchant.owner,
        member_id=person.id,
        account=Account.POINTS,
        amount=-28,
        part=StoredValuePart.BONUS,
        reason="误加积分更正",
        idempotency_key=uuid.uuid4().hex,
    )
    await run_worker(settings)
    await run_worker(settings)

    # then each change reached them once (in whatever order the worker sent them), saying why, by how much, and
    # what was left
    sent = [data for template_id, data in messages(channels, to) if template_id == TEMPLATES["POINTS_CHANGED"]]
    assert sorted((d["character_string1"], d["number2"], d["thing3"]) for d in sent) == [
        ("+128", "128", "消费获得"),
        ("-28", "100", "误加积分更正"),
    ]


async def test_the_desk_is_shown_what_the_called_walk_in_reads(
    gql: Gql, settings: Settings, mongo: Mongo, pii: PiiCipher, shop: Shop, channels: Channels
) -> None:
    # given a member who allowed 到号了 messages and took a number
    salon = await open_salon(mongo, pii, shop, staff=1)
    person, to = await guest(mongo, pii, shop, Topic.QUEUE_CALLED)
    store = {"store": salon.store_gid}
    await gql("member", JOIN_QUEUE, store, token=person.token)

    # when the desk calls the next one, and the worker runs
    called = (await gql("admin", CALL_NEXT, store, token=salon.staff[0].token))["data"]["callNext"]
    await run_worker(settings)

    # then the desk was shown who was called and the very words their inbox and WeChat message carry
    assert (called["memberNickname"], called["announcement"]) == ("顾客0", "甲店一号店 请 1 号到前台")
    inbox = await mongo.db[c.NOTIFICATIONS].find_one({"member_id": person.id, "topic": "QUEUE_CALLED"})
    assert inbox is not None and inbox["body"] == called["announcement"]
    [(template_id, data)] = messages(channels, to)
    assert (template_id, data) == (TEMPLATES["QUEUE_CALLED"], {"character_string1": "1", "thing2": "甲店一号店"})
