"""Reports (经营报表) for OWNER and MANAGER: takings, items and members over a store-local date range, and what
the merchant owes, as domain.reports works them out from its rollups."""

from datetime import date
from typing import Annotated, TypeAlias

import strawberry

from domain.reports import balances, report, rollups
from schema.admin.types import StaffMember, Store
from schema.cards import CardLevel
from schema.common import UserError
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations import node_id, user_errors_in

ReportPeriod: TypeAlias = report.Period
strawberry.enum(ReportPeriod, name="ReportPeriod", description="WEEK starts on Monday; buckets in the store's zone.")
MemberSource: TypeAlias = report.MemberSource
strawberry.enum(MemberSource, name="MemberSource", description="How a member came: the referral that bound them.")


ReportPaymentMethod: TypeAlias = rollups.ReportMethod
strawberry.enum(
    ReportPaymentMethod,
    name="ReportPaymentMethod",
    description="How takings were paid; stored value splits into its paid part and its bonus part.",
)


@strawberry.type(description="Sales over a range (fen). Top-ups are not sales: they show as stored value owed.")
class Takings:
    gross_fen: int = strawberry.field(
        description="Money paid for orders paid in the range, every tender (stored value included)."
    )
    refunds_fen: int = strawberry.field(
        description="Refunds settled in the range, counted on the refund's day whenever the order was paid."
    )
    net_fen: int = strawberry.field(description="grossFen - refundsFen; negative on a range of refunds.")
    orders: int = strawberry.field(description="Orders paid in the range.")
    average_ticket_fen: int = strawberry.field(description="grossFen // orders; 0 when no orders.")

    @classmethod
    def of(cls, t: report.Takings) -> "Takings":
        return cls(
            gross_fen=t.gross_fen,
            refunds_fen=t.refunds_fen,
            net_fen=t.net_fen,
            orders=t.orders,
            average_ticket_fen=t.average_ticket_fen,
        )


@strawberry.type
class TakingsPoint:
    start: date = strawberry.field(description="The bucket's first day (may be before the range's `from`).")
    gross_fen: int
    refunds_fen: int
    net_fen: int
    orders: int


@strawberry.type
class PaymentMethodTakings:
    method: ReportPaymentMethod
    gross_fen: int
    refunds_fen: int
    net_fen: int


@strawberry.type
class StaffTakings:
    staff_member: StaffMember | None = strawberry.field(
        description="Who took the order at the counter; null for members' own orders from the mini-program."
    )
    takings: Takings


@strawberry.type
class StoreTakings:
    store: Store
    takings: Takings


@strawberry.type(description="出品销售汇总: one catalog item's sales.")
class ItemSales:
    item_id: strawberry.ID = strawberry.field(description="The CatalogItem's id.")
    name: str
    quantity: int = strawberry.field(description="Units sold in orders paid in the range.")
    net_fen: int = strawberry.field(
        description="The item's share of what its orders paid, less its share of refunds settled in the range."
    )


@strawberry.type
class MemberSourceCount:
    source: MemberSource
    members: int


@strawberry.type
class LevelCount:
    level: CardLevel
    members: int


@strawberry.type
class MemberFigures:
    new_members: int = strawberry.field(
        description="Members who joined in the range, merchant-wide (members join the merchant, not a store)."
    )
    by_source: list[MemberSourceCount] = strawberry.field(description="Every source, in enum order, zero-filled.")
    paying_members: int = strawberry.field(
        description="Distinct members with at least one order paid in the range at the covered stores (a member "
        "paying at two of them counts once). Exact for every range; read from day markers (no per-member reads) "
        "for a range reaching today, one day, or a range from a month's 1st within that month (today, yesterday, "
        "7 days, this month, last month). Other ranges, and a manager of several but not all stores, count the "
        "paying members' months, so their cost grows with the members who paid."
    )
    repeat_members: int = strawberry.field(
        description="Of the paying members, those with two or more orders paid in the range; the same rule."
    )
    levels: list[LevelCount] = strawberry.field(description="Cards per level now, every level of the program.")


@strawberry.type
class MemberGrowthPoint:
    start: date
    new_members: int


@strawberry.type
class Report:
    record: strawberry.Private[report.Report]
    from_: date = strawberry.field(name="from")
    to: date
    period: ReportPeriod
    stores: list[Store] = strawberry.field(description="The stores covered, in the order they were opened.")
    takings: Takings = strawberry.field(description="Totals over the range.")
    trend: list[TakingsPoint] = strawberry.field(
        description="One per DAY/WEEK/MONTH bucket overlapping the range, in order, zero-filled."
    )
    by_payment_method: list[PaymentMethodTakings] = strawberry.field(
        description="All five methods, in enum order, zero-filled."
    )
    by_staff: list[StaffTakings] = strawberry.field(description="By who took the order, net takings descending.")
    by_store: list[StoreTakings] = strawberry.field(description="One per covered store, net takings descending.")
    members: MemberFigures
    member_growth: list[MemberGrowthPoint] = strawberry.field(
        description="New members per bucket, zero-filled, the same buckets as trend."
    )

    @strawberry.field(description="出品销售汇总: ranked by net descending, then quantity; first <= 100.")
    def top_items(self, first: int = 10) -> list[ItemSales]:
        items = self.record.items[: max(0, min(first, report.MAX_TOP_ITEMS))]
        return [
            ItemSales(
                item_id=to_global_id("CatalogItem", i.item_id), name=i.name, quantity=i.quantity, net_fen=i.net_fen
            )
            for i in items
        ]

    @classmethod
    def of(cls, r: report.Report) -> "Report":
        m = r.members
        return cls(
            record=r,
            from_=r.first,
            to=r.last,
            period=r.period,
            stores=[Store.of(s) for s in r.stores],
            takings=Takings.of(r.takings),
            trend=[
                TakingsPoint(
                    start=p.start,
                    gross_fen=p.takings.gross_fen,
                    refunds_fen=p.takings.refunds_fen,
                    net_fen=p.takings.net_fen,
                    orders=p.takings.orders,
                )
                for p in r.trend
            ],
            by_payment_method=[
                PaymentMethodTakings(
                    method=ReportPaymentMethod(row.method),
                    gross_fen=row.takings.gross_fen,
                    refunds_fen=row.takings.refunds_fen,
                    net_fen=row.takings.net_fen,
                )
                for row in r.by_method
            ],
            by_staff=[
                StaffTakings(
                    staff_member=StaffMember.of(row.staff) if row.staff else None, takings=Takings.of(row.takings)
                )
                for row in r.by_staff
            ],
            by_store=[StoreTakings(store=Store.of(row.store), takings=Takings.of(row.takings)) for row in r.by_store],
            members=MemberFigures(
                new_members=m.new_members,
                by_source=[MemberSourceCount(source=s, members=n) for s, n in m.by_source],
                paying_members=m.paying_members,
                repeat_members=m.repeat_members,
                levels=[LevelCount(level=CardLevel.of(level), members=n) for level, n in m.levels],
            ),
            member_growth=[MemberGrowthPoint(start=p.start, new_members=p.new_members) for p in r.member_growth],
        )


@strawberry.type
class ReportPayload:
    report: Report | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="What the merchant owes right now, merchant-wide.")
class BalanceReport:
    stored_value_paid_fen: int = strawberry.field(description="Stored value members paid for (refundable), fen.")
    stored_value_bonus_fen: int = strawberry.field(description="Stored value given as top-up bonus, fen.")
    points: int = strawberry.field(description="Points on every card.")
    count_card_uses: int = strawberry.field(description="Uses left on count cards that have not expired.")
    commissions_pending_fen: int = strawberry.field(description="Commissions accrued, still frozen, fen.")
    commissions_available_fen: int = strawberry.field(description="Commissions released, waiting for a payout, fen.")
    commissions_owed_back_fen: int = strawberry.field(
        description="Clawed back from commissions already paid out; the next payouts net it, fen."
    )


@strawberry.type
class BalanceReportPayload:
    balances: BalanceReport | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportsQuery:
    @strawberry.field(
        description="OWNER or MANAGER (else a FORBIDDEN error). Store-local dates [from, to] inclusive, at most "
        "366 days (else RANGE_INVALID on `to`). storeId null: every store in your scope; a store outside it or "
        "unknown: STORE_NOT_FOUND on `storeId`. Money in fen."
    )
    @user_errors_in(ReportPayload)
    async def report(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        store_id: strawberry.ID | None = None,
        period: ReportPeriod = ReportPeriod.DAY,
    ) -> ReportPayload:
        ctx = info.context
        found = await report.report(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            first=from_,
            last=to,
            period=period,
        )
        return ReportPayload(report=Report.of(found))

    @strawberry.field(
        description="OWNER or an all-stores MANAGER (else a FORBIDDEN error): what the merchant owes now, in fen."
    )
    @user_errors_in(BalanceReportPayload)
    async def balance_report(self, info: Info) -> BalanceReportPayload:
        ctx = info.context
        b = await balances.balances(mongo=ctx.clients.mongo, actor=await ctx.staff())
        return BalanceReportPayload(
            balances=BalanceReport(
                stored_value_paid_fen=b.stored_value_paid_fen,
                stored_value_bonus_fen=b.stored_value_bonus_fen,
                points=b.points,
                count_card_uses=b.count_card_uses,
                commissions_pending_fen=b.commissions_pending_fen,
                commissions_available_fen=b.commissions_available_fen,
                commissions_owed_back_fen=b.commissions_owed_back_fen,
            )
        )
