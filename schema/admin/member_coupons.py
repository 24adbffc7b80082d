"""A member's coupons as staff see them: the coupon tab of the member's card and the bill's coupon picker read
the member's wallet here, by status as of now, newest first.
"""

from datetime import UTC, datetime

import strawberry

from domain.coupons import coupon
from schema.admin.coupon_redemption import AdminCoupon
from schema.admin.coupons import AdminCouponTemplate
from schema.common import Connection, connection
from schema.context import Info
from schema.coupons import CouponStatus
from schema.ids import from_cursor, from_global_id


@strawberry.type
class MemberCouponsQuery:
    @strawberry.field(
        description="Any staff role: a member's coupons with this status as of now, newest first; "
        "null for an unknown member."
    )
    async def member_coupons(
        self,
        info: Info,
        member_id: strawberry.ID,
        status: CouponStatus = CouponStatus.ACTIVE,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AdminCoupon] | None:
        member = from_global_id("Member", member_id)
        if member is None:
            return None
        now = datetime.now(UTC)
        page = await coupon.list_member_coupons(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            member_id=member,
            status=status,
            first=first,
            after=from_cursor(after),
            now=now,
        )
        if page is None:
            return None
        return connection(page, lambda h: AdminCoupon.of(h.coupon, AdminCouponTemplate.of(h.template, now), now))
