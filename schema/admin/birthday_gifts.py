"""The birthday gift setting (生日礼): which coupon template members get on their birthday (OWNER sets it)."""

from datetime import UTC, datetime

import strawberry

from domain import birthday_gifts
from schema.admin.coupons import AdminCouponTemplate
from schema.common import UserError
from schema.context import Info
from schema.mutations import node_id, user_errors_in


@strawberry.type
class BirthdayGift:
    template: AdminCouponTemplate | None = strawberry.field(description="Null when no gifts are given.")

    @classmethod
    def of(cls, setting: birthday_gifts.BirthdayGiftSetting) -> "BirthdayGift":
        t = setting.template
        return cls(template=AdminCouponTemplate.of(t, datetime.now(UTC)) if t else None)


@strawberry.input
class SetBirthdayGiftInput:
    template_id: strawberry.ID | None = strawberry.field(description="Null stops birthday gifts.")


@strawberry.type
class SetBirthdayGiftPayload:
    birthday_gift: BirthdayGift | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BirthdayGiftQuery:
    @strawberry.field(description="OWNER, MANAGER.")
    async def birthday_gift(self, info: Info) -> BirthdayGift:
        actor = await info.context.staff()
        return BirthdayGift.of(await birthday_gifts.get_setting(mongo=info.context.clients.mongo, actor=actor))


@strawberry.type
class BirthdayGiftMutation:
    @strawberry.mutation(description="OWNER. Members get one coupon of it on their birthday, once a year.")
    @user_errors_in(SetBirthdayGiftPayload)
    async def set_birthday_gift(self, info: Info, input: SetBirthdayGiftInput) -> SetBirthdayGiftPayload:
        ctx = info.context
        setting = await birthday_gifts.set_gift_template(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            template_id=node_id("CouponTemplate", input.template_id, "templateId"),
        )
        return SetBirthdayGiftPayload(birthday_gift=BirthdayGift.of(setting))
