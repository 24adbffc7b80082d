"""Automated journeys (自动化关怀) in the admin app: the owner's rules, as domain.journeys keeps them."""

from datetime import UTC, datetime
from typing import TypeAlias

import strawberry

from domain.journeys import effect as journey_effect
from domain.journeys import rules as journey_rules
from domain.journeys.rules import JourneyKind as DomainJourneyKind
from schema.admin.coupons import AdminCouponTemplate
from schema.admin.marketing_effect import MarketingEffect
from schema.common import UserError
from schema.context import Info
from schema.mutations import node_id, user_errors_in

JourneyKind: TypeAlias = DomainJourneyKind
strawberry.enum(
    JourneyKind,
    name="JourneyKind",
    description="WIN_BACK: a member's latest paid visit was `days` ago (7-365) → a coupon of `template`, once per "
    "lapse. THANK_YOU: a member's first paid visit was `days` ago (1-90) → a coupon of `template`, once. "
    "EXPIRY_REMINDER: a coupon a member holds expires within `days` (1-30) → a reminder, once per coupon.",
)

DAYS = (
    "WIN_BACK: days without a paid visit (7-365); THANK_YOU: days after the first (1-90); EXPIRY_REMINDER: days "
    "before a coupon expires (1-30)."
)
CONTROL = "Percent of the due members held back (0-50), drawn per member and period, measured like the others."


@strawberry.type(description="One kind's rule; a kind never set reads as its default.")
class JourneyRule:
    rule: strawberry.Private[journey_rules.JourneyRule]
    kind: JourneyKind
    enabled: bool
    days: int = strawberry.field(description=DAYS)
    control_percent: int = strawberry.field(description=CONTROL)
    template: AdminCouponTemplate | None = strawberry.field(
        description="The coupon WIN_BACK and THANK_YOU give; null for EXPIRY_REMINDER, and when none is chosen."
    )

    @strawberry.field(description="What it earned: its members, sent or held back, over their 14-day windows.")
    async def effect(self, info: Info) -> MarketingEffect | None:
        ctx = info.context
        found = await journey_effect.effect_of(mongo=ctx.clients.mongo, actor=await ctx.staff(), rule=self.rule)
        return MarketingEffect.of(found) if found else None

    @classmethod
    def of(cls, rule: journey_rules.JourneyRule, settings: journey_rules.JourneySettings) -> "JourneyRule":
        template = settings.templates.get(rule.template_id) if rule.template_id else None
        return cls(
            rule=rule,
            kind=rule.kind,
            enabled=rule.enabled,
            days=rule.days,
            control_percent=rule.control_percent,
            template=AdminCouponTemplate.of(template, datetime.now(UTC)) if template else None,
        )


def listed(settings: journey_rules.JourneySettings) -> list[JourneyRule]:
    return [JourneyRule.of(r, settings) for r in settings.rules.values()]


@strawberry.input(description="A switched-on WIN_BACK or THANK_YOU rule needs a template that can give now.")
class JourneyRuleInput:
    kind: JourneyKind
    enabled: bool
    days: int = strawberry.field(description=DAYS)
    control_percent: int = strawberry.field(default=10, description=CONTROL)
    template_id: strawberry.ID | None = strawberry.field(default=None, description="Ignored for EXPIRY_REMINDER.")


@strawberry.type
class JourneyRulesPayload:
    rules: list[JourneyRule] = strawberry.field(default_factory=list, description="Every kind, after the change.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class JourneysQuery:
    @strawberry.field(description="OWNER or MANAGER: every kind's rule, a kind never set at its default.")
    async def journey_rules(self, info: Info) -> list[JourneyRule]:
        ctx = info.context
        return listed(await journey_rules.load_settings(mongo=ctx.clients.mongo, actor=await ctx.staff()))


@strawberry.type
class JourneysMutation:
    @strawberry.mutation(
        description="OWNER, audited: the given kinds' rules replace the kept ones; the other kinds stay. One invalid "
        "rule (JOURNEY_DAYS_INVALID, JOURNEY_CONTROL_INVALID, JOURNEY_TEMPLATE_REQUIRED, a template that cannot give "
        "now: COUPON_TEMPLATE_*, COUPON_OUT_OF_STOCK, on rules.<i>.<field>; JOURNEY_RULE_DUPLICATE) changes nothing."
    )
    @user_errors_in(JourneyRulesPayload)
    async def set_journey_rules(self, info: Info, rules: list[JourneyRuleInput]) -> JourneyRulesPayload:
        ctx = info.context
        given = [
            journey_rules.JourneyRule(
                r.kind,
                r.enabled,
                r.days,
                r.control_percent,
                node_id("CouponTemplate", r.template_id, f"rules.{i}.templateId"),
            )
            for i, r in enumerate(rules)
        ]
        settings = await journey_rules.set_rules(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), rules=given, now=datetime.now(UTC)
        )
        return JourneyRulesPayload(rules=listed(settings))
