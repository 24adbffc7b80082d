"""The shareholder screen (我的分红): program and rates, commission totals by state, the network's size and
revenue, recent accruals and each friend's contribution, friends' names masked. Each field is one domain
call, so the screen costs a fixed number of queries whatever the network's size.
"""

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from bson import ObjectId

from domain.commissions import shareholder
from domain.referrals.views import downline_counts
from schema.context import Info
from schema.ids import to_global_id
from schema.referrals import CommissionStatus


@strawberry.type(name="ShareholderProgram", description="What you earn on your friends' spending.")
class MemberShareholderProgram:
    name: str
    level1_rate_bp: int = strawberry.field(description="Basis points of what a friend you brought pays.")
    level2_rate_bp: int = strawberry.field(description="Basis points of what their friends pay.")
    freeze_days: int = strawberry.field(description="Days after payment before a commission becomes available.")
    payout_minimum_fen: int


@strawberry.type
class CommissionTotals:
    pending_fen: int = strawberry.field(description="Accrued, waiting for the refund window to close.")
    available_fen: int = strawberry.field(description="Ready for the next payout.")
    in_review_fen: int = strawberry.field(description="Held for the store's review.")
    paid_fen: int = strawberry.field(description="Paid out so far.")
    owed_fen: int = strawberry.field(description="Taken back after payout (refunds); the next payout nets it.")


@strawberry.type
class DownlineCounts:
    level1: int = strawberry.field(description="Friends you brought.")
    level2: int = strawberry.field(description="Friends they brought.")


RevenueGranularity: TypeAlias = shareholder.Granularity
strawberry.enum(RevenueGranularity, name="RevenueGranularity")


@strawberry.type
class NetworkRevenuePeriod:
    period: str = strawberry.field(description="A business day (2026-05-01) or month (2026-05).")
    level1_fen: int
    level2_fen: int
    orders: int


@strawberry.type
class ShareholderCommission:
    id: strawberry.ID
    amount_fen: int = strawberry.field(description="What it is worth now, after any refunds.")
    accrued_fen: int
    level: int
    status: CommissionStatus
    friend_name: str = strawberry.field(description="Masked (张**).")
    order_paid_at: datetime
    available_at: datetime

    @classmethod
    def of(cls, item: shareholder.FriendCommission) -> "ShareholderCommission":
        x = item.commission
        return cls(
            id=to_global_id("Commission", x.id),
            amount_fen=x.net_fen,
            accrued_fen=x.amount_fen,
            level=x.level,
            status=x.status,
            friend_name=item.friend_name,
            order_paid_at=x.paid_at,
            available_at=x.release_at,
        )


@strawberry.type
class FriendContribution:
    friend_name: str = strawberry.field(description="Masked (张**).")
    level: int
    commission_fen: int = strawberry.field(description="What their orders earned you, after refunds.")
    orders: int


@strawberry.type
class Shareholder:
    merchant_id: strawberry.Private[ObjectId]
    member_id: strawberry.Private[ObjectId]
    active: bool = strawberry.field(description="Appointed and not revoked: new orders earn commissions.")
    appointed_at: datetime | None
    program: MemberShareholderProgram | None

    @strawberry.field
    async def totals(self, info: Info) -> CommissionTotals:
        t = await shareholder.commission_totals(
            mongo=info.context.clients.mongo, merchant_id=self.merchant_id, member_id=self.member_id
        )
        return CommissionTotals(
            pending_fen=t.pending_fen,
            available_fen=t.available_fen,
            in_review_fen=t.review_fen,
            paid_fen=t.paid_fen,
            owed_fen=t.owed_fen,
        )

    @strawberry.field
    async def downline(self, info: Info) -> DownlineCounts:
        level1, level2 = await downline_counts(
            mongo=info.context.clients.mongo, merchant_id=self.merchant_id, member_id=self.member_id, levels=2
        )
        return DownlineCounts(level1=level1, level2=level2)

    @strawberry.field(description="Your friends' spending (net of refunds) over [from, to], by day or month.")
    async def network_revenue(
        self,
        info: Info,
        granularity: RevenueGranularity = RevenueGranularity.MONTH,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> list[NetworkRevenuePeriod]:
        periods = await shareholder.network_revenue(
            mongo=info.context.clients.mongo,
            merchant_id=self.merchant_id,
            member_id=self.member_id,
            granularity=granularity,
            since=from_,
            until=to,
        )
        return [
            NetworkRevenuePeriod(period=p.period, level1_fen=p.level1_fen, level2_fen=p.level2_fen, orders=p.orders)
            for p in periods
        ]

    @strawberry.field(description="Newest first.")
    async def recent_commissions(self, info: Info, first: int = 10) -> list[ShareholderCommission]:
        items = await shareholder.recent_commissions(
            mongo=info.context.clients.mongo, merchant_id=self.merchant_id, member_id=self.member_id, first=first
        )
        return [ShareholderCommission.of(i) for i in items]

    @strawberry.field(description="The friends whose orders earned you most.")
    async def friend_contributions(self, info: Info, first: int = 20) -> list[FriendContribution]:
        rows = await shareholder.friend_contributions(
            mongo=info.context.clients.mongo, merchant_id=self.merchant_id, member_id=self.member_id, first=first
        )
        return [
            FriendContribution(
                friend_name=r.friend_name, level=r.level, commission_fen=r.commission_fen, orders=r.orders
            )
            for r in rows
        ]


@strawberry.type
class ShareholderQuery:
    @strawberry.field(description="Your shareholding (分红股东); totals stay visible after a revoke.")
    async def my_shareholder(self, info: Info) -> Shareholder:
        principal = info.context.need_principal()
        status = await shareholder.shareholder_status(
            mongo=info.context.clients.mongo, merchant_id=principal.merchant_id, member_id=principal.subject_id
        )
        program = None
        if status.program is not None:
            s = status.program.settings
            program = MemberShareholderProgram(
                name=s.name,
                level1_rate_bp=s.level1_bp,
                level2_rate_bp=s.level2_bp,
                freeze_days=s.freeze_days,
                payout_minimum_fen=s.payout_minimum_fen,
            )
        return Shareholder(
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            active=status.active,
            appointed_at=status.appointment.appointed_at if status.appointment else None,
            program=program,
        )
