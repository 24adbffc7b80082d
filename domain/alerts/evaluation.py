"""The cron's look at every merchant's enabled rules (every 10 minutes): each rule's figures now, and an alert for
each subject past its threshold. Evaluations may overlap or repeat (two workers, a run on demand): an alert fires
once per rule, subject and period whatever runs (domain.alerts.firing).

Periods: a store's day in its time zone (refunds, takings), the merchant's day (dead letters, stored value owed)
and its ISO week (commissions) in the time zone of its first store, and the flag itself for a flagged payment.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.alerts.firing import Figure, FigureUnit, Firing, Link, Route, fire
from domain.alerts.rules import AlertKind, AlertRule, MerchantRules, Param, rules_from_doc
from domain.booking.wallclock import at, local_date
from domain.commissions.commission import BeneficiaryKind
from domain.orders.model import FlagKind
from domain.outbox import OutboxStatus
from domain.reports.figures import store_day_takings, stored_value_owed_fen
from domain.tenancy import Staff, Store, staff_from_doc, store_from_doc

DEFAULT_TIMEZONE = "Asia/Shanghai"
# What a payment provider's word raised: the flags a webhook (or the active query standing in for one) sets.
PAYMENT_FLAGS = frozenset(
    {
        FlagKind.AMOUNT_MISMATCH,
        FlagKind.MERCHANT_MISMATCH,
        FlagKind.METHOD_MISMATCH,
        FlagKind.DUPLICATE_PAYMENT,
        FlagKind.BOOKING_LOST,
        FlagKind.REFUND_MISMATCH,
    }
)
# A flag is stamped before its transaction commits, so one may become visible a little after a look that began
# later; each look reaches back this far, and the unique index keeps a flag seen twice one alert.
FLAG_OVERLAP = timedelta(minutes=5)
USUAL_WEEKS = 8
SAME_WEEKDAYS = 4


@dataclass(frozen=True)
class Merchant:
    """What every rule of one merchant's evaluation shares."""

    id: ObjectId
    stores: list[Store]
    staff: list[Staff]
    zone: ZoneInfo
    now: datetime
    rules: MerchantRules

    @property
    def today(self) -> date:
        return local_date(self.now, self.zone)


Check = Callable[[Mongo, Merchant, AlertRule], Awaitable[list[Firing]]]


async def dead_letters_waiting(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    # A dead letter waits while its outbox entry is DEAD: an owner's retry moves the entry on.
    waiting = await mongo.db[c.OUTBOX].count_documents({"merchant_id": m.id, "status": OutboxStatus.DEAD.value})
    threshold = rule.need(Param.COUNT)
    if waiting < threshold:
        return []
    figures = (Figure("deadLetters", waiting, FigureUnit.COUNT), Figure("threshold", threshold, FigureUnit.COUNT))
    return [Firing(rule.kind, None, "merchant", m.today.isoformat(), figures, Link(Route.DEAD_LETTERS))]


async def payments_flagged(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    """One alert per flag a provider's word raised since the last look (not before the rule was switched on)."""
    since = rule.enabled_at or m.now
    if m.rules.flags_checked_at is not None:
        since = max(since, m.rules.flags_checked_at - FLAG_OVERLAP)
    docs = await (
        mongo.db[c.ORDERS]
        .find(
            {"merchant_id": m.id, "flags.at": {"$gte": since}},
            {"store_id": 1, "flags": 1, "price.due_fen": 1},
        )
        .to_list()
    )
    found = []
    for doc in docs:
        for flag in doc["flags"]:
            if flag["code"] not in PAYMENT_FLAGS or flag["at"] < since:
                continue
            found.append(
                Firing(
                    rule.kind,
                    doc["store_id"],
                    str(doc["_id"]),
                    flag["key"],
                    (Figure("orderFen", doc["price"]["due_fen"], FigureUnit.FEN),),
                    Link(Route.ORDER, store_id=doc["store_id"], order_id=doc["_id"]),
                    {"flag": flag["code"]},
                )
            )
    return found


def _store_day(m: Merchant, store: Store) -> tuple[ZoneInfo, date]:
    zone = ZoneInfo(store.timezone)
    return zone, local_date(m.now, zone)


async def refunds_high(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    """Stores whose refunds today pass `percent` of their gross takings today, once gross reaches `amountFen`."""
    percent, minimum = rule.need(Param.PERCENT), rule.need(Param.AMOUNT_FEN)
    found = []
    for store in m.stores:
        _, today = _store_day(m, store)
        takings = (await store_day_takings(mongo=mongo, merchant_id=m.id, store_id=store.id, days=[today]))[today]
        gross, refunds = takings.gross_fen, takings.refunds_fen
        if gross <= 0 or gross < minimum or refunds * 100 <= percent * gross:
            continue
        figures = (
            Figure("refundsFen", refunds, FigureUnit.FEN),
            Figure("grossFen", gross, FigureUnit.FEN),
            Figure("refundPercent", refunds * 100 // gross, FigureUnit.PERCENT),
            Figure("thresholdPercent", percent, FigureUnit.PERCENT),
        )
        link = Link(Route.REPORT, store_id=store.id, day=today)
        found.append(Firing(rule.kind, store.id, str(store.id), today.isoformat(), figures, link))
    return found


async def takings_low(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    """From `hour` store time: stores whose net takings today are below `percent` of the same weekday's average
    over the 4 weeks before. A store with no takings on those days has no usual to fall below."""
    percent, hour = rule.need(Param.PERCENT), rule.need(Param.HOUR)
    found = []
    for store in m.stores:
        zone, today = _store_day(m, store)
        if m.now.astimezone(zone).hour < hour:
            continue
        before = [today - timedelta(weeks=w) for w in range(1, SAME_WEEKDAYS + 1)]
        days = await store_day_takings(mongo=mongo, merchant_id=m.id, store_id=store.id, days=[today, *before])
        usual = sum(days[d].net_fen for d in before)
        net = days[today].net_fen
        # net < percent% of (usual / 4), in integers.
        if usual <= 0 or net * 100 * SAME_WEEKDAYS >= percent * usual:
            continue
        figures = (
            Figure("netFen", net, FigureUnit.FEN),
            Figure("averageFen", usual // SAME_WEEKDAYS, FigureUnit.FEN),
            Figure("percentOfAverage", net * 100 * SAME_WEEKDAYS // usual, FigureUnit.PERCENT),
            Figure("thresholdPercent", percent, FigureUnit.PERCENT),
        )
        link = Link(Route.REPORT, store_id=store.id, day=today)
        found.append(
            Firing(rule.kind, store.id, str(store.id), today.isoformat(), figures, link, {"hour": f"{hour:02d}"})
        )
    return found


async def stored_value_owed(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    owed, limit = await stored_value_owed_fen(mongo=mongo, merchant_id=m.id), rule.need(Param.AMOUNT_FEN)
    if owed <= limit:
        return []
    figures = (Figure("owedFen", owed, FigureUnit.FEN), Figure("limitFen", limit, FigureUnit.FEN))
    link = Link(Route.REPORT, day=m.today)
    return [Firing(rule.kind, None, "merchant", m.today.isoformat(), figures, link)]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def commission_spikes(mongo: Mongo, m: Merchant, rule: AlertRule) -> list[Firing]:
    """Shareholders whose commissions this ISO week (net of reversals) pass `percent` of their weekly average over
    the 8 weeks before, and `amountFen`. One indexed read bounded by the 9 weeks."""
    monday = week_start(m.today)
    this_week = at(monday, 0, m.zone)
    since = at(monday - timedelta(weeks=USUAL_WEEKS), 0, m.zone)
    net = {"$subtract": ["$amount_fen", "$reversed_fen"]}
    rows = await (
        await mongo.db[c.COMMISSIONS].aggregate(
            [
                # Exactly the (merchant_id, paid_at) index's fields, so SecantusDB plans the index.
                {"$match": {"merchant_id": m.id, "paid_at": {"$gte": since, "$lt": m.now}}},
                {"$match": {"beneficiary_kind": BeneficiaryKind.MEMBER.value}},
                {
                    "$group": {
                        "_id": "$beneficiary_id",
                        "week": {"$sum": {"$cond": [{"$gte": ["$paid_at", this_week]}, net, 0]}},
                        "before": {"$sum": {"$cond": [{"$lt": ["$paid_at", this_week]}, net, 0]}},
                    }
                },
            ]
        )
    ).to_list()
    percent, minimum = rule.need(Param.PERCENT), rule.need(Param.AMOUNT_FEN)
    # week > percent% of (before / 8), in integers.
    spikes = [r for r in rows if r["week"] >= minimum and r["week"] * 100 * USUAL_WEEKS > percent * r["before"]]
    if not spikes:
        return []
    members = mongo.db[c.MEMBERS].find({"merchant_id": m.id, "_id": {"$in": [r["_id"] for r in spikes]}})
    names = {d["_id"]: d.get("nickname") or "" for d in await members.to_list()}
    year, week, _ = monday.isocalendar()
    found = []
    for r in spikes:
        average = r["before"] // USUAL_WEEKS
        figures = [Figure("weekFen", r["week"], FigureUnit.FEN), Figure("averageFen", average, FigureUnit.FEN)]
        if r["before"] > 0:
            share = r["week"] * 100 * USUAL_WEEKS // r["before"]
            figures.append(Figure("percentOfAverage", share, FigureUnit.PERCENT))
        figures.append(Figure("thresholdPercent", percent, FigureUnit.PERCENT))
        found.append(
            Firing(
                rule.kind,
                None,
                str(r["_id"]),
                f"{year}-W{week:02d}",
                tuple(figures),
                Link(Route.SHAREHOLDERS),
                {"shareholder": names.get(r["_id"], "")},
            )
        )
    return found


CHECKS: dict[AlertKind, Check] = {
    AlertKind.REFUNDS_HIGH: refunds_high,
    AlertKind.TAKINGS_LOW: takings_low,
    AlertKind.PAYMENT_FLAGGED: payments_flagged,
    AlertKind.DEAD_LETTERS: dead_letters_waiting,
    AlertKind.COMMISSION_SPIKE: commission_spikes,
    AlertKind.STORED_VALUE_OWED: stored_value_owed,
}


async def evaluate_merchant(*, mongo: Mongo, merchant_id: ObjectId, rules: MerchantRules, now: datetime) -> int:
    """Every enabled rule of the merchant, now; how many alerts this call fired."""
    enabled = [rule for kind in CHECKS if (rule := rules.enabled(kind)) is not None]
    if not enabled:
        return 0
    stores = [store_from_doc(d) for d in await mongo.db[c.STORES].find({"merchant_id": merchant_id}).to_list()]
    stores.sort(key=lambda s: s.id)
    staff = [staff_from_doc(d) for d in await mongo.db[c.STAFF].find({"merchant_id": merchant_id}).to_list()]
    zone = ZoneInfo(stores[0].timezone if stores else DEFAULT_TIMEZONE)
    merchant = Merchant(merchant_id, stores, staff, zone, now, rules)
    fired = 0
    for rule in enabled:
        for firing in await CHECKS[rule.kind](mongo, merchant, rule):
            fired += await fire(mongo=mongo, merchant_id=merchant_id, firing=firing, staff=staff, now=now)
    if rules.enabled(AlertKind.PAYMENT_FLAGGED):
        await mongo.db[c.ALERT_RULES].update_one({"_id": merchant_id}, {"$max": {"flags_checked_at": now}})
    return fired


async def evaluate_all(*, mongo: Mongo, now: datetime) -> int:
    """Every merchant that has set alert rules: how many alerts fired."""
    fired = 0
    async for doc in mongo.db[c.ALERT_RULES].find({}):
        fired += await evaluate_merchant(mongo=mongo, merchant_id=doc["_id"], rules=rules_from_doc(doc), now=now)
    return fired
