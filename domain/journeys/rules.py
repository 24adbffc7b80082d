"""The merchant's journey rules: one per kind, each the owner's to switch on and tune (its N days, the coupon
template it gives, the share held back as a control group), kept in one document per merchant. A kind never set
reads as its default: the coupon-expiry reminder on (as the cron sent it before rules existed), the others off.

Each rule gets an id the first time it is kept: the id its touches and effect figures go by (domain.marketing).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.errors import CouponCode, CouponError
from domain.coupons.templates import Template, refusal, template_from_doc
from domain.errors import PermissionDenied
from domain.journeys.errors import JourneyCode, JourneyError
from domain.tenancy import Role, Staff, audit


class JourneyKind(StrEnum):
    WIN_BACK = "WIN_BACK"
    THANK_YOU = "THANK_YOU"
    EXPIRY_REMINDER = "EXPIRY_REMINDER"


# What each kind's days mean, and their range: days without a paid visit, days after the first one, days before
# a coupon expires.
DAYS_RANGE: dict[JourneyKind, tuple[int, int]] = {
    JourneyKind.WIN_BACK: (7, 365),
    JourneyKind.THANK_YOU: (1, 90),
    JourneyKind.EXPIRY_REMINDER: (1, 30),
}
GIVES_COUPON = frozenset({JourneyKind.WIN_BACK, JourneyKind.THANK_YOU})
# A control group larger than half would hold back more members than it measures.
MAX_CONTROL_PERCENT = 50


@dataclass(frozen=True)
class JourneyRule:
    kind: JourneyKind
    enabled: bool
    days: int
    control_percent: int
    template_id: ObjectId | None = None
    # Given when first kept; None for a kind never set.
    id: ObjectId | None = None


DEFAULTS: dict[JourneyKind, JourneyRule] = {
    JourneyKind.WIN_BACK: JourneyRule(JourneyKind.WIN_BACK, enabled=False, days=60, control_percent=10),
    JourneyKind.THANK_YOU: JourneyRule(JourneyKind.THANK_YOU, enabled=False, days=3, control_percent=10),
    # Every live coupon was reminded of 3 days ahead before the rules existed, and none was held back.
    JourneyKind.EXPIRY_REMINDER: JourneyRule(JourneyKind.EXPIRY_REMINDER, enabled=True, days=3, control_percent=0),
}


@dataclass(frozen=True)
class JourneySettings:
    rules: dict[JourneyKind, JourneyRule]
    # The templates the rules give, by id (a template since deleted is absent).
    templates: dict[ObjectId, Template]


def _rule_doc(rule: JourneyRule) -> Doc:
    return {
        "id": rule.id,
        "enabled": rule.enabled,
        "days": rule.days,
        "control_percent": rule.control_percent,
        "template_id": rule.template_id,
    }


def rules_from_doc(doc: Doc | None) -> dict[JourneyKind, JourneyRule]:
    stored = (doc or {}).get("rules", {})
    rules = {}
    for kind in JourneyKind:
        r = stored.get(kind.value)
        rules[kind] = (
            JourneyRule(kind, r["enabled"], r["days"], r["control_percent"], r["template_id"], r["id"])
            if r
            else DEFAULTS[kind]
        )
    return rules


async def _settings(mongo: Mongo, merchant_id: ObjectId) -> JourneySettings:
    rules = rules_from_doc(await mongo.db[c.JOURNEY_RULES].find_one({"_id": merchant_id}))
    ids = [r.template_id for r in rules.values() if r.template_id is not None]
    templates: dict[ObjectId, Template] = {}
    if ids:
        found = mongo.db[c.COUPON_TEMPLATES].find({"merchant_id": merchant_id, "_id": {"$in": ids}})
        templates = {doc["_id"]: template_from_doc(doc) async for doc in found}
    return JourneySettings(rules, templates)


async def load_settings(*, mongo: Mongo, actor: Staff) -> JourneySettings:
    """OWNER or MANAGER: every kind, a kind never set at its default."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    return await _settings(mongo, actor.merchant_id)


async def _checked(mongo: Mongo, merchant_id: ObjectId, i: int, given: JourneyRule, now: datetime) -> JourneyRule:
    """The rule as kept, or the first thing wrong with it; a template is kept only by the kinds that give one."""
    low, high = DAYS_RANGE[given.kind]
    if not low <= given.days <= high:
        raise JourneyError(JourneyCode.JOURNEY_DAYS_INVALID, f"rules.{i}.days")
    if not 0 <= given.control_percent <= MAX_CONTROL_PERCENT:
        raise JourneyError(JourneyCode.JOURNEY_CONTROL_INVALID, f"rules.{i}.controlPercent")
    if given.kind not in GIVES_COUPON:
        return replace(given, template_id=None)
    if given.template_id is None:
        if given.enabled:
            raise JourneyError(JourneyCode.JOURNEY_TEMPLATE_REQUIRED, f"rules.{i}.templateId")
        return given
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one({"merchant_id": merchant_id, "_id": given.template_id})
    if doc is None:
        raise CouponError(CouponCode.COUPON_TEMPLATE_NOT_FOUND, f"rules.{i}.templateId")
    code = refusal(template_from_doc(doc), now) if given.enabled else None
    if code is not None:
        raise CouponError(code, f"rules.{i}.templateId")
    return given


async def set_rules(*, mongo: Mongo, actor: Staff, rules: Sequence[JourneyRule], now: datetime) -> JourneySettings:
    """OWNER, audited: the given kinds' rules replace the kept ones (other kinds stay as they are). Any invalid
    rule refuses them all, changing nothing. A switched-on rule giving coupons needs a template that can give now."""
    if not actor.has_role(Role.OWNER):
        raise PermissionDenied()
    seen: set[JourneyKind] = set()
    checked = []
    for i, rule in enumerate(rules):
        if rule.kind in seen:
            raise JourneyError(JourneyCode.JOURNEY_RULE_DUPLICATE, f"rules.{i}.kind")
        seen.add(rule.kind)
        checked.append(await _checked(mongo, actor.merchant_id, i, rule, now))
    if checked:
        kept = mongo.db[c.JOURNEY_RULES]
        before = rules_from_doc(await kept.find_one({"_id": actor.merchant_id}))
        update = {
            f"rules.{rule.kind.value}": _rule_doc(replace(rule, id=before[rule.kind].id or ObjectId()))
            for rule in checked
        }
        await kept.update_one({"_id": actor.merchant_id}, {"$set": {**update, "updated_at": now}}, upsert=True)
        await audit(
            mongo=mongo, actor=actor, action="journeys.rules", target=actor.merchant_id, kinds=[r.kind for r in checked]
        )
    return await _settings(mongo, actor.merchant_id)


async def with_id(*, mongo: Mongo, merchant_id: ObjectId, rule: JourneyRule) -> JourneyRule:
    """The rule with its id, giving a kind never set (running at its default) one now: a conditional update, so
    evaluations racing here agree on one id."""
    if rule.id is not None:
        return rule
    field = f"rules.{rule.kind.value}"
    try:
        await mongo.db[c.JOURNEY_RULES].update_one(
            {"_id": merchant_id, field: {"$exists": False}},
            {"$set": {field: _rule_doc(replace(rule, id=ObjectId()))}},
            upsert=True,
        )
    except DuplicateKeyError:
        # Another evaluation's upsert made the document first, with the rule in it.
        pass
    return rules_from_doc(await mongo.db[c.JOURNEY_RULES].find_one({"_id": merchant_id}))[rule.kind]


async def rules_of(*, mongo: Mongo, merchant_id: ObjectId) -> dict[JourneyKind, JourneyRule]:
    return rules_from_doc(await mongo.db[c.JOURNEY_RULES].find_one({"_id": merchant_id}))
