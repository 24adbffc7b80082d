"""Passing coupons on from the mini-program: forwarding one coupon to a friend (转赠) and sharing a pack
(积客包), with what the friend sees on opening the link before accepting or taking one.
"""

from datetime import datetime

import strawberry

from domain.coupons import forwarding, packs
from domain.coupons.touch import Sharer
from domain.referrals.binding import BindingSource
from domain.referrals.touches import CouponTouch
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.coupons import CouponShare
from schema.ids import from_cursor, to_global_id
from schema.member.coupons import MemberCoupon, MemberCouponTemplate, refusal_error
from schema.mutations import node_id, null_when_refused, user_errors_in


@strawberry.type(name="CouponPack", description="A pack of coupons (积客包) its holder shares; each friend takes one.")
class MemberCouponPack:
    id: strawberry.ID
    template: MemberCouponTemplate
    size: int
    taken: int
    remaining: int
    shared_at: datetime | None

    @classmethod
    def of(cls, held: packs.HeldPack) -> "MemberCouponPack":
        p = held.pack
        return cls(
            id=to_global_id("CouponPack", p.id),
            template=MemberCouponTemplate.of(held.template),
            size=p.size,
            taken=p.taken,
            remaining=p.remaining,
            shared_at=p.shared_at,
        )


@strawberry.type(description="A shared pack as the friend who opened the link sees it.")
class CouponPackPreview:
    pack: MemberCouponPack
    my_coupon: MemberCoupon | None = strawberry.field(description="The one this member already took, if any.")
    blocked_by: UserError | None = strawberry.field(description="Why taking one would fail now; null if not.")


@strawberry.type(description="A forwarded coupon as the friend who opened the link sees it.")
class CouponForwardPreview:
    template: MemberCouponTemplate
    sender_nickname: str
    expires_at: datetime
    blocked_by: UserError | None = strawberry.field(description="Why accepting would fail now; null if not.")


@strawberry.input
class ForwardCouponInput:
    coupon_id: strawberry.ID


@strawberry.type
class ForwardCouponPayload:
    share: CouponShare | None = None
    coupon: MemberCoupon | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AcceptCouponInput:
    token: str


@strawberry.input
class RecallCouponInput:
    coupon_id: strawberry.ID


@strawberry.type
class CouponPayload:
    coupon: MemberCoupon | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SharePackInput:
    pack_id: strawberry.ID


@strawberry.type
class SharePackPayload:
    share: CouponShare | None = None
    pack: MemberCouponPack | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ClaimFromPackInput:
    token: str


@strawberry.type
class CouponSharingQuery:
    @strawberry.field(description="The landing page of a forwarded coupon; null for an unknown link.")
    @null_when_refused
    async def coupon_forward(self, info: Info, token: str) -> CouponForwardPreview | None:
        ctx = info.context
        principal = ctx.need_principal()
        preview = await forwarding.forward_preview(
            mongo=ctx.clients.mongo, merchant_id=principal.merchant_id, member_id=principal.subject_id, token=token
        )
        return CouponForwardPreview(
            template=MemberCouponTemplate.of(preview.held.template),
            sender_nickname=preview.sender_nickname,
            expires_at=preview.expires_at,
            blocked_by=refusal_error(ctx, preview.refusal, "token"),
        )

    @strawberry.field(description="The landing page of a shared pack; null for an unknown link.")
    @null_when_refused
    async def coupon_pack(self, info: Info, token: str) -> CouponPackPreview | None:
        ctx = info.context
        principal = ctx.need_principal()
        view = await packs.pack_view(
            mongo=ctx.clients.mongo, merchant_id=principal.merchant_id, member_id=principal.subject_id, token=token
        )
        return CouponPackPreview(
            pack=MemberCouponPack.of(view.pack),
            my_coupon=MemberCoupon.of(view.mine) if view.mine else None,
            blocked_by=refusal_error(ctx, view.refusal, "token"),
        )

    @strawberry.field(description="Packs the member holds to share, newest first.")
    async def my_coupon_packs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberCouponPack]:
        principal = info.context.need_principal()
        page = await packs.list_packs(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            holder=Sharer(member_id=principal.subject_id),
            first=first,
            after=from_cursor(after),
        )
        return connection(page, MemberCouponPack.of)


@strawberry.type
class CouponSharingMutation:
    @strawberry.mutation(description="Forward a coupon to a friend; sharing it again returns the same link.")
    @user_errors_in(ForwardCouponPayload)
    async def forward_coupon(self, info: Info, input: ForwardCouponInput) -> ForwardCouponPayload:
        ctx = info.context
        principal = ctx.need_principal()
        share = await forwarding.forward_coupon(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            coupon_id=node_id("Coupon", input.coupon_id, "couponId"),
        )
        return ForwardCouponPayload(share=CouponShare.of(share.link), coupon=MemberCoupon.of(share.held))

    @strawberry.mutation(description="Accept a forwarded coupon: it becomes yours.")
    @user_errors_in(CouponPayload)
    async def accept_coupon(self, info: Info, input: AcceptCouponInput) -> CouponPayload:
        ctx = info.context
        principal = ctx.need_principal()
        held = await forwarding.accept_coupon(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            token=input.token,
            on_first_touch=CouponTouch(ctx.clients.mongo, BindingSource.FORWARD_ACCEPT),
        )
        return CouponPayload(coupon=MemberCoupon.of(held))

    @strawberry.mutation(description="Take back a forward nobody has accepted yet.")
    @user_errors_in(CouponPayload)
    async def recall_coupon(self, info: Info, input: RecallCouponInput) -> CouponPayload:
        ctx = info.context
        principal = ctx.need_principal()
        held = await forwarding.recall_coupon(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            coupon_id=node_id("Coupon", input.coupon_id, "couponId"),
        )
        return CouponPayload(coupon=MemberCoupon.of(held))

    @strawberry.mutation(description="The share link of a pack you hold.")
    @user_errors_in(SharePackPayload)
    async def share_pack(self, info: Info, input: SharePackInput) -> SharePackPayload:
        ctx = info.context
        principal = ctx.need_principal()
        share = await packs.share_pack(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            holder=Sharer(member_id=principal.subject_id),
            pack_id=node_id("CouponPack", input.pack_id, "packId"),
        )
        return SharePackPayload(share=CouponShare.of(share.link), pack=MemberCouponPack.of(share.pack))

    @strawberry.mutation(description="Take one coupon from a shared pack; taking again returns the same one.")
    @user_errors_in(CouponPayload)
    async def claim_from_pack(self, info: Info, input: ClaimFromPackInput) -> CouponPayload:
        ctx = info.context
        principal = ctx.need_principal()
        claimed = await packs.claim_from_pack(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            token=input.token,
            on_first_touch=CouponTouch(ctx.clients.mongo, BindingSource.PACK_CLAIM),
        )
        return CouponPayload(coupon=MemberCoupon.of(claimed.held))
