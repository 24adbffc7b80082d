"""The member edits their profile: nickname, birthday (once) and a phone bound through WeChat's getPhoneNumber."""

from datetime import date

import strawberry

from domain.cards import profile
from schema.common import UserError
from schema.context import Info
from schema.member.types import MemberType
from schema.mutations import user_errors_in


@strawberry.input
class UpdateProfileInput:
    nickname: str | None = None
    birthday: date | None = strawberry.field(default=None, description="Set once; it cannot be changed afterwards.")
    phone_code: str | None = strawberry.field(
        default=None, description="The code from the getPhoneNumber button; the phone is stored encrypted."
    )


@strawberry.type
class UpdateProfilePayload:
    member: MemberType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation
    @user_errors_in(UpdateProfilePayload)
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> UpdateProfilePayload:
        ctx = info.context
        principal = ctx.need_principal()
        member = await profile.update_profile(
            mongo=ctx.clients.mongo,
            wechat=ctx.clients.wechat,
            pii=ctx.clients.pii,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            nickname=input.nickname,
            birthday=input.birthday,
            phone_code=input.phone_code,
        )
        return UpdateProfilePayload(member=MemberType.of(member))
