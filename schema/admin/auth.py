"""Staff sign-in by phone and password; session rotation; an owner lifting a staff member's lockout."""

import strawberry

from domain import staff_auth
from domain.sessions import Audience
from schema.admin.types import StaffMember
from schema.common import RefreshTokenInput, RefreshTokenPayload, Session, UserError
from schema.context import Info
from schema.mutations import node_id, user_errors_in
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


@strawberry.input
class UnlockStaffInput:
    staff_id: strawberry.ID


@strawberry.type
class UnlockStaffPayload:
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
            passwords=ctx.clients.passwords,
            policy=ctx.clients.lockout,
            phone=input.phone,
            password=input.password,
            client=ctx.client_address,
        )
        return StaffLoginPayload(session=Session.of(result.tokens), staff_member=StaffMember.of(result.staff))

    @strawberry.mutation
    @user_errors_in(RefreshTokenPayload)
    async def refresh_token(self, info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
        return await rotate(info.context, Audience.ADMIN, input)

    @strawberry.mutation(description="OWNER: lifts a staff member's sign-in lockout, from every address at once.")
    @user_errors_in(UnlockStaffPayload)
    async def unlock_staff(self, info: Info, input: UnlockStaffInput) -> UnlockStaffPayload:
        ctx = info.context
        staff = await staff_auth.unlock_staff(
            mongo=ctx.clients.mongo,
            redis=ctx.clients.redis,
            actor=await ctx.staff(),
            staff_id=node_id("StaffMember", input.staff_id, "staffId"),
        )
        return UnlockStaffPayload(staff_member=StaffMember.of(staff))
