"""The merchant's loyalty settings: card levels, the points rule and top-up plans (changes by OWNER only)."""

import strawberry
from bson import ObjectId

from domain.cards import program, stored_value
from schema.cards import CardLevel, TopUpPlan
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor
from schema.mutations import node_id, user_errors_in


@strawberry.type
class PointsRule:
    earn_points_per_yuan: int = strawberry.field(description="Points per whole yuan paid, before the level multiplier.")
    redeem_points_per_yuan: int = strawberry.field(description="Points worth one yuan off, e.g. 100.")


@strawberry.type
class LoyaltyProgram:
    levels: list[CardLevel] = strawberry.field(description="Lowest first; the first starts at 0.")
    points_rule: PointsRule

    @classmethod
    def of(cls, loaded: program.Program) -> "LoyaltyProgram":
        rule = loaded.points_rule
        return cls(
            levels=[CardLevel.of(level) for level in loaded.levels],
            points_rule=PointsRule(
                earn_points_per_yuan=rule.earn_points_per_yuan, redeem_points_per_yuan=rule.redeem_points_per_yuan
            ),
        )


@strawberry.input
class LevelInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Keep an existing level; omit for a new one.")
    name: str
    threshold_fen: int
    discount_bp: int = 0
    points_multiplier_bp: int = 10_000


@strawberry.input
class SetLevelsInput:
    levels: list[LevelInput] = strawberry.field(description="The whole list, lowest first, thresholds rising from 0.")


@strawberry.input
class SetPointsRuleInput:
    earn_points_per_yuan: int
    redeem_points_per_yuan: int


@strawberry.type
class LoyaltyProgramPayload:
    loyalty_program: LoyaltyProgram | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateTopUpPlanInput:
    name: str
    pay_fen: int
    bonus_fen: int = 0


@strawberry.input
class ArchiveTopUpPlanInput:
    id: strawberry.ID


@strawberry.type
class TopUpPlanPayload:
    top_up_plan: TopUpPlan | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _level(level: LevelInput, level_id: ObjectId | None) -> program.LevelInput:
    return program.LevelInput(
        id=level_id,
        name=level.name,
        threshold_fen=level.threshold_fen,
        discount_bp=level.discount_bp,
        points_multiplier_bp=level.points_multiplier_bp,
    )


@strawberry.type
class LoyaltyQuery:
    @strawberry.field
    async def loyalty_program(self, info: Info) -> LoyaltyProgram:
        staff = await info.context.staff()
        loaded = await program.load_program(mongo=info.context.clients.mongo, merchant_id=staff.merchant_id)
        return LoyaltyProgram.of(loaded)

    @strawberry.field
    async def top_up_plans(
        self, info: Info, first: int | None = None, after: str | None = None, include_archived: bool = False
    ) -> Connection[TopUpPlan]:
        staff = await info.context.staff()
        page = await stored_value.list_plans(
            mongo=info.context.clients.mongo,
            merchant_id=staff.merchant_id,
            include_archived=include_archived,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, TopUpPlan.of)


@strawberry.type
class LoyaltyMutation:
    @strawberry.mutation(description="OWNER. Replaces the level list; a level members still hold cannot be removed.")
    @user_errors_in(LoyaltyProgramPayload)
    async def set_levels(self, info: Info, input: SetLevelsInput) -> LoyaltyProgramPayload:
        ctx = info.context
        actor = await ctx.staff()
        levels = [_level(level, node_id("Level", level.id, f"levels.{i}.id")) for i, level in enumerate(input.levels)]
        saved = await program.set_levels(mongo=ctx.clients.mongo, actor=actor, levels=levels)
        return LoyaltyProgramPayload(loyalty_program=LoyaltyProgram.of(saved))

    @strawberry.mutation(description="OWNER.")
    @user_errors_in(LoyaltyProgramPayload)
    async def set_points_rule(self, info: Info, input: SetPointsRuleInput) -> LoyaltyProgramPayload:
        ctx = info.context
        saved = await program.set_points_rule(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            earn_points_per_yuan=input.earn_points_per_yuan,
            redeem_points_per_yuan=input.redeem_points_per_yuan,
        )
        return LoyaltyProgramPayload(loyalty_program=LoyaltyProgram.of(saved))

    @strawberry.mutation(description="OWNER.")
    @user_errors_in(TopUpPlanPayload)
    async def create_top_up_plan(self, info: Info, input: CreateTopUpPlanInput) -> TopUpPlanPayload:
        ctx = info.context
        plan = await stored_value.create_plan(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            name=input.name,
            pay_fen=input.pay_fen,
            bonus_fen=input.bonus_fen,
        )
        return TopUpPlanPayload(top_up_plan=TopUpPlan.of(plan))

    @strawberry.mutation(description="OWNER. No new top-ups on the plan; paid ones are unaffected.")
    @user_errors_in(TopUpPlanPayload)
    async def archive_top_up_plan(self, info: Info, input: ArchiveTopUpPlanInput) -> TopUpPlanPayload:
        ctx = info.context
        plan = await stored_value.archive_plan(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), plan_id=node_id("TopUpPlan", input.id, "id")
        )
        return TopUpPlanPayload(top_up_plan=TopUpPlan.of(plan))
