"""Redeeming (核销) a coupon at the counter: staff scan the member's code at one of their stores, see what it
names first (`couponByCode`), then redeem it.

A second scan of a used coupon says when, where and by whom it was used, in the message and in
`redemption`, so the cashier can answer the customer on the spot.
"""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry

from domain.coupons import redemption
from domain.coupons.coupon import Coupon
from domain.coupons.redemption import RedemptionView
from domain.errors import DomainError
from schema.admin.coupons import AdminCouponTemplate
from schema.common import UserError
from schema.context import Context, Info
from schema.coupons import CouponStatus
from schema.ids import to_global_id
from schema.messages import EN
from schema.mutations import node_id, refused_as, user_errors_in

CODE_FORMAT = (
    "The coupon's redeem code from the member's QR code: CPN- and 48 letters and digits (a member code starts "
    "MBR-, a payment code is digits only). CPN- may be left out when typed by hand."
)


@strawberry.type(name="CouponHandOver", description="One forward accepted: from one member to another.")
class CouponHandOver:
    from_member_id: strawberry.ID
    to_member_id: strawberry.ID
    at: datetime


@strawberry.type(name="Coupon")
class AdminCoupon:
    id: strawberry.ID
    status: CouponStatus
    template: AdminCouponTemplate
    owner_member_id: strawberry.ID
    valid_from: datetime
    valid_to: datetime
    pack_id: strawberry.ID | None
    sharer_member_id: strawberry.ID | None = strawberry.field(description="Who shared it (pack holder), if anyone.")
    source_staff_member_id: strawberry.ID | None = strawberry.field(description="The staff member whose pack it was.")
    hand_overs: list[CouponHandOver]

    @classmethod
    def of(cls, coupon: Coupon, template: AdminCouponTemplate, now: datetime) -> "AdminCoupon":
        src = coupon.source
        return cls(
            id=to_global_id("Coupon", coupon.id),
            status=coupon.status_at(now),
            template=template,
            owner_member_id=to_global_id("Member", coupon.owner_id),
            valid_from=coupon.valid_from,
            valid_to=coupon.valid_to,
            pack_id=to_global_id("CouponPack", coupon.pack_id) if coupon.pack_id else None,
            sharer_member_id=to_global_id("Member", src.member_id) if src.member_id else None,
            source_staff_member_id=to_global_id("StaffMember", src.staff_id) if src.staff_id else None,
            hand_overs=[
                CouponHandOver(
                    from_member_id=to_global_id("Member", h.from_id),
                    to_member_id=to_global_id("Member", h.to_id),
                    at=h.at,
                )
                for h in coupon.chain
            ],
        )


@strawberry.type(description="When, where and by whom (or for which order) a coupon was used.")
class CouponRedemption:
    at: datetime
    store_id: strawberry.ID
    store_name: str | None
    staff_member_id: strawberry.ID | None
    staff_name: str | None
    order_id: strawberry.ID | None

    @classmethod
    def of(cls, view: RedemptionView) -> "CouponRedemption":
        return cls(
            at=view.at,
            store_id=to_global_id("Store", view.store_id),
            store_name=view.store_name,
            staff_member_id=to_global_id("StaffMember", view.staff_id) if view.staff_id else None,
            staff_name=view.staff_name,
            order_id=to_global_id("Order", view.order_id) if view.order_id else None,
        )


@strawberry.input
class RedeemCouponInput:
    code: str = strawberry.field(description=CODE_FORMAT)
    store_id: strawberry.ID
    idempotency_key: str = strawberry.field(description="Made once per scan; a retry returns the same redemption.")


@strawberry.type
class RedeemCouponPayload:
    coupon: AdminCoupon | None = None
    redemption: CouponRedemption | None = strawberry.field(
        default=None, description="This redemption, or on ALREADY_REDEEMED the earlier one."
    )
    replayed: bool = strawberry.field(default=False, description="True when an idempotency key was seen before.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _already_redeemed(ctx: Context, error: DomainError, view: RedemptionView) -> list[UserError]:
    """The plain message plus when (in the store's time zone), where and by whom, in the request's language."""
    [base] = ctx.user_errors(error)
    when = view.at.astimezone(ZoneInfo(view.timezone)).strftime("%Y-%m-%d %H:%M")
    store = view.store_name or "?"
    if ctx.lang == EN:
        who = view.staff_name or "an online order"
        text = f"{base.message} On {when} at {store} by {who}."
    else:
        who = view.staff_name or "线上订单"
        text = f"{base.message}：{when} 于{store}，由{who}核销"
    return [UserError(field=base.field, code=base.code, message=text)]


def _explained(ctx: Context, error: DomainError) -> list[UserError]:
    """The refusal as user errors; ALREADY_REDEEMED says when, where and by whom."""
    view = error.detail.get("redemption")
    return _already_redeemed(ctx, error, view) if isinstance(view, RedemptionView) else ctx.user_errors(error)


def _refused(ctx: Context, error: DomainError) -> RedeemCouponPayload:
    """ALREADY_REDEEMED comes with the earlier redemption, in `redemption` and the message; other refusals plain."""
    view = error.detail.get("redemption")
    return RedeemCouponPayload(
        redemption=CouponRedemption.of(view) if isinstance(view, RedemptionView) else None,
        user_errors=_explained(ctx, error),
    )


@strawberry.type(description="What a scanned redeem code names, before redeeming it; nothing has changed.")
class CouponPreview:
    coupon: AdminCoupon = strawberry.field(
        description="Its status as of now, template (title, benefit with its conditions, terms, stores) and validity."
    )
    member_name: str = strawberry.field(description="The owner's nickname, or 微信用户 without one.")
    redemption: CouponRedemption | None = strawberry.field(description="When, where and by whom, once REDEEMED.")
    code_expires_at: datetime = strawberry.field(description="When the scanned code stops working (about a minute).")
    refusal: UserError | None = strawberry.field(
        description="What redeemCoupon would answer at this store now (same code and message); null: it would redeem."
    )


@strawberry.type
class CouponPreviewPayload:
    preview: CouponPreview | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CouponRedemptionQuery:
    @strawberry.field(
        description="Any staff role, at a store in your scope: the coupon a scanned redeem code names, to check "
        "before redeemCoupon. REDEEM_CODE_INVALID when the code names no coupon of yours."
    )
    @user_errors_in(CouponPreviewPayload)
    async def coupon_by_code(
        self, info: Info, store_id: strawberry.ID, code: Annotated[str, strawberry.argument(description=CODE_FORMAT)]
    ) -> CouponPreviewPayload:
        ctx = info.context
        now = datetime.now(UTC)
        preview = await redemption.preview_code(
            mongo=ctx.clients.mongo,
            signer=redemption.signer_for(ctx.clients.keys),
            actor=await ctx.staff(),
            code=code,
            store_id=node_id("Store", store_id, "storeId"),
            now=now,
        )
        template = AdminCouponTemplate.of(preview.held.template, now)
        return CouponPreviewPayload(
            preview=CouponPreview(
                coupon=AdminCoupon.of(preview.held.coupon, template, now),
                member_name=preview.member_name,
                redemption=CouponRedemption.of(preview.redemption) if preview.redemption else None,
                code_expires_at=preview.code_expires_at,
                refusal=_explained(ctx, preview.refusal)[0] if preview.refusal else None,
            )
        )


@strawberry.type
class CouponRedemptionMutation:
    @strawberry.mutation(description="Any staff role, at a store within your scope: mark the coupon REDEEMED once.")
    @refused_as(_refused)
    async def redeem_coupon(self, info: Info, input: RedeemCouponInput) -> RedeemCouponPayload:
        ctx = info.context
        redeemed = await redemption.redeem_coupon(
            mongo=ctx.clients.mongo,
            signer=redemption.signer_for(ctx.clients.keys),
            actor=await ctx.staff(),
            code=input.code,
            store_id=node_id("Store", input.store_id, "storeId"),
            idempotency_key=input.idempotency_key,
        )
        at = redeemed.redemption.at
        template = AdminCouponTemplate.of(redeemed.held.template, at)
        return RedeemCouponPayload(
            coupon=AdminCoupon.of(redeemed.held.coupon, template, at),
            redemption=CouponRedemption.of(redeemed.redemption),
            replayed=redeemed.replayed,
        )
