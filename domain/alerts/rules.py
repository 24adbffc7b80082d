"""The merchant's alert rules: one per kind, each the owner's to switch on and tune, with the parameters its kind
reads (a share in percent, a store-local hour, a count, an amount in fen), validated per kind. Kept in one
document per merchant; a kind never set reads as switched off.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from db import collections as c
from db.mongo import Doc, Mongo
from domain.alerts.errors import AlertCode, AlertError
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff, audit


class AlertKind(StrEnum):
    REFUNDS_HIGH = "REFUNDS_HIGH"
    TAKINGS_LOW = "TAKINGS_LOW"
    PAYMENT_FLAGGED = "PAYMENT_FLAGGED"
    DEAD_LETTERS = "DEAD_LETTERS"
    COMMISSION_SPIKE = "COMMISSION_SPIKE"
    STORED_VALUE_OWED = "STORED_VALUE_OWED"


class Param(StrEnum):
    PERCENT = "percent"
    HOUR = "hour"
    COUNT = "count"
    AMOUNT_FEN = "amountFen"


# What each kind reads; an enabled rule needs every one of them, and the others are not kept.
PARAMS: dict[AlertKind, tuple[Param, ...]] = {
    AlertKind.REFUNDS_HIGH: (Param.PERCENT, Param.AMOUNT_FEN),
    AlertKind.TAKINGS_LOW: (Param.PERCENT, Param.HOUR),
    AlertKind.PAYMENT_FLAGGED: (),
    AlertKind.DEAD_LETTERS: (Param.COUNT,),
    AlertKind.COMMISSION_SPIKE: (Param.PERCENT, Param.AMOUNT_FEN),
    AlertKind.STORED_VALUE_OWED: (Param.AMOUNT_FEN,),
}

_INVALID = {
    Param.PERCENT: AlertCode.ALERT_PERCENT_INVALID,
    Param.HOUR: AlertCode.ALERT_HOUR_INVALID,
    Param.COUNT: AlertCode.ALERT_COUNT_INVALID,
    Param.AMOUNT_FEN: AlertCode.ALERT_AMOUNT_INVALID,
}


def _in_range(param: Param, value: int) -> bool:
    if param is Param.PERCENT:
        return 1 <= value <= 1000
    if param is Param.HOUR:
        return 0 <= value <= 23
    if param is Param.COUNT:
        return value >= 1
    return value >= 0


@dataclass(frozen=True)
class AlertRule:
    kind: AlertKind
    enabled: bool
    percent: int | None = None
    hour: int | None = None
    count: int | None = None
    amount_fen: int | None = None
    # When it was last switched on: a flag raised before then is not news to the owner.
    enabled_at: datetime | None = None

    def value(self, param: Param) -> int | None:
        return {
            Param.PERCENT: self.percent,
            Param.HOUR: self.hour,
            Param.COUNT: self.count,
            Param.AMOUNT_FEN: self.amount_fen,
        }[param]

    def need(self, param: Param) -> int:
        """A parameter of an enabled rule, which validation made sure is there."""
        value = self.value(param)
        if value is None:
            raise ValueError(f"{self.kind} is enabled without its {param}")
        return value


@dataclass(frozen=True)
class MerchantRules:
    rules: dict[AlertKind, AlertRule]
    # The end of the last look for flagged payments.
    flags_checked_at: datetime | None

    def enabled(self, kind: AlertKind) -> AlertRule | None:
        rule = self.rules[kind]
        return rule if rule.enabled else None


def _rule_doc(rule: AlertRule) -> Doc:
    return {
        "enabled": rule.enabled,
        "percent": rule.percent,
        "hour": rule.hour,
        "count": rule.count,
        "amount_fen": rule.amount_fen,
        "enabled_at": rule.enabled_at,
    }


def rules_from_doc(doc: Doc | None) -> MerchantRules:
    stored = (doc or {}).get("rules", {})
    rules = {}
    for kind in AlertKind:
        r = stored.get(kind.value)
        rules[kind] = (
            AlertRule(kind, r["enabled"], r["percent"], r["hour"], r["count"], r["amount_fen"], r.get("enabled_at"))
            if r
            else AlertRule(kind, enabled=False)
        )
    return MerchantRules(rules, (doc or {}).get("flags_checked_at"))


async def load_rules(*, mongo: Mongo, actor: Staff) -> MerchantRules:
    """OWNER or MANAGER: every kind, a kind never set switched off."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    return rules_from_doc(await mongo.db[c.ALERT_RULES].find_one({"_id": actor.merchant_id}))


def _checked(i: int, given: AlertRule) -> AlertRule:
    """The rule as kept: its kind's parameters in range (all of them when enabled), the others dropped."""
    wanted = PARAMS[given.kind]
    for param in wanted:
        value = given.value(param)
        if (value is None and given.enabled) or (value is not None and not _in_range(param, value)):
            raise AlertError(_INVALID[param], f"rules.{i}.{param.value}")
    kept = {p: given.value(p) if p in wanted else None for p in Param}
    return AlertRule(
        given.kind,
        given.enabled,
        percent=kept[Param.PERCENT],
        hour=kept[Param.HOUR],
        count=kept[Param.COUNT],
        amount_fen=kept[Param.AMOUNT_FEN],
    )


async def set_rules(*, mongo: Mongo, actor: Staff, rules: Sequence[AlertRule], now: datetime) -> MerchantRules:
    """OWNER, audited: the given kinds' rules replace the kept ones (other kinds stay as they are). Any invalid
    rule refuses them all, changing nothing."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    seen: set[AlertKind] = set()
    checked = []
    for i, rule in enumerate(rules):
        if rule.kind in seen:
            raise AlertError(AlertCode.ALERT_RULE_DUPLICATE, f"rules.{i}.kind")
        seen.add(rule.kind)
        checked.append(_checked(i, rule))
    kept = mongo.db[c.ALERT_RULES]
    before = rules_from_doc(await kept.find_one({"_id": actor.merchant_id})).rules
    update: Doc = {}
    for rule in checked:
        was = before[rule.kind]
        since = (was.enabled_at if was.enabled else now) if rule.enabled else None
        update[f"rules.{rule.kind.value}"] = _rule_doc(
            AlertRule(rule.kind, rule.enabled, rule.percent, rule.hour, rule.count, rule.amount_fen, since)
        )
    if update:
        await kept.update_one({"_id": actor.merchant_id}, {"$set": update}, upsert=True)
        await audit(
            mongo=mongo, actor=actor, action="alerts.rules", target=actor.merchant_id, kinds=[r.kind for r in checked]
        )
    return rules_from_doc(await kept.find_one({"_id": actor.merchant_id}))
