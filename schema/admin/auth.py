"""Staff sign-in by phone and password; session rotation."""

import strawberry

from domain import staff_auth
from domain.sessions import Audience
from schema.admin.types import StaffMember
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session, UserError
from schema.context import Info
from schema.mutations import user_errors_in
from schema.sessions import rotate


@strawberry.input
class StaffLoginInput:
    phone: str
    password: str


@strawberry.type
class StaffLoginPayload:
    session: Session | None = None
    staff_member: StaffMember | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffAuthMutation:
    @strawberry.mutation
    @user_errors_in(StaffLoginPayload)
    async def staff_login(self, info: Info, input: StaffLoginInput) -> StaffLoginPayload:
        ctx = info.context
        result = await staff_auth.staff_login(
            mongo=ctx.clients.mongo,
            redis=ctx.clients.redis,
            pii=ctx.clients.pii,
            signer=ctx.clients.signer,
            policy=ctx.clients.lockout,
            phone=input.phone,
            password=input.password,
        )
        return StaffLoginPayload(session=Session.of(result.tokens), staff_member=StaffMember.of(result.staff))

    @strawberry.mutation
    @user_errors_in(RefreshTokenPayload)
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        return await rotate(info.context, Audience.ADMIN, input)
