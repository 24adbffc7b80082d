"""Member sign-in: exchange a mini-program login code for a session; rotate the session."""

from typing import TypeAlias

import strawberry

from domain import member_auth, members
from domain.sessions import Audience
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session, UserError
from schema.context import Info
from schema.member.privacy import PrivacyConsent
from schema.member.types import MemberType
from schema.mutations import node_id, user_errors_in
from schema.sessions import rotate

LoginChannel: TypeAlias = members.Channel
strawberry.enum(LoginChannel, name="LoginChannel")


@strawberry.input
class LoginInput:
    code: str = strawberry.field(description="The code from wx.login / my.getAuthCode.")
    channel: LoginChannel
    merchant_id: strawberry.ID
    share_params: str | None = strawberry.field(
        default=None, description="The launch query or QR scene the mini-program was opened with."
    )
    device_id: str | None = strawberry.field(
        default=None, description="A stable id of the device (wx.getDeviceInfo), to tell look-alike accounts."
    )


@strawberry.type
class LoginPayload:
    session: Session | None = None
    member: MemberType | None = None
    created: bool = strawberry.field(default=False, description="True on the member's very first login.")
    privacy: PrivacyConsent | None = strawberry.field(
        default=None, description="The privacy policy in effect; when not agreed, ask before anything personal."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuthMutation:
    @strawberry.mutation
    @user_errors_in(LoginPayload)
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        result = await member_auth.login(
            mongo=ctx.clients.mongo,
            pii=ctx.clients.pii,
            signer=ctx.clients.signer,
            wechat=ctx.clients.wechat,
            alipay=ctx.clients.alipay,
            merchant_id=node_id("Merchant", input.merchant_id, "merchantId"),
            channel=input.channel,
            code=input.code,
            share_params=input.share_params or "",
            device_id=input.device_id,
        )
        return LoginPayload(
            session=Session.of(result.tokens),
            member=MemberType.of(result.member),
            created=result.created,
            privacy=PrivacyConsent.of(result.privacy),
        )

    @strawberry.mutation
    @user_errors_in(RefreshTokenPayload)
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        return await rotate(info.context, Audience.MEMBER, input)
