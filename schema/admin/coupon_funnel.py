"""The coupon funnel for owners and managers: issued → forwarded → claimed → redeemed, per template, in total
or per sharing member or per staff member.
"""

from datetime import UTC, datetime
from typing import Annotated, TypeAlias

import strawberry

from domain import coupon_funnel
from schema.admin.coupons import AdminCouponTemplate
from schema.common import UserError
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations import node_id, user_errors_in

CouponFunnelGroupBy: TypeAlias = coupon_funnel.GroupBy
strawberry.enum(CouponFunnelGroupBy, name="CouponFunnelGroupBy")


@strawberry.type(description="One group's steps. A SHARER or STAFF row with no id counts coupons nobody shared.")
class CouponFunnelRow:
    sharer_member_id: strawberry.ID | None
    staff_member_id: strawberry.ID | None
    name: str | None = strawberry.field(
        description="The sharer's nickname (微信用户 without one) or the staff member's name; null without a group."
    )
    issued: int = strawberry.field(description="发送: coupons put into circulation (claims and granted packs).")
    forwarded: int = strawberry.field(
        description="转发: coupons passed on to friends (a forward when sent, a pack's coupon when a friend takes it)."
    )
    claimed: int = strawberry.field(description="领取: coupons members received.")
    redeemed: int = strawberry.field(description="到店: coupons redeemed in store.")
    revenue_fen: int = strawberry.field(
        description="营收: what members who claimed through this group paid since their claim, net of refunds."
    )
    new_members: int = strawberry.field(
        description="新会员: members bound under this group's sharer by accepting or taking this template's coupons."
    )

    @classmethod
    def of(cls, row: coupon_funnel.FunnelRow) -> "CouponFunnelRow":
        return cls(
            sharer_member_id=to_global_id("Member", row.sharer_id) if row.sharer_id else None,
            staff_member_id=to_global_id("StaffMember", row.staff_id) if row.staff_id else None,
            name=row.name,
            issued=row.issued,
            forwarded=row.forwarded,
            claimed=row.claimed,
            redeemed=row.redeemed,
            revenue_fen=row.revenue_fen,
            new_members=row.new_members,
        )


@strawberry.type
class CouponFunnel:
    template: AdminCouponTemplate
    group_by: CouponFunnelGroupBy
    rows: list[CouponFunnelRow] = strawberry.field(description="Most redeemed first.")
    total: CouponFunnelRow


@strawberry.type
class CouponFunnelPayload:
    funnel: CouponFunnel | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _total(rows: list[CouponFunnelRow]) -> CouponFunnelRow:
    return CouponFunnelRow(
        sharer_member_id=None,
        staff_member_id=None,
        name=None,
        issued=sum(r.issued for r in rows),
        forwarded=sum(r.forwarded for r in rows),
        claimed=sum(r.claimed for r in rows),
        redeemed=sum(r.redeemed for r in rows),
        revenue_fen=sum(r.revenue_fen for r in rows),
        new_members=sum(r.new_members for r in rows),
    )


@strawberry.type
class CouponFunnelQuery:
    @strawberry.field(description="OWNER or MANAGER: the funnel of one template over [from, to).")
    @user_errors_in(CouponFunnelPayload)
    async def coupon_funnel(
        self,
        info: Info,
        template_id: strawberry.ID,
        group_by: CouponFunnelGroupBy = CouponFunnelGroupBy.NONE,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> CouponFunnelPayload:
        ctx = info.context
        result = await coupon_funnel.coupon_funnel(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            template_id=node_id("CouponTemplate", template_id, "templateId"),
            group_by=group_by,
            since=from_,
            until=to,
        )
        rows = [CouponFunnelRow.of(r) for r in result.rows]
        return CouponFunnelPayload(
            funnel=CouponFunnel(
                template=AdminCouponTemplate.of(result.template, datetime.now(UTC)),
                group_by=group_by,
                rows=rows,
                total=_total(rows),
            )
        )
