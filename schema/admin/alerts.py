"""Alerts (预警) in the admin app: the owner's rules, the alerts list with each alert's message in the request's
language and the staff-app route behind it, the unread badge and marking alerts read, as domain.alerts keeps them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypeAlias

import strawberry

from domain.alerts import feed
from domain.alerts import rules as alert_rules
from domain.alerts.firing import Alert as AlertRecord
from domain.alerts.firing import FigureUnit as DomainFigureUnit
from domain.alerts.firing import Firing, Link, Route
from domain.alerts.rules import AlertKind as DomainAlertKind
from domain.tenancy import Staff
from domain.tenancy import Store as StoreRecord
from schema.admin.types import Store
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.messages import EN
from schema.mutations import node_ids, user_errors_in

AlertKind: TypeAlias = DomainAlertKind
strawberry.enum(
    AlertKind,
    name="AlertKind",
    description="REFUNDS_HIGH: a store's refunds today above `percent` of its gross takings today (gross at least "
    "`amountFen`). TAKINGS_LOW: from `hour` store time, a store's net takings today below `percent` of the same "
    "weekday's average over the 4 weeks before. PAYMENT_FLAGGED: a provider's word flagged a payment (amount, "
    "merchant or method mismatch, a duplicate, a lost booking, a refund mismatch). DEAD_LETTERS: at least `count` "
    "dead letters waiting. COMMISSION_SPIKE: a shareholder's commissions this ISO week above `percent` of their "
    "weekly average over the 8 weeks before (and at least `amountFen`). STORED_VALUE_OWED: stored value owed "
    "(paid + bonus) above `amountFen`.",
)
AlertFigureUnit: TypeAlias = DomainFigureUnit
strawberry.enum(AlertFigureUnit, name="AlertFigureUnit")

PERCENT = "Percent, 1-1000: REFUNDS_HIGH, TAKINGS_LOW, COMMISSION_SPIKE."
HOUR = "Store-local hour, 0-23: TAKINGS_LOW."
COUNT = "At least 1: DEAD_LETTERS."
AMOUNT = "Fen, at least 0: REFUNDS_HIGH's minimum gross, COMMISSION_SPIKE's minimum, STORED_VALUE_OWED's limit."


@strawberry.type(description="One kind's rule; parameters its kind does not read are null.")
class AlertRule:
    kind: AlertKind
    enabled: bool
    percent: int | None = strawberry.field(description=PERCENT)
    hour: int | None = strawberry.field(description=HOUR)
    count: int | None = strawberry.field(description=COUNT)
    amount_fen: int | None = strawberry.field(description=AMOUNT)

    @classmethod
    def of(cls, rule: alert_rules.AlertRule) -> "AlertRule":
        return cls(
            kind=rule.kind,
            enabled=rule.enabled,
            percent=rule.percent,
            hour=rule.hour,
            count=rule.count,
            amount_fen=rule.amount_fen,
        )


@strawberry.input(description="An enabled rule needs every parameter its kind reads; the others are ignored.")
class AlertRuleInput:
    kind: AlertKind
    enabled: bool
    percent: int | None = strawberry.field(default=None, description=PERCENT)
    hour: int | None = strawberry.field(default=None, description=HOUR)
    count: int | None = strawberry.field(default=None, description=COUNT)
    amount_fen: int | None = strawberry.field(default=None, description=AMOUNT)

    def rule(self) -> alert_rules.AlertRule:
        return alert_rules.AlertRule(self.kind, self.enabled, self.percent, self.hour, self.count, self.amount_fen)


@strawberry.type
class AlertRulesPayload:
    rules: list[AlertRule] = strawberry.field(default_factory=list, description="Every kind, after the change.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="One figure behind an alert, as a whole number in its unit.")
class AlertFigure:
    name: str = strawberry.field(
        description="refundsFen, grossFen, refundPercent, netFen, averageFen, percentOfAverage, orderFen, "
        "deadLetters, weekFen, owedFen, limitFen, threshold, thresholdPercent."
    )
    value: int
    unit: AlertFigureUnit


FLAGS_ZH = {
    "AMOUNT_MISMATCH": "金额不符",
    "MERCHANT_MISMATCH": "商户号不符",
    "METHOD_MISMATCH": "支付方式不符",
    "DUPLICATE_PAYMENT": "重复支付",
    "BOOKING_LOST": "预约已失效",
    "REFUND_MISMATCH": "退款不符",
}
FLAGS_EN = {
    "AMOUNT_MISMATCH": "amount mismatch",
    "MERCHANT_MISMATCH": "merchant mismatch",
    "METHOD_MISMATCH": "method mismatch",
    "DUPLICATE_PAYMENT": "duplicate payment",
    "BOOKING_LOST": "booking lost",
    "REFUND_MISMATCH": "refund mismatch",
}


def yuan(fen: int) -> str:
    """Fen as yuan with thousands separators and two decimals, exactly: 123456 -> 1,234.56."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@dataclass(frozen=True)
class Wording:
    """What one alert's message is made of."""

    f: dict[str, int]
    detail: dict[str, str]
    en: bool
    # "店名：" / "Store: ", or nothing for a merchant-wide alert.
    at: str


def _refunds_high(w: Wording) -> str:
    f = w.f
    if w.en:
        return (
            f"{w.at}refunds of ¥{yuan(f['refundsFen'])} today are {f['refundPercent']}% of takings of "
            f"¥{yuan(f['grossFen'])} (threshold {f['thresholdPercent']}%)"
        )
    return (
        f"{w.at}退款 {yuan(f['refundsFen'])} 元，占当日营业额 {yuan(f['grossFen'])} 元的 {f['refundPercent']}%"
        f"（阈值 {f['thresholdPercent']}%）"
    )


def _takings_low(w: Wording) -> str:
    f, hour = w.f, w.detail["hour"]
    if w.en:
        return (
            f"{w.at}net takings of ¥{yuan(f['netFen'])} by {hour}:00 are {f['percentOfAverage']}% of the same "
            f"weekday's 4-week average of ¥{yuan(f['averageFen'])} (threshold {f['thresholdPercent']}%)"
        )
    return (
        f"{w.at}截至 {hour}:00 实收 {yuan(f['netFen'])} 元，为近 4 周同日均值 {yuan(f['averageFen'])} 元的 "
        f"{f['percentOfAverage']}%（阈值 {f['thresholdPercent']}%）"
    )


def _payment_flagged(w: Wording) -> str:
    flag, amount = w.detail["flag"], yuan(w.f["orderFen"])
    if w.en:
        return f"{w.at}a payment was flagged ({FLAGS_EN.get(flag, flag)}) on an order of ¥{amount}"
    return f"{w.at}订单 {amount} 元的支付异常：{FLAGS_ZH.get(flag, flag)}"


def _dead_letters(w: Wording) -> str:
    if w.en:
        return f"{w.f['deadLetters']} dead letters are waiting (threshold {w.f['threshold']})"
    return f"{w.f['deadLetters']} 个失败任务待处理（阈值 {w.f['threshold']} 个）"


def _commission_spike(w: Wording) -> str:
    f, who = w.f, w.detail["shareholder"]
    if "percentOfAverage" not in f:
        usual = "with none in the 8 weeks before" if w.en else "近 8 周无分红"
    elif w.en:
        usual = f"{f['percentOfAverage']}% of their 8-week weekly average of ¥{yuan(f['averageFen'])}"
    else:
        usual = f"为近 8 周周均 {yuan(f['averageFen'])} 元的 {f['percentOfAverage']}%"
    if w.en:
        return (
            f"Shareholder {who}: commissions of ¥{yuan(f['weekFen'])} this week, {usual} "
            f"(threshold {f['thresholdPercent']}%)"
        )
    return f"股东{who}本周分红 {yuan(f['weekFen'])} 元，{usual}（阈值 {f['thresholdPercent']}%）"


def _stored_value_owed(w: Wording) -> str:
    if w.en:
        return f"Stored value owed is ¥{yuan(w.f['owedFen'])}, above the limit of ¥{yuan(w.f['limitFen'])}"
    return f"储值余额共 {yuan(w.f['owedFen'])} 元，超过上限 {yuan(w.f['limitFen'])} 元"


WORDINGS: dict[AlertKind, Callable[[Wording], str]] = {
    AlertKind.REFUNDS_HIGH: _refunds_high,
    AlertKind.TAKINGS_LOW: _takings_low,
    AlertKind.PAYMENT_FLAGGED: _payment_flagged,
    AlertKind.DEAD_LETTERS: _dead_letters,
    AlertKind.COMMISSION_SPIKE: _commission_spike,
    AlertKind.STORED_VALUE_OWED: _stored_value_owed,
}


def message(firing: Firing, store: StoreRecord | None, lang: str) -> str:
    """What fired, with its figures, in the request's language."""
    en = lang == EN
    at = "" if store is None else f"{store.name}: " if en else f"{store.name}："
    figures = {fig.name: fig.value for fig in firing.figures}
    return WORDINGS[firing.kind](Wording(figures, firing.detail, en, at))


def link(to: Link) -> str:
    """The staff-app route listing what is behind the alert."""
    if to.route is Route.ORDER and to.order_id is not None:
        return f"/orders/{to_global_id('Order', to.order_id)}"
    if to.route is Route.REPORT and to.day is not None:
        store = f"storeId={to_global_id('Store', to.store_id)}&" if to.store_id else ""
        return f"/reports?{store}from={to.day.isoformat()}&to={to.day.isoformat()}"
    if to.route is Route.DEAD_LETTERS:
        return "/dead-letters"
    return "/shareholders"


@strawberry.type(description="Something a rule saw, once per rule, subject and period.")
class Alert:
    id: strawberry.ID
    kind: AlertKind
    store: Store | None = strawberry.field(description="The store it is about; null for merchant-wide alerts.")
    period: str = strawberry.field(
        description="What once per period means for its rule: a day (2026-12-05: refunds, takings, dead letters, "
        "stored value), an ISO week (2026-W49: commissions), or the flag's key (a flagged payment)."
    )
    fired_at: datetime
    read: bool = strawberry.field(
        description="Read by you; alerts that fired before you could see them (hired later, or a store added to "
        "your scope later) read as read."
    )
    message: str = strawberry.field(description="In the request's language: what fired, with its figures.")
    figures: list[AlertFigure]
    link: str = strawberry.field(
        description="The staff-app route listing what is behind it: /reports?storeId=…&from=…&to=…, /orders/<id>, "
        "/dead-letters or /shareholders."
    )

    @classmethod
    def of(cls, alert: AlertRecord, store: StoreRecord | None, viewer: Staff, lang: str) -> "Alert":
        firing = alert.firing
        return cls(
            id=to_global_id("Alert", alert.id),
            kind=firing.kind,
            store=Store.of(store) if store else None,
            period=firing.period,
            fired_at=alert.fired_at,
            read=alert.read_by(viewer),
            message=message(firing, store, lang),
            figures=[AlertFigure(name=f.name, value=f.value, unit=f.unit) for f in firing.figures],
            link=link(firing.link),
        )


@strawberry.type
class MarkAlertsReadPayload:
    unread_alert_count: int = strawberry.field(default=0, description="Your unread alerts after.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AlertsQuery:
    @strawberry.field(description="OWNER or MANAGER: every kind's rule; a kind never set is switched off.")
    async def alert_rules(self, info: Info) -> list[AlertRule]:
        ctx = info.context
        kept = await alert_rules.load_rules(mongo=ctx.clients.mongo, actor=await ctx.staff())
        return [AlertRule.of(r) for r in kept.rules.values()]

    @strawberry.field(
        description="OWNER or MANAGER, newest first: the alerts of the stores in your scope and the merchant-wide ones."
    )
    async def alerts(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Alert]:
        ctx = info.context
        viewer = await ctx.staff()
        page = await feed.list_alerts(mongo=ctx.clients.mongo, actor=viewer, first=first, after=from_cursor(after))
        ids = list({a.firing.store_id for _, a in page.items if a.firing.store_id is not None})
        stores = {s.id: s for s in await ctx.stores.load_many(ids) if s is not None}
        return connection(
            page, lambda a: Alert.of(a, stores.get(a.firing.store_id) if a.firing.store_id else None, viewer, ctx.lang)
        )

    @strawberry.field(description="OWNER or MANAGER: the alerts you have not read (the badge); 0 for other roles.")
    async def unread_alert_count(self, info: Info) -> int:
        ctx = info.context
        return await feed.unread_count(mongo=ctx.clients.mongo, actor=await ctx.staff())


@strawberry.type
class AlertsMutation:
    @strawberry.mutation(
        description="OWNER, audited: the given kinds' rules replace the kept ones; the other kinds stay. One invalid "
        "rule (ALERT_PERCENT_INVALID, ALERT_HOUR_INVALID, ALERT_COUNT_INVALID, ALERT_AMOUNT_INVALID on "
        "rules.<i>.<parameter>, ALERT_RULE_DUPLICATE) changes nothing."
    )
    @user_errors_in(AlertRulesPayload)
    async def set_alert_rules(self, info: Info, rules: list[AlertRuleInput]) -> AlertRulesPayload:
        ctx = info.context
        kept = await alert_rules.set_rules(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), rules=[r.rule() for r in rules], now=datetime.now(UTC)
        )
        return AlertRulesPayload(rules=[AlertRule.of(r) for r in kept.rules.values()])

    @strawberry.mutation(
        description="OWNER or MANAGER: the given alerts (null: all of yours) read by you; 1-100 ids, else "
        "ALERT_IDS_INVALID. An id of an alert you are not shown is ALERT_NOT_FOUND, and nothing changes."
    )
    @user_errors_in(MarkAlertsReadPayload)
    async def mark_alerts_read(
        self, info: Info, ids: Annotated[list[strawberry.ID] | None, strawberry.argument()] = None
    ) -> MarkAlertsReadPayload:
        ctx = info.context
        unread = await feed.mark_read(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            ids=None if ids is None else node_ids("Alert", ids, "ids"),
        )
        return MarkAlertsReadPayload(unread_alert_count=unread)
