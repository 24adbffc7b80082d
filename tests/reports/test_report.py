"""The report (经营报表) with exact figures for a fixed world: two stores in different time zones, cash, stored
value split into its paid and bonus parts, WeChat Pay and Alipay through the sandbox, a partial refund counted on
the later day it was settled, and sales either side of midnight at the store; who may read it; and each order
counted once however often its event runs.
"""

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain import tenancy
from domain.checkout.providers import Providers
from domain.checkout.refunds import refund_order
from domain.coupons.touch import Sharer
from domain.events import MemberBound, MemberJoined, OrderPaid
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from domain.referrals.binding import BindingSource, bind_referrer
from domain.reports import rollups
from domain.reports.figures import DayTakings, store_day_takings, stored_value_owed_fen
from payments.sandbox import Provider
from schema.ids import to_global_id
from tests.checkout.conftest import (
    PaymentsSandbox,
    counter_sale,
    give,
    member_pay,
    open_payment,
    sandbox_pays,
    scan_order,
    shopper,
)
from tests.conftest import Gql, Shop, open_shop
from tests.coupons.conftest import Customer, make_staff, store_gid
from tests.referrals.conftest import bind
from tests.reports.conftest import (
    BALANCES,
    REPORT,
    count_events,
    count_member_entry,
    owner_token,
    paid_at,
    refund_settled_at,
)
from tests.tenancy.conftest import forbidden

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


async def sale(mongo: Mongo, shop: Shop, store_id: ObjectId, fen: int, moment: datetime, **kw: Any) -> ObjectId:
    order_id = await counter_sale(mongo, shop, store_id, fen, **kw)
    await paid_at(mongo, order_id, moment)
    return order_id


async def refund(mongo: Mongo, shop: Shop, order_id: ObjectId, fen: int, moment: datetime) -> None:
    await refund_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        actor=shop.merchant.owner,
        order_id=order_id,
        amount_fen=fen,
        reason="顾客不满意",
        idempotency_key=uuid.uuid4().hex,
    )
    await refund_settled_at(mongo, order_id, moment)


async def ask(gql: Gql, token: str, **variables: Any) -> dict[str, Any]:
    body = await gql(
        "admin", REPORT, {k: v.isoformat() if isinstance(v, date) else v for k, v in variables.items()}, token=token
    )
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["report"]
    return payload


class World:
    """Two days of trade at two stores, D and D+1, D being two days before today in Shanghai."""

    def __init__(self, shop: Shop, york: tenancy.Store, d: date) -> None:
        self.shop, self.york, self.d = shop, york, d


async def given_the_world(gql: Gql, mongo: Mongo, shop: Shop, sandbox: PaymentsSandbox) -> World:
    d = datetime.now(SHANGHAI).date() - timedelta(days=2)
    shanghai = shop.merchant.store.id
    york = await tenancy.create_store(
        mongo=mongo, actor=shop.merchant.owner, name="纽约店", timezone="America/New_York"
    )
    # a walk-in pays 100 yuan cash at noon on D; 30 yuan of it is refunded at 10:00 on D+1
    walk_in = await sale(mongo, shop, shanghai, 10_000, at(d, 12, 0, SHANGHAI))
    await refund(mongo, shop, walk_in, 3_000, at(d + timedelta(days=1), 10, 0, SHANGHAI))
    # a member holding 50 yuan paid for and a 20 yuan bonus pays 60 yuan from stored value on D (50 paid + 10
    # bonus), and 8 yuan more on D+1 (bonus only)
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(5_000, 2_000))
    await sale(mongo, shop, shanghai, 6_000, at(d, 15, 0, SHANGHAI), method=PayMethod.STORED_VALUE, member_id=member.id)
    await sale(
        mongo,
        shop,
        shanghai,
        800,
        at(d + timedelta(days=1), 9, 0, SHANGHAI),
        method=PayMethod.STORED_VALUE,
        member_id=member.id,
    )
    # the member pays 30 yuan with WeChat Pay on D, and a second member 15 yuan with Alipay on D+1, each from the
    # mini-program (nobody at the counter took them)
    await paid_online(gql, mongo, sandbox, member, shop, 3_000, Provider.WECHATPAY, at(d, 10, 0, SHANGHAI))
    alipay = await shopper(mongo, shop, name="支付宝顾客", channel="ALIPAY")
    await paid_online(
        gql, mongo, sandbox, alipay, shop, 1_500, Provider.ALIPAY, at(d + timedelta(days=1), 11, 0, SHANGHAI)
    )
    # two members who have not paid: one came by the owner's staff code, the other by the first member's share link
    by_staff = await shopper(mongo, shop, name="扫店员码")
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=by_staff.id,
        sharer=Sharer(staff_id=shop.merchant.owner.id),
        source=BindingSource.STAFF_QR,
    )
    shared = await shopper(mongo, shop, name="点分享")
    await bind(mongo, shop, shared.id, member.id, BindingSource.LOGIN_SHARE)
    # in New York, 20 yuan cash at 23:59 on D and 7 yuan at 00:01 on D+1, store time
    await sale(mongo, shop, york.id, 2_000, at(d, 23, 59, NEW_YORK))
    await sale(mongo, shop, york.id, 700, at(d + timedelta(days=1), 0, 1, NEW_YORK))
    await count_events(mongo)
    return World(shop, york, d)


async def paid_online(
    gql: Gql,
    mongo: Mongo,
    sandbox: PaymentsSandbox,
    member: Customer,
    shop: Shop,
    fen: int,
    provider: Provider,
    moment: datetime,
) -> None:
    """The member scans the store's code, pays `fen` through the provider's sandbox, and the order is paid at
    `moment`."""
    order = await scan_order(gql, member, store_gid(shop), fen)
    await member_pay(gql, member, order["id"], "WECHAT_PAY" if provider is Provider.WECHATPAY else "ALIPAY")
    payment = await open_payment(mongo, order["id"])
    await sandbox_pays(sandbox, mongo, provider, payment["out_trade_no"])
    await paid_at(mongo, payment["order_id"], moment)


async def test_the_report_counts_each_tender_and_store_on_its_store_local_day(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given two days of trade at two stores (see given_the_world)
    world = await given_the_world(gql, mongo, shop, payments_sandbox)
    d = world.d

    # when the owner asks for D to today, all stores, by day
    payload = await ask(gql, owner_token(shop), **{"from": d, "to": d + timedelta(days=2)})

    # then the totals, the trend, the tenders, the stores and the members are exactly these
    assert payload["userErrors"] == []
    report = payload["report"]
    assert report["takings"] == {
        "grossFen": 24_000,
        "refundsFen": 3_000,
        "netFen": 21_000,
        "orders": 7,
        "averageTicketFen": 3_428,
    }
    assert report["trend"] == [
        {"start": d.isoformat(), "grossFen": 21_000, "refundsFen": 0, "netFen": 21_000, "orders": 4},
        {
            "start": (d + timedelta(days=1)).isoformat(),
            "grossFen": 3_000,
            "refundsFen": 3_000,
            "netFen": 0,
            "orders": 3,
        },
        {"start": (d + timedelta(days=2)).isoformat(), "grossFen": 0, "refundsFen": 0, "netFen": 0, "orders": 0},
    ]
    assert report["byPaymentMethod"] == [
        {"method": "WECHAT_PAY", "grossFen": 3_000, "refundsFen": 0, "netFen": 3_000},
        {"method": "ALIPAY", "grossFen": 1_500, "refundsFen": 0, "netFen": 1_500},
        {"method": "STORED_VALUE_PAID", "grossFen": 5_000, "refundsFen": 0, "netFen": 5_000},
        {"method": "STORED_VALUE_BONUS", "grossFen": 1_800, "refundsFen": 0, "netFen": 1_800},
        {"method": "CASH", "grossFen": 12_700, "refundsFen": 3_000, "netFen": 9_700},
    ]
    assert report["byStaff"] == [
        {
            "staffMember": {"name": "店主"},
            "takings": {"grossFen": 19_500, "refundsFen": 3_000, "netFen": 16_500, "orders": 5},
        },
        {"staffMember": None, "takings": {"grossFen": 4_500, "refundsFen": 0, "netFen": 4_500, "orders": 2}},
    ]
    assert report["byStore"] == [
        {"store": {"name": "甲店一号店"}, "takings": {"netFen": 18_300, "orders": 5}},
        {"store": {"name": "纽约店"}, "takings": {"netFen": 2_700, "orders": 2}},
    ]
    members = report["members"]
    assert members["newMembers"] == 4
    assert members["bySource"] == [
        {"source": "SHARE_LINK", "members": 1},
        {"source": "PACK", "members": 0},
        {"source": "FORWARD", "members": 0},
        {"source": "STAFF_CODE", "members": 1},
        {"source": "NONE", "members": 2},
    ]
    assert (members["payingMembers"], members["repeatMembers"]) == (2, 1)
    assert sum(level["members"] for level in members["levels"]) == 4
    assert [p["newMembers"] for p in report["memberGrowth"]] == [0, 0, 4]

    # and by month the range is one bucket (or two when D+2 starts a month)
    by_month = await ask(gql, owner_token(shop), **{"from": d, "to": d + timedelta(days=2), "period": "MONTH"})
    assert sum(p["netFen"] for p in by_month["report"]["trend"]) == 21_000
    assert by_month["report"]["trend"][0]["start"] == d.replace(day=1).isoformat()


async def test_the_store_day_figures_and_balances_read_the_same_rollups(
    gql: Gql, mongo: Mongo, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given the world
    world = await given_the_world(gql, mongo, shop, payments_sandbox)
    d, merchant_id = world.d, shop.merchant.merchant.id

    # when the alerts read New York's days, and the owner the balances
    days = await store_day_takings(
        mongo=mongo, merchant_id=merchant_id, store_id=world.york.id, days=[d, d + timedelta(days=1)]
    )
    body = await gql("admin", BALANCES, token=owner_token(shop))

    # then 23:59 counts on D and 00:01 on D+1; 2 yuan of bonus is still owed, and nothing paid for
    assert days == {d: DayTakings(2_000, 0, 2_000, 1), d + timedelta(days=1): DayTakings(700, 0, 700, 1)}
    assert await stored_value_owed_fen(mongo=mongo, merchant_id=merchant_id) == 200
    balances = body["data"]["balanceReport"]["balances"]
    points = sum(card["points"] for card in await mongo.db[c.CARDS].find({"merchant_id": merchant_id}).to_list())
    assert balances == {
        "storedValuePaidFen": 0,
        "storedValueBonusFen": 200,
        "points": points,
        "countCardUses": 0,
        "commissionsPendingFen": 0,
        "commissionsAvailableFen": 0,
        "commissionsOwedBackFen": 0,
    }


async def test_only_owners_and_managers_see_reports_and_only_their_stores(
    gql: Gql, mongo: Mongo, pii: PiiCipher, shop: Shop, payments_sandbox: PaymentsSandbox
) -> None:
    # given a manager of the New York store only, a cashier, and another merchant's store
    world = await given_the_world(gql, mongo, shop, payments_sandbox)
    d = world.d
    manager = await make_staff(mongo, pii, shop, tenancy.Role.MANAGER, "13700000002", store_ids=[world.york.id])
    till = await make_staff(mongo, pii, shop, tenancy.Role.CASHIER, "13700000003")
    other = await open_shop(mongo, pii, "13900000009", name="乙店")
    span = {"from": d, "to": d + timedelta(days=1)}

    # when each asks
    mine = await ask(gql, manager.token, **span)
    shanghai = await ask(gql, manager.token, store=to_global_id("Store", shop.merchant.store.id), **span)
    foreign = await ask(gql, owner_token(shop), store=to_global_id("Store", other.merchant.store.id), **span)
    cashier = await gql("admin", REPORT, {k: v.isoformat() for k, v in span.items()}, token=till.token)
    backwards = await ask(gql, owner_token(shop), **{"from": d, "to": d - timedelta(days=1)})
    balances = await gql("admin", BALANCES, token=manager.token)

    # then the manager sees New York alone; another store, another merchant's, reads as unknown; the cashier and
    # a store-scoped manager's balances are refused; a range ending before it starts is invalid
    assert [s["name"] for s in mine["report"]["stores"]] == ["纽约店"]
    assert mine["report"]["takings"]["netFen"] == 2_700
    assert shanghai == {"report": None, "userErrors": [{"field": "storeId", "code": "STORE_NOT_FOUND"}]}
    assert foreign == {"report": None, "userErrors": [{"field": "storeId", "code": "STORE_NOT_FOUND"}]}
    assert forbidden(cashier)
    assert backwards == {"report": None, "userErrors": [{"field": "to", "code": "RANGE_INVALID"}]}
    assert forbidden(balances)


async def test_an_order_paid_event_handled_twice_or_at_once_counts_once(mongo: Mongo, shop: Shop) -> None:
    # given a cash sale whose ORDER_PAID is delivered three times, two of them at once
    order_id = await counter_sale(mongo, shop, shop.merchant.store.id, 1_234)
    entry = await mongo.db[c.OUTBOX].find_one({"kind": OrderPaid.KIND, "payload.order_id": order_id})
    assert entry is not None
    event = OrderPaid.from_payload(entry["payload"])

    # when the report handler runs for each delivery
    await asyncio.gather(*(rollups.on_order_paid(mongo=mongo, event=event) for _ in range(2)))
    await rollups.on_order_paid(mongo=mongo, event=event)

    # then the day has the sale once
    today = datetime.now(SHANGHAI).date()
    days = await store_day_takings(
        mongo=mongo, merchant_id=shop.merchant.merchant.id, store_id=shop.merchant.store.id, days=[today]
    )
    assert days[today] == DayTakings(1_234, 0, 1_234, 1)


async def test_a_member_event_handled_twice_or_at_once_counts_once(gql: Gql, mongo: Mongo, shop: Shop) -> None:
    # given a member who came by the owner's staff code, whose MEMBER_JOINED and MEMBER_BOUND are each delivered
    # three times, two of them at once, the binding's first
    member = await shopper(mongo, shop)
    await bind_referrer(
        mongo=mongo,
        merchant_id=shop.merchant.merchant.id,
        member_id=member.id,
        sharer=Sharer(staff_id=shop.merchant.owner.id),
        source=BindingSource.STAFF_QR,
    )
    kinds = [MemberBound.KIND, MemberJoined.KIND]
    for kind in kinds:
        entry = await mongo.db[c.OUTBOX].find_one({"kind": kind, "payload.member_id": member.id})
        assert entry is not None

        # when the report handler runs for each delivery
        await asyncio.gather(*(count_member_entry(mongo, entry) for _ in range(2)))
        await count_member_entry(mongo, entry)

    # then today has one new member, who came by a staff code
    today = datetime.now(SHANGHAI).date()
    payload = await ask(gql, owner_token(shop), **{"from": today, "to": today})
    members = payload["report"]["members"]
    assert members["newMembers"] == 1
    assert {row["source"]: row["members"] for row in members["bySource"]}["STAFF_CODE"] == 1
