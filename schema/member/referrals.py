"""Sharing from the mini-program: the member's own share code (link and QR image), and reporting a code the
member scanned while already signed in (a login reports its own)."""

import strawberry

from domain.referrals import share_codes, touches
from schema.common import UserError
from schema.context import Info
from schema.mutations import user_errors_in
from schema.referrals import ShareCode, ShareCodePayload


@strawberry.input
class RecordShareTouchInput:
    share_params: str = strawberry.field(description="The launch query or QR scene, as for login.")


@strawberry.type
class RecordShareTouchPayload:
    bound: bool = strawberry.field(default=False, description="True when this touch bound you under its sharer.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReferralQuery:
    @strawberry.field(description="Your share link and QR code: friends who come in through them join your network.")
    @user_errors_in(ShareCodePayload)
    async def my_share_code(self, info: Info) -> ShareCodePayload:
        ctx = info.context
        principal = ctx.need_principal()
        code = await share_codes.member_share_code(
            mongo=ctx.clients.mongo,
            wechat=ctx.clients.wechat,
            link_base=ctx.clients.settings.share_qr_link_base,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
        )
        return ShareCodePayload(share_code=ShareCode.of(code))


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="A share link or QR code opened while signed in; binds on a first touch only.")
    async def record_share_touch(self, info: Info, input: RecordShareTouchInput) -> RecordShareTouchPayload:
        ctx = info.context
        principal = ctx.need_principal()
        result = await touches.touch_by_share_params(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            share_params=input.share_params,
        )
        return RecordShareTouchPayload(bound=result is not None and result.bound)
