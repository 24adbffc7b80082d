"""Member sign-in: exchange a mini-program login code for a session; rotate the session."""

from typing import TypeAlias

import strawberry

from domain import members
from domain.errors import DomainError
from domain.sessions import Audience
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session, UserError
from schema.context import Info
from schema.ids import from_global_id
from schema.member.types import MemberType
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
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuthMutation:
    @strawberry.mutation
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        merchant_id = from_global_id("Merchant", input.merchant_id)
        if merchant_id is None:
            return LoginPayload(user_errors=ctx.invalid_id("merchantId"))
        try:
            result = await members.login(
                mongo=ctx.clients.mongo,
                signer=ctx.clients.signer,
                wechat=ctx.clients.wechat,
                alipay=ctx.clients.alipay,
                merchant_id=merchant_id,
                channel=input.channel,
                code=input.code,
                share_params=input.share_params or "",
                device_id=input.device_id,
            )
        except DomainError as e:
            return LoginPayload(user_errors=ctx.user_errors(e))
        return LoginPayload(
            session=Session.of(result.tokens), member=MemberType.of(result.member), created=result.created
        )

    @strawberry.mutation
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        return await rotate(info.context, Audience.MEMBER, input)
