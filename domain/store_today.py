"""The staff app's Home (工作台): one store's day so far in its own time zone (money taken, orders paid, members
who joined, bookings still to come) and what waits for someone there (arrivals due, refunds in progress, dead
letters). Each figure is one indexed command bounded by the day or by what is open, so the screen costs the same
however many orders the store has; this module is the one place that computes them (rollups replace the sums).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain.booking.access import find_store
from domain.booking.model import BookingStatus
from domain.booking.wallclock import Span, day_span, local_date
from domain.checkout.records import RefundStatus
from domain.jobs.dead_letters import DeadLetterStatus
from domain.orders.model import REFUND_IN_PROGRESS, PayMethod
from domain.tenancy import Role, Staff, Store, TenancyCode, TenancyError

# Bookings starting this soon (or late already) and not checked in are someone's to watch for: 待到店.
ARRIVAL_LEAD = timedelta(hours=1)
# Money that came in: a provider's or cash. Paying with stored value takes no money in; its top-up did.
MONEY = [PayMethod.WECHAT_PAY.value, PayMethod.ALIPAY.value, PayMethod.CASH.value]


@dataclass(frozen=True)
class ToDo:
    arrivals_due: int
    refunds_in_progress: int
    # OWNER only: None for every other role.
    dead_letters: int | None


@dataclass(frozen=True)
class StoreToday:
    store: Store
    day: date
    # Money in at the store today (orders paid today) less money refunded today; negative on a day of refunds.
    takings_fen: int
    paid_orders: int
    # Merchant-wide: a member joins the merchant, and no store is recorded for it.
    new_members: int
    upcoming_bookings: int
    to_do: ToDo


def paid_pipeline(merchant_id: ObjectId, store_id: ObjectId, day: Span) -> list[Doc]:
    """The store's orders paid within `day`: how many, and the money paid for them."""
    money = {"$cond": [{"$in": ["$paid.method", MONEY]}, "$price.due_fen", 0]}
    return [
        {"$match": {"merchant_id": merchant_id, "store_id": store_id, "paid_at": {"$gte": day.start, "$lt": day.end}}},
        {"$group": {"_id": None, "orders": {"$sum": 1}, "fen": {"$sum": money}}},
    ]


def refunded_pipeline(merchant_id: ObjectId, store_id: ObjectId, day: Span) -> list[Doc]:
    """Money refunded within `day` for the store's orders, whenever they were paid. Refunds name their order, not
    its store: the merchant's refunds of the day are few, and each finds its order by id."""
    settled = {"$gte": day.start, "$lt": day.end}
    money = {"$cond": [{"$in": ["$method", MONEY]}, "$amount_fen", 0]}
    return [
        # Exactly the index's fields: SecantusDB plans an index only for a filter made of nothing else.
        {"$match": {"merchant_id": merchant_id, "status": RefundStatus.SUCCEEDED.value, "settled_at": settled}},
        {"$lookup": {"from": c.ORDERS, "localField": "order_id", "foreignField": "_id", "as": "order"}},
        {"$match": {"order.store_id": store_id}},
        {"$group": {"_id": None, "fen": {"$sum": money}}},
    ]


def refunding_filter(merchant_id: ObjectId, store_id: ObjectId) -> Doc:
    return {"merchant_id": merchant_id, "store_id": store_id, **REFUND_IN_PROGRESS}


def bookings_pipeline(
    merchant_id: ObjectId, store_id: ObjectId, staff_id: ObjectId | None, day: Span, now: datetime
) -> list[Doc]:
    """The day's bookings not yet checked in: those still to come, and those due (starting within the lead, or
    late). `staff_id` keeps one staff member's own."""
    waiting: list[Doc] = [{"$eq": ["$status", BookingStatus.BOOKED.value]}]
    if staff_id is not None:
        waiting.append({"$eq": ["$staff_id", staff_id]})

    def count(when: Doc) -> Doc:
        return {"$sum": {"$cond": [{"$and": [*waiting, when]}, 1, 0]}}

    return [
        # The store's day on its (merchant_id, store_id, start) index, the booking calendar's own read: any other
        # condition here would keep SecantusDB off the index.
        {"$match": {"merchant_id": merchant_id, "store_id": store_id, "start": {"$gte": day.start, "$lt": day.end}}},
        {
            "$group": {
                "_id": None,
                "upcoming": count({"$gte": ["$start", now]}),
                "due": count({"$lt": ["$start", now + ARRIVAL_LEAD]}),
            }
        },
    ]


def joined_filter(merchant_id: ObjectId, day: Span) -> Doc:
    """Members made within `day`. A member's id is made with it (at first login), so the id's time is when they
    joined, and the range runs on the (merchant_id, _id) index every tenant collection has."""
    ids = {"$gte": ObjectId.from_datetime(day.start), "$lt": ObjectId.from_datetime(day.end)}
    return {"merchant_id": merchant_id, "_id": ids}


def dead_filter(merchant_id: ObjectId) -> Doc:
    return {"merchant_id": merchant_id, "status": DeadLetterStatus.DEAD.value}


async def _one(mongo: Mongo, collection: str, pipeline: list[Doc]) -> Doc:
    """The single row of a grouping pipeline; an empty one when nothing matched."""
    rows = await (await mongo.db[collection].aggregate(pipeline)).to_list()
    return rows[0] if rows else {}


async def store_today(*, mongo: Mongo, actor: Staff, store_id: ObjectId, now: datetime) -> StoreToday:
    """Any staff role, at a store in their scope (else STORE_NOT_FOUND). The takings are order money, which every
    role reads; a technician's booking counts are their own; dead letters are counted for an OWNER only."""
    store = await find_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    if store is None or not actor.active or not actor.can_see_store(store.id):
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    zone = ZoneInfo(store.timezone)
    day = local_date(now, zone)
    span = day_span(day, zone)
    merchant_id = actor.merchant_id
    paid = await _one(mongo, c.ORDERS, paid_pipeline(merchant_id, store.id, span))
    refunded = await _one(mongo, c.REFUNDS, refunded_pipeline(merchant_id, store.id, span))
    refunding = await mongo.db[c.ORDERS].count_documents(refunding_filter(merchant_id, store.id))
    own = actor.id if actor.role is Role.TECHNICIAN else None
    bookings = await _one(mongo, c.BOOKINGS, bookings_pipeline(store.merchant_id, store.id, own, span, now))
    joined = await mongo.db[c.MEMBERS].count_documents(joined_filter(merchant_id, span))
    dead = None
    if actor.has_role(Role.OWNER):
        dead = await mongo.db[c.DEAD_LETTERS].count_documents(dead_filter(merchant_id))
    return StoreToday(
        store=store,
        day=day,
        takings_fen=paid.get("fen", 0) - refunded.get("fen", 0),
        paid_orders=paid.get("orders", 0),
        new_members=joined,
        upcoming_bookings=bookings.get("upcoming", 0),
        to_do=ToDo(arrivals_due=bookings.get("due", 0), refunds_in_progress=refunding, dead_letters=dead),
    )
