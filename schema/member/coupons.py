"""The member's coupons: the wallet by status, one coupon with its redeem code, a template's claim page,
and claiming.
"""

from datetime import UTC, datetime

import strawberry

from domain.coupons import claims, coupon, forwarding, redemption
from domain.coupons.coupon import Held
from domain.coupons.templates import Template
from schema.common import Connection, UserError, connection
from schema.context import Context, Info
from schema.coupons import CouponBenefit, CouponShare, CouponStatus, CouponValidity
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.messages import message
from schema.mutations import node_id, null_when_refused, user_errors_in


@strawberry.type
class CouponStore:
    id: strawberry.ID
    name: str


@strawberry.type(name="CouponTemplate")
class MemberCouponTemplate:
    record: strawberry.Private[Template]
    id: strawberry.ID
    title: str
    description: str
    terms: str
    benefit: CouponBenefit
    validity: CouponValidity
    all_stores: bool
    transferable: bool
    per_member_limit: int
    remaining: int | None = strawberry.field(description="Coupons left to claim; null when the stock is unlimited.")

    @classmethod
    def of(cls, t: Template) -> "MemberCouponTemplate":
        return cls(
            record=t,
            id=to_global_id("CouponTemplate", t.id),
            title=t.title,
            description=t.description,
            terms=t.terms,
            benefit=CouponBenefit.of(t.benefit),
            validity=CouponValidity.of(t.validity),
            all_stores=t.all_stores,
            transferable=t.transferable,
            per_member_limit=t.per_member_limit,
            remaining=t.remaining,
        )

    @strawberry.field(description="The stores it is valid at; empty when allStores.")
    async def stores(self, info: Info) -> list[CouponStore]:
        loaded = await info.context.stores.load_many(list(self.record.store_ids))
        return [CouponStore(id=to_global_id("Store", s.id), name=s.name) for s in loaded if s is not None]


@strawberry.type(description="Show as a QR code; ask for a new one at `expiresAt`.")
class RedeemCode:
    code: str = strawberry.field(description="CPN- and 48 letters and digits, so staff's scanner knows it as a coupon.")
    expires_at: datetime


@strawberry.type(name="Coupon")
class MemberCoupon:
    record: strawberry.Private[coupon.Coupon]
    id: strawberry.ID
    status: CouponStatus
    template: MemberCouponTemplate
    valid_from: datetime
    valid_to: datetime
    received_at: datetime
    from_pack: bool
    locked_for_order: bool = strawberry.field(description="Held by an unpaid order; usable again if it is abandoned.")
    redeemed_at: datetime | None

    @classmethod
    def of(cls, held: Held, now: datetime | None = None) -> "MemberCoupon":
        now = now or datetime.now(UTC)
        cp = held.coupon
        return cls(
            record=cp,
            id=to_global_id("Coupon", cp.id),
            status=cp.status_at(now),
            template=MemberCouponTemplate.of(held.template),
            valid_from=cp.valid_from,
            valid_to=cp.valid_to,
            received_at=cp.chain[-1].at if cp.chain else cp.created_at,
            from_pack=cp.pack_id is not None,
            locked_for_order=cp.locked_at(now),
            redeemed_at=cp.redemption.at if cp.redemption else None,
        )

    @strawberry.field(description="While FORWARDING: the pending forward, to share it again.")
    def pending_forward(self) -> CouponShare | None:
        link = forwarding.pending_link(self.record, datetime.now(UTC))
        return CouponShare.of(link) if link else None

    @strawberry.field(description="The code staff scan to redeem it (核销); null unless it can be redeemed now.")
    def redeem_code(self, info: Info) -> RedeemCode | None:
        signer = redemption.signer_for(info.context.clients.keys)
        issued = redemption.redeem_code(signer=signer, coupon=self.record, now=datetime.now(UTC))
        return RedeemCode(code=issued.code, expires_at=issued.expires_at) if issued else None


def refusal_error(ctx: Context, code: str | None, field: str) -> UserError | None:
    return UserError(field=field, code=code, message=message(code, ctx.lang)) if code else None


@strawberry.type(description="The claim page (领券页) of one template, for the signed-in member.")
class CouponClaimPage:
    template: MemberCouponTemplate
    claimed_by_me: int = strawberry.field(description="How many of this template the member has claimed.")
    blocked_by: UserError | None = strawberry.field(description="Why the claim button would fail now; null if not.")


@strawberry.input
class ClaimCouponInput:
    template_id: strawberry.ID
    idempotency_key: str = strawberry.field(description="Made once per tap; a retry with it returns the same coupon.")


@strawberry.type
class ClaimCouponPayload:
    coupon: MemberCoupon | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CouponsQuery:
    @strawberry.field(description="The member's coupons with this status as of now, newest first.")
    async def my_coupons(
        self,
        info: Info,
        status: CouponStatus = CouponStatus.ACTIVE,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[MemberCoupon]:
        principal = info.context.need_principal()
        now = datetime.now(UTC)
        page = await coupon.list_my_coupons(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            status=status,
            first=first,
            after=from_cursor(after),
            now=now,
        )
        return connection(page, lambda held: MemberCoupon.of(held, now))

    @strawberry.field(description="One of the member's own coupons.")
    async def coupon(self, info: Info, id: strawberry.ID) -> MemberCoupon | None:
        principal = info.context.need_principal()
        coupon_id = from_global_id("Coupon", id)
        if coupon_id is None:
            return None
        held = await coupon.get_my_coupon(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            coupon_id=coupon_id,
        )
        return MemberCoupon.of(held) if held else None

    @strawberry.field(description="A template's claim page; null for an unknown or draft template.")
    @null_when_refused
    async def coupon_claim_page(self, info: Info, template_id: strawberry.ID) -> CouponClaimPage | None:
        ctx = info.context
        principal = ctx.need_principal()
        page = await claims.claim_page(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            template_id=node_id("CouponTemplate", template_id, "templateId"),
        )
        return CouponClaimPage(
            template=MemberCouponTemplate.of(page.template),
            claimed_by_me=page.claimed,
            blocked_by=refusal_error(ctx, page.refusal, "templateId"),
        )


@strawberry.type
class CouponsMutation:
    @strawberry.mutation(description="Claim one coupon of a template (领券).")
    @user_errors_in(ClaimCouponPayload)
    async def claim_coupon(self, info: Info, input: ClaimCouponInput) -> ClaimCouponPayload:
        ctx = info.context
        principal = ctx.need_principal()
        claimed = await claims.claim_coupon(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            template_id=node_id("CouponTemplate", input.template_id, "templateId"),
            idempotency_key=input.idempotency_key,
        )
        return ClaimCouponPayload(coupon=MemberCoupon.of(claimed.held))
