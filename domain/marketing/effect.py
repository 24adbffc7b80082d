"""What a campaign or journey earned: per group (treatment, control) the members touched, messages sent and
delivered, inbox messages opened, coupons redeemed, members who paid inside their window and the revenue they
paid there net of refunds; kept as rollups (one document per source and group), so reading them costs the same
for a hundred touches or a million.

Money reaches the rollups from ORDER_PAID and ORDER_REFUNDED: an order paid by a member inside a touch's window
(from the touch until `window_days` after it) credits its consumption paid to that touch, once per order (the
order id is the marker, in the touch's `orders`); a refund takes back its share of that credit, once per refund
id. A member counts in `paid_members` while their net revenue in the window is above zero: from their first paid
order, and no longer once refunds have taken all of it back. Each touch keeps its net revenue r, so the rollup
keeps the sum S = Σr and the sum of squares Q = Σr² up to date incrementally (a change from r to r' adds r' − r
to S and r'² − r² to Q).

Uplift, treatment (1) against control (2), each group of n members:
- paid rate p = paid_members / n; difference d = p1 − p2, with the 95% Wald interval
  d ± 1.96·sqrt(p1(1−p1)/n1 + p2(1−p2)/n2);
- revenue per member m = S / n, sample variance v = (Q − S²/n) / (n − 1) (0 when n = 1); difference
  m1 − m2 with the 95% interval (m1 − m2) ± 1.96·sqrt(v1/n1 + v2/n2), in fen.
None while either group has no member.
"""

import math
from dataclasses import dataclass

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.events import OrderPaid, OrderRefunded
from domain.marketing.touches import Group, TouchSource, rollup_key

Z_95 = 1.96


@dataclass(frozen=True)
class GroupFigures:
    members: int
    sent: int
    delivered: int
    opened: int
    redeemed: int
    paid_members: int
    revenue_fen: int


@dataclass(frozen=True)
class Uplift:
    rate_diff: float
    rate_low: float
    rate_high: float
    revenue_per_member_diff_fen: float
    revenue_low_fen: float
    revenue_high_fen: float


@dataclass(frozen=True)
class Effect:
    treatment: GroupFigures
    control: GroupFigures
    # None when a group is empty.
    uplift: Uplift | None


@dataclass(frozen=True)
class _Sums:
    figures: GroupFigures
    revenue_sq: int


def _sums(doc: Doc | None) -> _Sums:
    d = doc or {}
    figures = GroupFigures(
        members=d.get("members", 0),
        sent=d.get("sent", 0),
        delivered=d.get("delivered", 0),
        opened=d.get("opened", 0),
        redeemed=d.get("redeemed", 0),
        paid_members=d.get("paid_members", 0),
        revenue_fen=d.get("revenue_fen", 0),
    )
    return _Sums(figures, d.get("revenue_sq", 0))


def uplift(treatment: _Sums, control: _Sums) -> Uplift | None:
    n1, n2 = treatment.figures.members, control.figures.members
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = treatment.figures.paid_members / n1, control.figures.paid_members / n2
    rate_se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    s1, s2 = treatment.figures.revenue_fen, control.figures.revenue_fen
    m1, m2 = s1 / n1, s2 / n2
    revenue_se = math.sqrt(_variance(s1, treatment.revenue_sq, n1) / n1 + _variance(s2, control.revenue_sq, n2) / n2)
    d, m = p1 - p2, m1 - m2
    return Uplift(
        rate_diff=d,
        rate_low=d - Z_95 * rate_se,
        rate_high=d + Z_95 * rate_se,
        revenue_per_member_diff_fen=m,
        revenue_low_fen=m - Z_95 * revenue_se,
        revenue_high_fen=m + Z_95 * revenue_se,
    )


def _variance(total: int, squares: int, n: int) -> float:
    return max(squares - total * total / n, 0.0) / (n - 1) if n > 1 else 0.0


async def effect(*, mongo: Mongo, merchant_id: ObjectId, source: TouchSource, source_id: ObjectId) -> Effect:
    """The source's figures: one query for its (at most two) rollups."""
    docs = (
        await mongo.db[c.MARKETING_EFFECTS]
        .find({"merchant_id": merchant_id, "source_id": source_id, "source": source.value})
        .to_list()
    )
    by_group = {d["group"]: d for d in docs}
    treatment, control = _sums(by_group.get(Group.TREATMENT.value)), _sums(by_group.get(Group.CONTROL.value))
    return Effect(treatment.figures, control.figures, uplift(treatment, control))


async def _change_revenue(
    mongo: Mongo, merchant_id: ObjectId, touch_id: ObjectId, marker: Doc, set_: Doc, amount: int
) -> None:
    """Adds `amount` (negative for a refund) to one touch's revenue unless `marker` says it is done, and the change
    of S, Q and paying members to its rollup, in one transaction."""

    async def work(s: AsyncClientSession) -> None:
        before = await mongo.db[c.MARKETING_TOUCHES].find_one_and_update(
            {"merchant_id": merchant_id, "_id": touch_id, **marker},
            {"$set": set_, "$inc": {"revenue_fen": amount}},
            projection={"source_id": 1, "group": 1, "revenue_fen": 1},
            return_document=ReturnDocument.BEFORE,
            session=s,
        )
        if before is None:
            return
        old = before["revenue_fen"]
        new = old + amount
        inc = {"revenue_fen": amount, "revenue_sq": new * new - old * old}
        if (new > 0) != (old > 0):
            inc["paid_members"] = 1 if new > 0 else -1
        await mongo.db[c.MARKETING_EFFECTS].update_one(
            rollup_key(merchant_id, before["source_id"], before["group"]), {"$inc": inc}, session=s
        )

    await transaction(mongo, work)


async def on_order_paid(*, mongo: Mongo, event: OrderPaid) -> None:
    """Credits a member's paid order to every touch whose window it falls in (each source measures its own)."""
    if event.member_id is None or event.consumption_paid_fen == 0:
        return
    touches = mongo.db[c.MARKETING_TOUCHES].find(
        {
            "merchant_id": event.merchant_id,
            "member_id": event.member_id,
            "until": {"$gt": event.paid_at},
            "at": {"$lte": event.paid_at},
        },
        {"_id": 1},
    )
    order = str(event.order_id)
    async for touch in touches:
        await _change_revenue(
            mongo,
            event.merchant_id,
            touch["_id"],
            {f"orders.{order}": {"$exists": False}},
            {f"orders.{order}": event.consumption_paid_fen},
            event.consumption_paid_fen,
        )


def _taken_back(credited: int, event: OrderRefunded) -> int:
    """The refund's share of what the order credited: refunded so far, before and after this refund, of what the
    order paid, rounded so that refunds of the whole order take back exactly the whole credit."""
    whole = event.order_paid_fen
    after = event.order_refunded_total_fen if event.order_refunded_total_fen is not None else event.refunded_fen
    before = after - event.refunded_fen
    return credited * after // whole - credited * before // whole if whole else 0


async def on_order_refunded(*, mongo: Mongo, event: OrderRefunded) -> None:
    """Takes the refund's share back from every touch its order credited. Credits the order first when its
    ORDER_PAID has not been handled yet (both relayed together, the refund's job first)."""
    if event.member_id is None:
        return
    paid = await outbox.recorded(mongo=mongo, dedupe_key=OrderPaid.dedupe_key_of(event.order_id))
    if paid is not None:
        await on_order_paid(mongo=mongo, event=OrderPaid.from_payload(paid.payload))
    order, refund = str(event.order_id), event.refund_id.replace(".", "_")
    touches = mongo.db[c.MARKETING_TOUCHES].find(
        {"merchant_id": event.merchant_id, "member_id": event.member_id, f"orders.{order}": {"$exists": True}},
        {"orders": 1},
    )
    async for touch in touches:
        back = _taken_back(touch["orders"][order], event)
        await _change_revenue(
            mongo,
            event.merchant_id,
            touch["_id"],
            {f"refunds.{refund}": {"$exists": False}},
            {f"refunds.{refund}": back},
            -back,
        )
