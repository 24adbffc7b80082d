"""Referral chains for staff: a member's upline and downline (paged per level), the owner's audited binding
correction, each staff member's own QR code (员工专属二维码) and the staff attribution report.
"""

from datetime import datetime
from typing import Annotated

import strawberry
from bson import ObjectId

from domain.commissions import reports
from domain.referrals import correction, share_codes, views
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.mutations import node_id, user_errors_in
from schema.referrals import ShareCode, ShareCodePayload


@strawberry.type
class ChainMember:
    id: strawberry.ID
    nickname: str
    joined_at: datetime
    bound_at: datetime | None = strawberry.field(description="When this member was bound (to a member or staff).")
    binding_source: str | None = strawberry.field(
        description="LOGIN_SHARE, FORWARD_ACCEPT, PACK_CLAIM, MEMBER_QR, STAFF_QR or CORRECTION."
    )
    referrer_id: strawberry.ID | None
    acquired_by_staff_member_id: strawberry.ID | None
    is_shareholder: bool

    @classmethod
    def of(cls, m: views.ChainMember) -> "ChainMember":
        return cls(
            id=to_global_id("Member", m.id),
            nickname=m.nickname,
            joined_at=m.joined_at,
            bound_at=m.bound_at,
            binding_source=m.source,
            referrer_id=to_global_id("Member", m.referrer_id) if m.referrer_id else None,
            acquired_by_staff_member_id=(
                to_global_id("StaffMember", m.acquired_by_staff_id) if m.acquired_by_staff_id else None
            ),
            is_shareholder=m.shareholder,
        )


@strawberry.type
class ReferralChain:
    member_id: strawberry.Private[ObjectId]
    member: ChainMember
    upline: list[ChainMember] = strawberry.field(description="Nearest first: referrer, their referrer, …")
    downline_counts: list[int] = strawberry.field(description="Members 1, 2, 3, … levels below.")

    @strawberry.field(description="The members exactly `level` levels below (1 = those this member brought).")
    async def downline(
        self, info: Info, level: int = 1, first: int | None = None, after: str | None = None
    ) -> Connection[ChainMember]:
        page = await views.downline(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            member_id=self.member_id,
            level=level,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, ChainMember.of)


@strawberry.input
class CorrectReferrerInput:
    member_id: strawberry.ID
    referrer_id: strawberry.ID | None = strawberry.field(
        default=None, description="The new referrer; null detaches the member (and their downline) from any."
    )
    reason: str


@strawberry.type
class ReferrerCorrection:
    member_id: strawberry.ID
    referrer_id: strawberry.ID | None
    previous_referrer_id: strawberry.ID | None
    upline_ids: list[strawberry.ID] = strawberry.field(description="The member's new upline, nearest first.")
    descendants_moved: int = strawberry.field(description="Downline members whose upline was rewritten with it.")

    @classmethod
    def of(cls, done: correction.Correction) -> "ReferrerCorrection":
        b = done.binding
        previous = done.previous_referrer_id
        return cls(
            member_id=to_global_id("Member", b.member_id),
            referrer_id=to_global_id("Member", b.referrer_id) if b.referrer_id else None,
            previous_referrer_id=to_global_id("Member", previous) if previous else None,
            upline_ids=[to_global_id("Member", a) for a in b.ancestors],
            descendants_moved=done.descendants_moved,
        )


@strawberry.type
class CorrectReferrerPayload:
    correction: ReferrerCorrection | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffAttributionRow:
    staff_member_id: strawberry.ID
    name: str
    members_acquired: int = strawberry.field(description="Members bound to this staff member in the period.")
    orders: int
    revenue_fen: int = strawberry.field(description="What members they ever brought paid in the period, net.")
    commission_fen: int


@strawberry.type
class StaffAttributionPayload:
    rows: list[StaffAttributionRow] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReferralsQuery:
    @strawberry.field(description="OWNER or MANAGER: a member's upline and downline.")
    async def referral_chain(self, info: Info, member_id: strawberry.ID) -> ReferralChain | None:
        actor = await info.context.staff()
        oid = from_global_id("Member", member_id)
        if oid is None:
            return None
        chain = await views.member_chain(mongo=info.context.clients.mongo, actor=actor, member_id=oid)
        if chain is None:
            return None
        return ReferralChain(
            member_id=oid,
            member=ChainMember.of(chain.member),
            upline=[ChainMember.of(m) for m in chain.upline],
            downline_counts=list(chain.downline_counts),
        )

    @strawberry.field(description="Your own QR code and link: members who come in through them are yours.")
    @user_errors_in(ShareCodePayload)
    async def staff_share_code(self, info: Info) -> ShareCodePayload:
        ctx = info.context
        actor = await ctx.staff()
        code = await share_codes.staff_share_code(
            mongo=ctx.clients.mongo,
            wechat=ctx.clients.wechat,
            link_base=ctx.clients.settings.share_qr_link_base,
            actor=actor,
        )
        return ShareCodePayload(share_code=ShareCode.of(code))

    @strawberry.field(description="OWNER or an all-stores MANAGER: what each staff member brought in over [from, to).")
    @user_errors_in(StaffAttributionPayload)
    async def staff_attribution(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> StaffAttributionPayload:
        ctx = info.context
        actor = await ctx.staff()
        rows = await reports.staff_attribution(mongo=ctx.clients.mongo, actor=actor, since=from_, until=to)
        return StaffAttributionPayload(
            rows=[
                StaffAttributionRow(
                    staff_member_id=to_global_id("StaffMember", r.staff_id),
                    name=r.name,
                    members_acquired=r.members_acquired,
                    orders=r.orders,
                    revenue_fen=r.revenue_fen,
                    commission_fen=r.commission_fen,
                )
                for r in rows
            ]
        )


@strawberry.type
class ReferralsMutation:
    @strawberry.mutation(description="OWNER: re-point a member (and their downline) with a reason; audited.")
    @user_errors_in(CorrectReferrerPayload)
    async def correct_referrer(self, info: Info, input: CorrectReferrerInput) -> CorrectReferrerPayload:
        ctx = info.context
        done = await correction.correct_referrer(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            referrer_id=node_id("Member", input.referrer_id, "referrerId"),
            reason=input.reason,
        )
        return CorrectReferrerPayload(correction=ReferrerCorrection.of(done))
