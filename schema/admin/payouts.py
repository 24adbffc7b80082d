"""Shareholder payouts for the owner: the preview of what a run would pay (and why anyone is left out), running
payouts now, the schedule runs open on, the runs and payouts so far (each with its transfer bills, by the number
WeChat Pay knows them by), and marking a staff member's commissions paid through payroll (PAID_OFFLINE).
"""

from datetime import datetime
from typing import TypeAlias

import strawberry
from bson import ObjectId

from domain.commissions.commission import BeneficiaryKind
from domain.payouts import model, offline, planning, runs, views
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, user_errors_in
from schema.payouts import PayoutStatus

PayoutMethod: TypeAlias = model.PayoutMethod
strawberry.enum(
    PayoutMethod,
    name="PayoutMethod",
    description="WECHAT_TRANSFER: members, by WeChat Pay merchant transfer; OFFLINE: staff, by payroll.",
)
PayoutSkipReason: TypeAlias = planning.SkipReason
strawberry.enum(
    PayoutSkipReason,
    name="PayoutSkipReason",
    description="Why a member with money available is left out of a run: BELOW_MINIMUM (the program's payout "
    "minimum), NO_WECHAT_ACCOUNT (WeChat Pay cannot reach them), OPEN_PAYOUT (their last payout is still being "
    "paid), LEDGER_MISMATCH (their balance disagrees with their commissions: held back for a check).",
)
PayoutRunTrigger: TypeAlias = runs.RunTrigger
strawberry.enum(PayoutRunTrigger, name="PayoutRunTrigger")
PayoutRunStatus: TypeAlias = runs.RunStatus
strawberry.enum(
    PayoutRunStatus,
    name="PayoutRunStatus",
    description="HOLDING while payouts are being held; HELD once every member due one has it.",
)


PayoutBillStatus: TypeAlias = model.TransferStatus
strawberry.enum(
    PayoutBillStatus,
    name="PayoutBillStatus",
    description="PLANNED and REQUESTED are ours until WeChat Pay has the bill; then its states (WAIT_USER_CONFIRM "
    "until the member confirms it) up to SUCCESS, FAIL or CANCELLED; REFUSED when WeChat Pay would not create it, "
    "ABANDONED when it was never sent because another bill of the payout failed first.",
)


@strawberry.type(description="One WeChat Pay merchant transfer bill (转账单) carrying part or all of a payout.")
class PayoutBill:
    out_bill_no: str = strawberry.field(
        description="Our number for the bill (商户单号), as WeChat Pay's merchant platform or the dev sandbox shows it."
    )
    amount_fen: int
    status: PayoutBillStatus
    fail_reason: str | None = strawberry.field(description="WeChat Pay's reason, e.g. OVERDUE_CLOSE.")
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, t: model.Transfer) -> "PayoutBill":
        return cls(
            out_bill_no=t.out_bill_no,
            amount_fen=t.amount_fen,
            status=t.status,
            fail_reason=t.fail_reason,
            created_at=t.created_at,
            settled_at=t.settled_at,
        )


@strawberry.type
class Payout:
    payout_id: strawberry.Private[ObjectId]
    id: strawberry.ID
    beneficiary_member_id: strawberry.ID | None
    beneficiary_staff_member_id: strawberry.ID | None
    method: PayoutMethod
    status: PayoutStatus
    amount_fen: int = strawberry.field(description="What the beneficiary receives: gross + carried − netted.")
    gross_fen: int = strawberry.field(description="The commissions held.")
    netted_fen: int = strawberry.field(description="Clawbacks of earlier payouts (refunds) taken off.")
    carried_fen: int = strawberry.field(description="Unpaid rests of earlier, partly paid payouts added.")
    commissions: int
    paid_fen: int
    unpaid_fen: int
    failure_reason: str | None = strawberry.field(description="WeChat Pay's reason, e.g. OVERDUE_CLOSE.")
    reference: str | None = strawberry.field(description="The payroll reference of an OFFLINE payout.")
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, p: model.Payout) -> "Payout":
        staff = p.beneficiary_kind is BeneficiaryKind.STAFF
        return cls(
            payout_id=p.id,
            id=to_global_id("Payout", p.id),
            beneficiary_member_id=None if staff else to_global_id("Member", p.beneficiary_id),
            beneficiary_staff_member_id=to_global_id("StaffMember", p.beneficiary_id) if staff else None,
            method=p.method,
            status=p.status,
            amount_fen=p.amount_fen,
            gross_fen=p.gross_fen,
            netted_fen=p.netted_fen,
            carried_fen=p.carried_fen,
            commissions=p.commissions,
            paid_fen=p.paid_fen,
            unpaid_fen=p.unpaid_fen,
            failure_reason=p.failure_reason,
            reference=p.reference,
            created_at=p.created_at,
            settled_at=p.settled_at,
        )

    @strawberry.field(description="Its transfer bills in order; none for a payout made offline.")
    async def bills(self, info: Info) -> list[PayoutBill]:
        ctx = info.context
        merchant_id = (await ctx.staff()).merchant_id

        async def load(ids: list[ObjectId]) -> list[tuple[model.Transfer, ...]]:
            found = await views.payout_bills(mongo=ctx.clients.mongo, merchant_id=merchant_id, payout_ids=ids)
            return [found.get(i, ()) for i in ids]

        return [PayoutBill.of(t) for t in await ctx.loader("payout_bills", load).load(self.payout_id)]


@strawberry.type
class PayoutPreviewRow:
    member_id: strawberry.ID
    nickname: str
    available_fen: int
    owed_fen: int
    transfer_fen: int = strawberry.field(description="available − owed: what a run now would transfer.")
    commissions: int
    minimum_fen: int
    bills_fen: list[int] = strawberry.field(description="The transfer bills it takes, within WeChat Pay's limits.")
    skip_reason: PayoutSkipReason | None

    @classmethod
    def of(cls, r: planning.Candidate) -> "PayoutPreviewRow":
        return cls(
            member_id=to_global_id("Member", r.member_id),
            nickname=r.nickname,
            available_fen=r.available_fen,
            owed_fen=r.owed_fen,
            transfer_fen=r.transfer_fen,
            commissions=r.commissions,
            minimum_fen=r.minimum_fen,
            bills_fen=list(r.bills),
            skip_reason=r.skip,
        )


@strawberry.type
class PayoutPreview:
    payees: int = strawberry.field(description="Members a run now would pay.")
    transfer_fen: int
    bills: int
    skipped: int
    rows: Connection[PayoutPreviewRow] = strawberry.field(description="Every member with money available.")


@strawberry.type
class PayoutPreviewPayload:
    preview: PayoutPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayoutRun:
    id: strawberry.ID
    trigger: PayoutRunTrigger
    status: PayoutRunStatus
    payouts: int
    transfer_fen: int
    paid_fen: int = strawberry.field(description="Paid so far; the rest is being transferred or failed.")
    created_at: datetime
    held_at: datetime | None

    @classmethod
    def of(cls, view: runs.RunView) -> "PayoutRun":
        run, totals = view.run, view.totals
        return cls(
            id=to_global_id("PayoutRun", run.id),
            trigger=run.trigger,
            status=run.status,
            payouts=totals.payouts,
            transfer_fen=totals.transfer_fen,
            paid_fen=totals.paid_fen,
            created_at=run.created_at,
            held_at=run.held_at,
        )


@strawberry.input
class RunPayoutsInput:
    idempotency_key: str = strawberry.field(description="A retry with the same key returns the same run.")


@strawberry.type
class RunPayoutsPayload:
    run: PayoutRun | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="When runs open, in the merchant's time zone.")
class PayoutSchedule:
    weekdays: list[int] = strawberry.field(description="ISO weekdays: 1 = Monday … 7 = Sunday.")
    hour: int
    enabled: bool

    @classmethod
    def of(cls, s: runs.PayoutSchedule) -> "PayoutSchedule":
        return cls(weekdays=list(s.weekdays), hour=s.hour, enabled=s.enabled)


@strawberry.input
class SetPayoutScheduleInput:
    weekdays: list[int]
    hour: int
    enabled: bool = True


@strawberry.type
class PayoutSchedulePayload:
    schedule: PayoutSchedule | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SettleStaffCommissionsInput:
    staff_member_id: strawberry.ID
    reference: str | None = strawberry.field(default=None, description="The payroll reference, at most 64.")
    idempotency_key: str


@strawberry.type
class SettleStaffCommissionsPayload:
    payout: Payout | None = strawberry.field(default=None, description="None when nothing was available.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayoutsQuery:
    @strawberry.field(description="OWNER: what a payout run now would pay each member; nothing is held.")
    @user_errors_in(PayoutPreviewPayload)
    async def preview_payouts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> PayoutPreviewPayload:
        ctx = info.context
        p = await views.preview_payouts(
            mongo=ctx.clients.mongo,
            channel=ctx.clients.payouts,
            actor=await ctx.staff(),
            first=first,
            after=from_cursor(after),
        )
        rows = connection(p.rows, PayoutPreviewRow.of)
        preview = PayoutPreview(
            payees=p.payees, transfer_fen=p.transfer_fen, bills=p.bills, skipped=p.skipped, rows=rows
        )
        return PayoutPreviewPayload(preview=preview)

    @strawberry.field(description="OWNER: payouts (members' transfers, staff paid offline), newest first.")
    async def payouts(
        self, info: Info, status: PayoutStatus | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[Payout]:
        page = await views.list_payouts(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            status=status,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, Payout.of)

    @strawberry.field(description="OWNER: payout runs, newest first.")
    async def payout_runs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PayoutRun]:
        page = await views.list_runs(
            mongo=info.context.clients.mongo, actor=await info.context.staff(), first=first, after=from_cursor(after)
        )
        return connection(page, PayoutRun.of)

    @strawberry.field(description="OWNER: when payout runs open (default Mondays at 10:00).")
    async def payout_schedule(self, info: Info) -> PayoutSchedule:
        schedule = await runs.payout_schedule(mongo=info.context.clients.mongo, actor=await info.context.staff())
        return PayoutSchedule.of(schedule)


@strawberry.type
class PayoutsMutation:
    @strawberry.mutation(
        description="OWNER: a payout run now. Holds every due member's payout (a large run is finished by the "
        "worker, which also makes the transfers); the members then confirm them in the mini-program."
    )
    @user_errors_in(RunPayoutsPayload)
    async def run_payouts(self, info: Info, input: RunPayoutsInput) -> RunPayoutsPayload:
        ctx = info.context
        run = await runs.run_payouts(
            mongo=ctx.clients.mongo,
            channel=ctx.clients.payouts,
            actor=await ctx.staff(),
            idempotency_key=input.idempotency_key,
        )
        return RunPayoutsPayload(run=PayoutRun.of(run))

    @strawberry.mutation(description="OWNER.")
    @user_errors_in(PayoutSchedulePayload)
    async def set_payout_schedule(self, info: Info, input: SetPayoutScheduleInput) -> PayoutSchedulePayload:
        ctx = info.context
        schedule = await runs.set_payout_schedule(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            schedule=runs.PayoutSchedule(tuple(input.weekdays), input.hour, input.enabled),
        )
        return PayoutSchedulePayload(schedule=PayoutSchedule.of(schedule))

    @strawberry.mutation(
        description="OWNER: the staff member's AVAILABLE commissions were paid through payroll: marks them "
        "PAID_OFFLINE (netting what they owe from refunds), audited."
    )
    @user_errors_in(SettleStaffCommissionsPayload)
    async def settle_staff_commissions(
        self, info: Info, input: SettleStaffCommissionsInput
    ) -> SettleStaffCommissionsPayload:
        ctx = info.context
        settled = await offline.settle_staff_offline(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            staff_id=node_id("StaffMember", input.staff_member_id, "staffMemberId"),
            reference=input.reference,
            idempotency_key=input.idempotency_key,
        )
        return SettleStaffCommissionsPayload(payout=Payout.of(settled.payout) if settled.payout else None)
