"""The shareholder's payouts (分红发放): each payout and its state, and receiving one, which hands the
mini-program what `wx.requestMerchantTransfer` needs for each transfer bill waiting for the member's confirmation.
"""

from datetime import datetime

import strawberry

from domain.payouts import views
from payments.wechatpay.transfers import MerchantTransferParams
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, user_errors_in
from schema.payouts import PayoutStatus


@strawberry.type(name="Payout")
class MemberPayout:
    id: strawberry.ID
    status: PayoutStatus
    amount_fen: int = strawberry.field(description="What this payout sends you.")
    paid_fen: int
    commissions: int
    waiting_transfers: int = strawberry.field(description="Transfers waiting for you to confirm (receivePayout).")
    failure_reason: str | None
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, item: views.MemberPayout) -> "MemberPayout":
        p = item.payout
        return cls(
            id=to_global_id("Payout", p.id),
            status=p.status,
            amount_fen=p.amount_fen,
            paid_fen=p.paid_fen,
            commissions=p.commissions,
            waiting_transfers=len(item.waiting),
            failure_reason=p.failure_reason,
            created_at=p.created_at,
            settled_at=p.settled_at,
        )


@strawberry.type(description="Pass to `wx.requestMerchantTransfer` as is; the member confirms one transfer.")
class MerchantTransfer:
    mch_id: str = strawberry.field(name="mchId")
    app_id: str = strawberry.field(name="appId")
    package: str

    @classmethod
    def of(cls, p: MerchantTransferParams) -> "MerchantTransfer":
        return cls(mch_id=p["mchId"], app_id=p["appId"], package=p["package"])


@strawberry.input
class ReceivePayoutInput:
    payout_id: strawberry.ID


@strawberry.type
class ReceivePayoutPayload:
    payout: MemberPayout | None = None
    transfers: list[MerchantTransfer] = strawberry.field(
        default_factory=list, description="In order; one `wx.requestMerchantTransfer` each."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayoutsQuery:
    @strawberry.field(description="Your payouts, newest first.")
    async def my_payouts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberPayout]:
        principal = info.context.need_principal()
        page = await views.member_payouts(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, MemberPayout.of)


@strawberry.type
class PayoutsMutation:
    @strawberry.mutation(description="The transfers of your payout waiting for your confirmation in WeChat.")
    @user_errors_in(ReceivePayoutPayload)
    async def receive_payout(self, info: Info, input: ReceivePayoutInput) -> ReceivePayoutPayload:
        ctx = info.context
        principal = ctx.need_principal()
        ready = await views.receive_payout(
            mongo=ctx.clients.mongo,
            channel=ctx.clients.payouts,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            payout_id=node_id("Payout", input.payout_id, "payoutId"),
        )
        return ReceivePayoutPayload(
            payout=MemberPayout.of(ready.payout), transfers=[MerchantTransfer.of(t) for t in ready.transfers]
        )
