"""Shareholders for the owner: programs (rates, stores, window, freeze, minimum, base), appointing and
revoking shareholders, the ranking, and the review queue of commissions between look-alike accounts.
"""

from datetime import UTC, datetime
from typing import Annotated, TypeAlias

import strawberry

from domain.commissions import programs, reports, review
from domain.commissions.commission import BeneficiaryKind
from domain.commissions.commission import Commission as CommissionRecord
from schema.admin.types import Store
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.mutations import node_id, node_ids, user_errors_in
from schema.referrals import CommissionStatus

CommissionBase: TypeAlias = programs.CommissionBase
strawberry.enum(
    CommissionBase,
    name="CommissionBase",
    description="STORED_VALUE_WHEN_SPENT: stored value counts when spent on consumption, top-ups never. "
    "TOP_UPS_WHEN_PAID: top-ups count when paid, spending stored value never. Never both.",
)


@strawberry.type
class ShareholderProgram:
    record: strawberry.Private[programs.Program]
    id: strawberry.ID
    name: str
    level1_bp: int = strawberry.field(description="Basis points for the payer's direct upline.")
    level2_bp: int = strawberry.field(description="Basis points for the upline's upline; there is no level 3.")
    staff_bp: int = strawberry.field(description="Basis points for the staff member who acquired the payer.")
    all_stores: bool
    starts_at: datetime
    ends_at: datetime | None
    freeze_days: int
    payout_minimum_fen: int
    base: CommissionBase
    created_at: datetime

    @classmethod
    def of(cls, program: programs.Program) -> "ShareholderProgram":
        s = program.settings
        return cls(
            record=program,
            id=to_global_id("ShareholderProgram", program.id),
            name=s.name,
            level1_bp=s.level1_bp,
            level2_bp=s.level2_bp,
            staff_bp=s.staff_bp,
            all_stores=s.all_stores,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            freeze_days=s.freeze_days,
            payout_minimum_fen=s.payout_minimum_fen,
            base=s.base,
            created_at=program.created_at,
        )

    @strawberry.field(description="The eligible stores; empty when allStores.")
    async def stores(self, info: Info) -> list[Store]:
        loaded = await info.context.stores.load_many(list(self.record.settings.store_ids))
        return [Store.of(s) for s in loaded if s is not None]


@strawberry.input
class ShareholderProgramInput:
    name: str
    level1_bp: int
    level2_bp: int = 0
    staff_bp: int = 0
    all_stores: bool = True
    store_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    starts_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    ends_at: datetime | None = None
    freeze_days: int = 7
    payout_minimum_fen: int = 0
    base: CommissionBase = CommissionBase.STORED_VALUE_WHEN_SPENT


@strawberry.input
class UpdateShareholderProgramInput:
    id: strawberry.ID
    program: ShareholderProgramInput


@strawberry.type
class ShareholderProgramPayload:
    program: ShareholderProgram | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AppointShareholderInput:
    member_id: strawberry.ID
    program_id: strawberry.ID


@strawberry.input
class RevokeShareholderInput:
    member_id: strawberry.ID


@strawberry.type
class ShareholderAppointment:
    member_id: strawberry.ID
    program_id: strawberry.ID
    active: bool
    appointed_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, a: programs.Appointment) -> "ShareholderAppointment":
        return cls(
            member_id=to_global_id("Member", a.member_id),
            program_id=to_global_id("ShareholderProgram", a.program_id),
            active=a.active,
            appointed_at=a.appointed_at,
            revoked_at=a.revoked_at,
        )


@strawberry.type(description="A member appointed to a program, as the owner's roster shows them.")
class Shareholder:
    member_id: strawberry.ID
    nickname: str
    program_id: strawberry.ID
    active: bool = strawberry.field(description="False once revoked; what they earned stays theirs.")
    appointed_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, s: programs.Shareholder) -> "Shareholder":
        a = s.appointment
        return cls(
            member_id=to_global_id("Member", a.member_id),
            nickname=s.nickname,
            program_id=to_global_id("ShareholderProgram", a.program_id),
            active=a.active,
            appointed_at=a.appointed_at,
            revoked_at=a.revoked_at,
        )


@strawberry.type
class ShareholderAppointmentPayload:
    appointment: ShareholderAppointment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ShareholderRank:
    rank: int
    member_id: strawberry.ID
    nickname: str
    earned_fen: int = strawberry.field(description="Commission on orders paid in the period, net of refunds.")
    level1_fen: int
    level2_fen: int
    commissions: int


@strawberry.type
class ShareholderRankingPayload:
    rows: list[ShareholderRank] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(name="Commission")
class AdminCommission:
    id: strawberry.ID
    order_id: strawberry.ID
    payer_member_id: strawberry.ID
    beneficiary_member_id: strawberry.ID | None
    beneficiary_staff_member_id: strawberry.ID | None
    level: int = strawberry.field(description="1 or 2 for uplines, 0 for the acquiring staff member.")
    rate_bp: int
    base_fen: int
    amount_fen: int = strawberry.field(description="Now, after refunds.")
    accrued_fen: int
    status: CommissionStatus
    flags: list[str] = strawberry.field(description="Why it is held: UNIONID, PHONE, DEVICE shared with the payer.")
    order_paid_at: datetime
    available_at: datetime

    @classmethod
    def of(cls, x: CommissionRecord) -> "AdminCommission":
        staff = x.beneficiary_kind is BeneficiaryKind.STAFF
        return cls(
            id=to_global_id("Commission", x.id),
            order_id=to_global_id("Order", x.order_id),
            payer_member_id=to_global_id("Member", x.payer_id),
            beneficiary_member_id=None if staff else to_global_id("Member", x.beneficiary_id),
            beneficiary_staff_member_id=to_global_id("StaffMember", x.beneficiary_id) if staff else None,
            level=x.level,
            rate_bp=x.rate_bp,
            base_fen=x.base_fen,
            amount_fen=x.net_fen,
            accrued_fen=x.amount_fen,
            status=x.status,
            flags=[f.value for f in x.flags],
            order_paid_at=x.paid_at,
            available_at=x.release_at,
        )


@strawberry.type
class ReviewCommission:
    commission: AdminCommission
    payer_nickname: str | None
    beneficiary_name: str | None


@strawberry.input
class ApproveCommissionInput:
    commission_id: strawberry.ID


@strawberry.input
class RejectCommissionInput:
    commission_id: strawberry.ID
    reason: str


@strawberry.type
class CommissionPayload:
    commission: AdminCommission | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _settings(p: ShareholderProgramInput) -> programs.ProgramSettings:
    store_ids = node_ids("Store", p.store_ids, "storeIds")
    return programs.ProgramSettings(
        name=p.name,
        level1_bp=p.level1_bp,
        level2_bp=p.level2_bp,
        staff_bp=p.staff_bp,
        all_stores=p.all_stores,
        store_ids=tuple(store_ids),
        starts_at=p.starts_at or datetime.now(UTC),
        ends_at=p.ends_at,
        freeze_days=p.freeze_days,
        payout_minimum_fen=p.payout_minimum_fen,
        base=p.base,
    )


@strawberry.type
class ShareholdersQuery:
    @strawberry.field(description="OWNER or an all-stores MANAGER.")
    async def shareholder_programs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ShareholderProgram]:
        page = await programs.list_programs(
            mongo=info.context.clients.mongo, actor=await info.context.staff(), first=first, after=from_cursor(after)
        )
        return connection(page, ShareholderProgram.of)

    @strawberry.field
    async def shareholder_program(self, info: Info, id: strawberry.ID) -> ShareholderProgram | None:
        actor = await info.context.staff()
        program_id = from_global_id("ShareholderProgram", id)
        if program_id is None:
            return None
        program = await programs.get_program(mongo=info.context.clients.mongo, actor=actor, program_id=program_id)
        return ShareholderProgram.of(program) if program else None

    @strawberry.field(
        description="OWNER or an all-stores MANAGER: a program's shareholders, the latest appointed first, revoked "
        "ones included; null for an unknown program."
    )
    async def shareholders(
        self, info: Info, program_id: strawberry.ID, first: int | None = None, after: str | None = None
    ) -> Connection[Shareholder] | None:
        page = await programs.list_shareholders(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            program_id=from_global_id("ShareholderProgram", program_id),
            first=first,
            after=from_cursor(after),
        )
        return connection(page, Shareholder.of) if page is not None else None

    @strawberry.field(description="OWNER or an all-stores MANAGER: shareholders by commission earned in [from, to).")
    @user_errors_in(ShareholderRankingPayload)
    async def shareholder_ranking(
        self,
        info: Info,
        program_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int = 20,
    ) -> ShareholderRankingPayload:
        ctx = info.context
        rows = await reports.shareholder_ranking(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            program_id=node_id("ShareholderProgram", program_id, "programId"),
            since=from_,
            until=to,
            first=first,
        )
        return ShareholderRankingPayload(
            rows=[
                ShareholderRank(
                    rank=r.rank,
                    member_id=to_global_id("Member", r.member_id),
                    nickname=r.nickname,
                    earned_fen=r.earned_fen,
                    level1_fen=r.level1_fen,
                    level2_fen=r.level2_fen,
                    commissions=r.commissions,
                )
                for r in rows
            ]
        )

    @strawberry.field(description="OWNER: commissions held because payer and beneficiary look alike, oldest first.")
    async def commission_review_queue(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ReviewCommission]:
        page = await review.review_queue(
            mongo=info.context.clients.mongo, actor=await info.context.staff(), first=first, after=from_cursor(after)
        )
        return connection(
            page,
            lambda item: ReviewCommission(
                commission=AdminCommission.of(item.commission),
                payer_nickname=item.payer_nickname,
                beneficiary_name=item.beneficiary_name,
            ),
        )


@strawberry.type
class ShareholdersMutation:
    @strawberry.mutation(description="OWNER.")
    @user_errors_in(ShareholderProgramPayload)
    async def create_shareholder_program(self, info: Info, input: ShareholderProgramInput) -> ShareholderProgramPayload:
        ctx = info.context
        actor = await ctx.staff()
        program = await programs.create_program(mongo=ctx.clients.mongo, actor=actor, settings=_settings(input))
        return ShareholderProgramPayload(program=ShareholderProgram.of(program))

    @strawberry.mutation(description="OWNER; applies to orders paid from now on.")
    @user_errors_in(ShareholderProgramPayload)
    async def update_shareholder_program(
        self, info: Info, input: UpdateShareholderProgramInput
    ) -> ShareholderProgramPayload:
        ctx = info.context
        program = await programs.update_program(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            program_id=node_id("ShareholderProgram", input.id, "id"),
            settings=_settings(input.program),
        )
        return ShareholderProgramPayload(program=ShareholderProgram.of(program))

    @strawberry.mutation(description="OWNER: the member becomes a shareholder (股东卡) of the program.")
    @user_errors_in(ShareholderAppointmentPayload)
    async def appoint_shareholder(self, info: Info, input: AppointShareholderInput) -> ShareholderAppointmentPayload:
        ctx = info.context
        appointment = await programs.appoint_shareholder(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            program_id=node_id("ShareholderProgram", input.program_id, "programId"),
        )
        return ShareholderAppointmentPayload(appointment=ShareholderAppointment.of(appointment))

    @strawberry.mutation(description="OWNER: no new commissions from now on; what was earned stays.")
    @user_errors_in(ShareholderAppointmentPayload)
    async def revoke_shareholder(self, info: Info, input: RevokeShareholderInput) -> ShareholderAppointmentPayload:
        ctx = info.context
        appointment = await programs.revoke_shareholder(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), member_id=node_id("Member", input.member_id, "memberId")
        )
        return ShareholderAppointmentPayload(appointment=ShareholderAppointment.of(appointment))

    @strawberry.mutation(description="OWNER: release a held commission (announced to the beneficiary now).")
    @user_errors_in(CommissionPayload)
    async def approve_commission(self, info: Info, input: ApproveCommissionInput) -> CommissionPayload:
        ctx = info.context
        commission = await review.approve_commission(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            commission_id=node_id("Commission", input.commission_id, "commissionId"),
        )
        return CommissionPayload(commission=AdminCommission.of(commission))

    @strawberry.mutation(description="OWNER: a held commission is never paid.")
    @user_errors_in(CommissionPayload)
    async def reject_commission(self, info: Info, input: RejectCommissionInput) -> CommissionPayload:
        ctx = info.context
        commission = await review.reject_commission(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            commission_id=node_id("Commission", input.commission_id, "commissionId"),
            reason=input.reason,
        )
        return CommissionPayload(commission=AdminCommission.of(commission))
