"""The member closes their own account (注销) from the mini-program: first what stands in the way and what closing
gives up, then the closing itself, as domain.account_closing.erasure does it.
"""

from datetime import datetime

import strawberry

from domain.account_closing import erasure
from schema.common import UserError
from schema.context import Info
from schema.messages import message
from schema.mutations import user_errors_in


@strawberry.type(description="A reason the account cannot close yet, with its message in the request's language.")
class ClosingBlocker:
    code: str
    message: str


@strawberry.type
class AccountClosing:
    blockers: list[ClosingBlocker] = strawberry.field(description="Empty when the account can close now.")
    forfeited_points: int
    forfeited_stored_value_bonus: int = strawberry.field(description="Fen of bonus stored value given up.")
    forfeited_commissions_fen: int = strawberry.field(description="Commissions not yet paid out, given up.")


@strawberry.input
class CloseMyAccountInput:
    reason: str | None = strawberry.field(default=None, description="Why, if the member says (kept in the log).")


@strawberry.type
class CloseMyAccountPayload:
    closed_at: datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountClosingQuery:
    @strawberry.field(description="What closing the account now would meet: reasons to settle first, and forfeits.")
    async def account_closing(self, info: Info) -> AccountClosing:
        ctx = info.context
        principal = ctx.need_principal()
        check = await erasure.closing_check(
            mongo=ctx.clients.mongo, merchant_id=principal.merchant_id, member_id=principal.subject_id
        )
        return AccountClosing(
            blockers=[ClosingBlocker(code=b.value, message=message(b.value, ctx.lang)) for b in check.blockers],
            forfeited_points=check.forfeits.points,
            forfeited_stored_value_bonus=check.forfeits.stored_value_bonus,
            forfeited_commissions_fen=check.forfeits.commissions_fen,
        )


@strawberry.type
class AccountClosingMutation:
    @strawberry.mutation(description="Close the account for good (注销); refused while something must settle first.")
    @user_errors_in(CloseMyAccountPayload)
    async def close_my_account(self, info: Info, input: CloseMyAccountInput) -> CloseMyAccountPayload:
        ctx = info.context
        principal = ctx.need_principal()
        closed = await erasure.close_my_account(
            mongo=ctx.clients.mongo,
            redis=ctx.clients.redis,
            pii=ctx.clients.pii,
            signer=ctx.clients.signer,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            reason=input.reason,
        )
        return CloseMyAccountPayload(closed_at=closed.closed_at)
