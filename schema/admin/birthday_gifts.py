"""The birthday gift setting (生日礼): which coupon template members get on their birthday (OWNER sets it)."""

from datetime import UTC, datetime

import strawberry

from domain import birthday_gifts
from domain.errors import DomainError
from schema.admin.coupons import AdminCouponTemplate
from schema.common import UserError
from schema.context import Info
from schema.ids import from_global_id


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
    async def set_birthday_gift(self, info: Info, input: SetBirthdayGiftInput) -> SetBirthdayGiftPayload:
        ctx = info.context
        actor = await ctx.staff()
        template_id = None
        if input.template_id is not None:
            template_id = from_global_id("CouponTemplate", input.template_id)
            if template_id is None:
                return SetBirthdayGiftPayload(user_errors=ctx.invalid_id("templateId"))
        try:
            setting = await birthday_gifts.set_gift_template(
                mongo=ctx.clients.mongo, actor=actor, template_id=template_id
            )
        except DomainError as e:
            return SetBirthdayGiftPayload(user_errors=ctx.user_errors(e))
        return SetBirthdayGiftPayload(birthday_gift=BirthdayGift.of(setting))
