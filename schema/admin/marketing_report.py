"""The marketing report (营销报表) for OWNER and MANAGER: each coupon template's funnel totals, commissions per
shareholder program, and what each shareholder's network brought, as domain.reports.marketing works them out."""

from datetime import UTC, date, datetime
from typing import Annotated

import strawberry

from domain.reports import marketing
from domain.reports.report import MAX_TOP_ITEMS
from schema.admin.coupons import AdminCouponTemplate
from schema.admin.shareholders import Shareholder, ShareholderProgram
from schema.common import UserError
from schema.context import Info
from schema.mutations import user_errors_in


@strawberry.type(description="One template's funnel over the range (its couponFunnel totals).")
class CouponTemplateFigures:
    template: AdminCouponTemplate
    issued: int = strawberry.field(description="Coupons put into circulation in the range.")
    forwarded: int = strawberry.field(description="Coupons passed on to a friend in the range.")
    claimed: int = strawberry.field(description="Coupons members received in the range.")
    redeemed: int = strawberry.field(description="Coupons used in store in the range.")
    revenue_fen: int = strawberry.field(
        description="What the members who claimed in the range have paid for consumption since their claim, net "
        "of refunds, fen."
    )


@strawberry.type
class ProgramCommissionFigures:
    program: ShareholderProgram
    accrued_fen: int = strawberry.field(
        description="Commissions on orders paid in the range, net of refund reversals, rejected ones left out, fen."
    )
    paid_fen: int = strawberry.field(description="Commissions paid out (by payout or offline) in the range, fen.")


@strawberry.type
class ShareholderRevenue:
    shareholder: Shareholder
    network_revenue_fen: int = strawberry.field(
        description="Consumption paid by the shareholder's level-1 and level-2 friends on the range's business "
        "days, net of refunds, fen."
    )
    commission_fen: int = strawberry.field(
        description="The shareholder's commissions on orders paid in the range, net of reversals, fen."
    )


@strawberry.type
class MarketingReport:
    record: strawberry.Private[marketing.MarketingReport]
    coupons: list[CouponTemplateFigures] = strawberry.field(
        description="Per template with a step in the range, issued descending."
    )
    programs: list[ProgramCommissionFigures] = strawberry.field(description="Every program, accrued descending.")

    @strawberry.field(description="Network revenue descending; first <= 100.")
    def shareholders(self, first: int = 20) -> list[ShareholderRevenue]:
        return [
            ShareholderRevenue(
                shareholder=Shareholder.of(row.shareholder),
                network_revenue_fen=row.network_revenue_fen,
                commission_fen=row.commission_fen,
            )
            for row in self.record.shareholders[: max(0, min(first, MAX_TOP_ITEMS))]
        ]

    @classmethod
    def of(cls, r: marketing.MarketingReport, now: datetime) -> "MarketingReport":
        return cls(
            record=r,
            coupons=[
                CouponTemplateFigures(
                    template=AdminCouponTemplate.of(f.template, now),
                    issued=f.issued,
                    forwarded=f.forwarded,
                    claimed=f.claimed,
                    redeemed=f.redeemed,
                    revenue_fen=f.revenue_fen,
                )
                for f in r.coupons
            ],
            programs=[
                ProgramCommissionFigures(
                    program=ShareholderProgram.of(f.program), accrued_fen=f.accrued_fen, paid_fen=f.paid_fen
                )
                for f in r.programs
            ],
        )


@strawberry.type
class MarketingReportPayload:
    marketing: MarketingReport | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MarketingReportQuery:
    @strawberry.field(
        description="OWNER or MANAGER (else a FORBIDDEN error). Dates [from, to] inclusive in the zone of the "
        "first store in your scope, at most 366 days (else RANGE_INVALID on `to`). Merchant-wide; a store-scoped "
        "MANAGER sees the templates valid at their stores, the programs covering one of them, and commissions and "
        "network revenue of orders at their stores. Money in fen."
    )
    @user_errors_in(MarketingReportPayload)
    async def marketing_report(
        self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date
    ) -> MarketingReportPayload:
        ctx = info.context
        found = await marketing.marketing_report(mongo=ctx.clients.mongo, actor=await ctx.staff(), first=from_, last=to)
        return MarketingReportPayload(marketing=MarketingReport.of(found, datetime.now(UTC)))
