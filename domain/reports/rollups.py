"""Rollups: what each paid order and each settled refund adds to its store's day (takings by payment method, by
staff member, by catalog item) and to its member's paid days (domain.reports.visits), in the store's time zone.
A change is applied once per generation: a marker unique by (merchant, generation, key) goes in the same
transaction as the `$inc`, so a redelivered event, or the rebuild meeting an order an event already counted, adds
nothing. `report_state` names the generation queries read and the one being rebuilt.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.booking.wallclock import local_date
from domain.events import OrderPaid, OrderRefunded
from domain.orders.model import SETTLED, OrderKind, PayMethod
from domain.pricing import LineKind
from domain.reports.visits import count_visits


class ReportMethod(StrEnum):
    """The five ways takings are counted: stored value splits into what the member paid for it and what the store
    gave as a bonus."""

    WECHAT_PAY = "WECHAT_PAY"
    ALIPAY = "ALIPAY"
    STORED_VALUE_PAID = "STORED_VALUE_PAID"
    STORED_VALUE_BONUS = "STORED_VALUE_BONUS"
    CASH = "CASH"


METHODS = tuple(m.value for m in ReportMethod)
# The staff key of an order nobody at the counter took: the member's own, from the mini-program.
OWN = "member"
DEFAULT_ZONE = "Asia/Shanghai"
# A new day document met by two first events at once: one upsert wins, the other's transaction runs again.
_UPSERT_RACES = 3


@dataclass(frozen=True)
class Change:
    """What one paid order or one refund adds to its store's day, and whose paid order it was."""

    key: str
    store_id: ObjectId
    day: date
    inc: dict[str, int]
    names: dict[str, str] = field(default_factory=dict)
    member_id: ObjectId | None = None


class _AlreadyApplied(Exception):
    pass


def day_key(day: date) -> str:
    return day.isoformat()


def zone_of(store: Doc | None) -> ZoneInfo:
    return ZoneInfo((store or {}).get("timezone") or DEFAULT_ZONE)


def _share(total: int, before: int, after: int, whole: int) -> int:
    """The part of `total` that goes with money refunded from `before` to `after` of `whole` (as the refund's own
    claw-back of stored value works it out, so the bonus split here is the ledger's)."""
    return total * after // whole - total * before // whole if whole else 0


def _method_parts(method: str | None, amount: int, bonus: int) -> dict[str, int]:
    if method == PayMethod.STORED_VALUE.value:
        return {"STORED_VALUE_PAID": amount - bonus, "STORED_VALUE_BONUS": bonus}
    return {method or "CASH": amount}


def _allocated(lines: list[Doc], due: int) -> list[tuple[Doc, int]]:
    """The money paid for the order shared over its lines by their list value, summing exactly to `due`."""
    weights = [ln["unit_price_fen"] * ln["quantity"] for ln in lines]
    whole, before, shares = sum(weights), 0, []
    for line, weight in zip(lines, weights, strict=True):
        after = before + weight
        shares.append((line, due * after // whole - due * before // whole if whole else 0))
        before = after
    return shares


def _catalog(lines: list[Doc], due: int) -> Iterable[tuple[str, Doc, int]]:
    """Lines of catalog items (not amounts typed at the counter, nor top-up plans) with their share of `due`."""
    for line, share in _allocated(lines, due):
        if line["kind"] != LineKind.AMOUNT.value and ObjectId.is_valid(line["item_id"]):
            yield line["item_id"], line, share


def _staff_key(order: Doc) -> str:
    staff_id = order.get("created_by_staff_id")
    return str(staff_id) if staff_id is not None else OWN


def _add(inc: dict[str, int], name: str, value: int) -> None:
    inc[name] = inc.get(name, 0) + value


def paid_change(order: Doc, zone: ZoneInfo) -> Change | None:
    """A paid order's takings on its paid day; a top-up is money in for stored value, not a sale."""
    if order["status"] not in [s.value for s in SETTLED] or order.get("paid_at") is None:
        return None
    due, day, key = order["price"]["due_fen"], local_date(order["paid_at"], zone), f"paid:{order['_id']}"
    if order["kind"] == OrderKind.TOP_UP.value:
        return Change(key, order["store_id"], day, {"top_ups_fen": due, "top_ups": 1})
    method = (order.get("paid") or {}).get("method")
    bonus = (order.get("effects") or {}).get("stored_value_bonus", 0)
    inc: dict[str, int] = {"gross_fen": due, "orders": 1}
    for name, amount in _method_parts(method, due, bonus).items():
        _add(inc, f"m.{name}.g", amount)
    staff = _staff_key(order)
    _add(inc, f"s.{staff}.g", due)
    _add(inc, f"s.{staff}.o", 1)
    names: dict[str, str] = {}
    for item_id, line, share in _catalog(order["lines"], due):
        _add(inc, f"i.{item_id}.q", line["quantity"])
        _add(inc, f"i.{item_id}.f", share)
        names[f"i.{item_id}.name"] = line["name"]
    return Change(key, order["store_id"], day, inc, names, order.get("member_id"))


def refund_change(order: Doc, refund: Doc, before: int, zone: ZoneInfo) -> Change:
    """A settled refund on its own day, whenever the order was paid; `before` is what earlier refunds of the
    order took back."""
    amount, due = refund["amount_fen"], order["price"]["due_fen"]
    day, key = local_date(refund["settled_at"], zone), f"refund:{refund['_id']}"
    if order["kind"] == OrderKind.TOP_UP.value:
        return Change(key, order["store_id"], day, {"top_up_refunds_fen": amount})
    after = before + amount
    bonus = 0
    if refund.get("method") == PayMethod.STORED_VALUE.value:
        bonus = _share((order.get("effects") or {}).get("stored_value_bonus", 0), before, after, due)
    inc: dict[str, int] = {"refunds_fen": amount}
    for name, part in _method_parts(refund.get("method"), amount, bonus).items():
        _add(inc, f"m.{name}.r", part)
    _add(inc, f"s.{_staff_key(order)}.r", amount)
    for item_id, _line, share in _catalog(order["lines"], due):
        _add(inc, f"i.{item_id}.f", -_share(share, before, after, due))
    return Change(key, order["store_id"], day, inc)


def writes(merchant_id: ObjectId, generation: int, change: Change) -> list[tuple[str, Doc, Doc]]:
    """The upserts a change makes in one generation: (collection, filter, update)."""
    found: list[tuple[str, Doc, Doc]] = []
    update: Doc = {"$inc": change.inc}
    if change.names:
        update["$set"] = change.names
    day_filter = {"merchant_id": merchant_id, "gen": generation, "store_id": change.store_id}
    found.append((c.REPORT_DAYS, {**day_filter, "day": day_key(change.day)}, update))
    return found


async def generations(*, mongo: Mongo, merchant_id: ObjectId) -> tuple[int, ...]:
    """The generations an event is counted in: the live one, and the one a rebuild is writing."""
    state = await mongo.db[c.REPORT_STATE].find_one({"merchant_id": merchant_id})
    if state is None:
        return (0,)
    building = state.get("building")
    return (state["live"],) if building is None else (state["live"], building)


async def live_generation(*, mongo: Mongo, merchant_id: ObjectId) -> int:
    state = await mongo.db[c.REPORT_STATE].find_one({"merchant_id": merchant_id}, {"live": 1})
    return int(state["live"]) if state else 0


async def apply_once(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    generation: int,
    key: str,
    write: Callable[[AsyncClientSession], Awaitable[None]],
) -> bool:
    """`write` in one transaction with the marker of `key` in `generation`; False when the marker was there."""

    async def work(s: AsyncClientSession) -> None:
        marker = {"merchant_id": merchant_id, "gen": generation, "key": key}
        try:
            await mongo.db[c.REPORT_APPLIED].insert_one(marker, session=s)
        except DuplicateKeyError as e:
            raise _AlreadyApplied from e
        await write(s)

    try:
        await upserting(mongo, work)
        return True
    except _AlreadyApplied:
        return False


async def apply(*, mongo: Mongo, merchant_id: ObjectId, generation: int, change: Change) -> bool:
    """Counts `change` in `generation` once; False when it was counted already."""

    async def work(s: AsyncClientSession) -> None:
        for collection, query, update in writes(merchant_id, generation, change):
            await mongo.db[collection].update_one(query, update, upsert=True, session=s)
        if change.member_id is not None:
            await count_visits(
                mongo=mongo,
                session=s,
                merchant_id=merchant_id,
                generation=generation,
                store_id=change.store_id,
                member_id=change.member_id,
                days=[change.day],
            )

    return await apply_once(mongo=mongo, merchant_id=merchant_id, generation=generation, key=change.key, write=work)


async def upserting(mongo: Mongo, work: Callable[[AsyncClientSession], Awaitable[None]]) -> None:
    """`work` in a transaction, run again when a concurrent upsert made one of its new documents first."""
    for attempt in range(_UPSERT_RACES):
        try:
            await transaction(mongo, work)
            return
        except DuplicateKeyError:
            if attempt == _UPSERT_RACES - 1:
                raise


async def _apply_everywhere(mongo: Mongo, merchant_id: ObjectId, change: Change | None) -> None:
    if change is None:
        return
    for generation in await generations(mongo=mongo, merchant_id=merchant_id):
        await apply(mongo=mongo, merchant_id=merchant_id, generation=generation, change=change)


async def _store_zone(mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> ZoneInfo:
    store = await mongo.db[c.STORES].find_one({"merchant_id": merchant_id, "_id": store_id}, {"timezone": 1})
    return zone_of(store)


async def on_order_paid(*, mongo: Mongo, event: OrderPaid) -> None:
    """ORDER_PAID counted in the reports. An event naming an order that is not there (never committed with it)
    counts nothing."""
    order = await mongo.db[c.ORDERS].find_one({"merchant_id": event.merchant_id, "_id": event.order_id})
    if order is None:
        return
    zone = await _store_zone(mongo, event.merchant_id, order["store_id"])
    await _apply_everywhere(mongo, event.merchant_id, paid_change(order, zone))


async def _refunded_before(mongo: Mongo, refund: Doc) -> int:
    """What the order's refunds settled before this one took back (for events written without the total)."""
    earlier = mongo.db[c.REFUNDS].find(
        {"merchant_id": refund["merchant_id"], "order_id": refund["order_id"], "status": "SUCCEEDED"},
        {"amount_fen": 1, "settled_at": 1},
    )
    mine = (refund["settled_at"], refund["_id"])
    total = 0
    async for other in earlier:
        if (other["settled_at"], other["_id"]) < mine:
            total += int(other["amount_fen"])
    return total


async def on_order_refunded(*, mongo: Mongo, event: OrderRefunded) -> None:
    """ORDER_REFUNDED counted on the refund's own day."""
    if not ObjectId.is_valid(event.refund_id):
        return
    refund = await mongo.db[c.REFUNDS].find_one({"merchant_id": event.merchant_id, "_id": ObjectId(event.refund_id)})
    if refund is None or refund.get("settled_at") is None:
        return
    order = await mongo.db[c.ORDERS].find_one({"merchant_id": event.merchant_id, "_id": refund["order_id"]})
    if order is None:
        return
    if event.order_refunded_total_fen is not None:
        before = event.order_refunded_total_fen - event.refunded_fen
    else:
        before = await _refunded_before(mongo, refund)
    zone = await _store_zone(mongo, event.merchant_id, order["store_id"])
    await _apply_everywhere(mongo, event.merchant_id, refund_change(order, refund, before, zone))


def takings_of(doc: Mapping[str, Any]) -> tuple[int, int, int]:
    """(gross, refunds, orders) of one day document."""
    return int(doc.get("gross_fen", 0)), int(doc.get("refunds_fen", 0)), int(doc.get("orders", 0))
