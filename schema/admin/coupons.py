"""Coupon templates and packs in the admin app: create a template, move its status, list them, grant a pack
to a member or staff member, and (for a staff holder) share it.
"""

from datetime import UTC, datetime
from typing import TypeAlias

import strawberry
from bson import ObjectId

from domain.coupons import packs, templates
from domain.coupons.templates import Benefit, Template, TemplateDraft, TemplateStatus, Validity
from domain.coupons.touch import Sharer
from schema.admin.types import Store
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.coupons import CouponBenefit, CouponKind, CouponShare, CouponValidity
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, node_ids, null_when_refused, user_errors_in

CouponTemplateStatus: TypeAlias = TemplateStatus
strawberry.enum(
    CouponTemplateStatus, name="CouponTemplateStatus", description="ENDED also once a fixed window is over."
)


@strawberry.type(name="CouponTemplate")
class AdminCouponTemplate:
    record: strawberry.Private[Template]
    id: strawberry.ID
    title: str
    description: str
    terms: str
    benefit: CouponBenefit
    validity: CouponValidity
    all_stores: bool
    stock: int | None = strawberry.field(description="Total coupons; null for unlimited.")
    issued: int = strawberry.field(description="Coupons handed out so far (claims and granted packs).")
    remaining: int | None
    per_member_limit: int
    transferable: bool
    status: CouponTemplateStatus
    created_at: datetime

    @classmethod
    def of(cls, t: Template, now: datetime) -> "AdminCouponTemplate":
        return cls(
            record=t,
            id=to_global_id("CouponTemplate", t.id),
            title=t.title,
            description=t.description,
            terms=t.terms,
            benefit=CouponBenefit.of(t.benefit),
            validity=CouponValidity.of(t.validity),
            all_stores=t.all_stores,
            stock=t.stock,
            issued=t.issued,
            remaining=t.remaining,
            per_member_limit=t.per_member_limit,
            transferable=t.transferable,
            status=t.status_at(now),
            created_at=t.created_at,
        )

    @strawberry.field(description="The stores it is valid at; empty when allStores.")
    async def stores(self, info: Info) -> list[Store]:
        loaded = await info.context.stores.load_many(list(self.record.store_ids))
        return [Store.of(s) for s in loaded if s is not None]


@strawberry.type(name="CouponPack")
class AdminCouponPack:
    id: strawberry.ID
    template: AdminCouponTemplate
    size: int
    taken: int
    remaining: int
    holder_member_id: strawberry.ID | None
    holder_staff_member_id: strawberry.ID | None
    shared_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, held: packs.HeldPack) -> "AdminCouponPack":
        p = held.pack
        return cls(
            id=to_global_id("CouponPack", p.id),
            template=AdminCouponTemplate.of(held.template, datetime.now(UTC)),
            size=p.size,
            taken=p.taken,
            remaining=p.remaining,
            holder_member_id=to_global_id("Member", p.holder.member_id) if p.holder.member_id else None,
            holder_staff_member_id=to_global_id("StaffMember", p.holder.staff_id) if p.holder.staff_id else None,
            shared_at=p.shared_at,
            created_at=p.created_at,
        )


@strawberry.input
class CreateCouponTemplateInput:
    kind: CouponKind
    title: str
    description: str = ""
    terms: str = strawberry.field(default="", description="使用须知, shown on the claim page.")
    value_fen: int = strawberry.field(default=0, description="AMOUNT_OFF: fen off. EXPERIENCE: the service's price.")
    percent_off_bp: int = strawberry.field(default=0, description="PERCENT_OFF: basis points off, 1-9999.")
    cap_fen: int | None = strawberry.field(default=None, description="PERCENT_OFF: the most it takes off.")
    minimum_spend_fen: int = 0
    item_id: str | None = strawberry.field(default=None, description="GIFT / EXPERIENCE: the catalog item.")
    item_name: str | None = None
    valid_from: datetime | None = strawberry.field(default=None, description="A fixed window: with validTo.")
    valid_to: datetime | None = None
    valid_days: int | None = strawberry.field(default=None, description="Or: valid this many days from receipt.")
    all_stores: bool = True
    store_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    stock: int | None = strawberry.field(default=None, description="Total coupons; null for unlimited.")
    per_member_limit: int = 1
    transferable: bool = True

    def draft(self, store_ids: list[ObjectId]) -> TemplateDraft:
        return TemplateDraft(
            title=self.title,
            description=self.description,
            terms=self.terms,
            benefit=Benefit(
                kind=self.kind,
                value_fen=self.value_fen,
                percent_off_bp=self.percent_off_bp,
                cap_fen=self.cap_fen,
                minimum_spend_fen=self.minimum_spend_fen,
                item_id=self.item_id,
                item_name=self.item_name,
            ),
            validity=Validity(self.valid_from, self.valid_to, self.valid_days),
            all_stores=self.all_stores,
            store_ids=tuple(store_ids),
            stock=self.stock,
            per_member_limit=self.per_member_limit,
            transferable=self.transferable,
        )


@strawberry.type
class CouponTemplatePayload:
    template: AdminCouponTemplate | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetCouponTemplateStatusInput:
    template_id: strawberry.ID
    status: CouponTemplateStatus


@strawberry.input
class GrantPackInput:
    template_id: strawberry.ID
    member_id: strawberry.ID | None = strawberry.field(default=None, description="The holder: a member ...")
    staff_member_id: strawberry.ID | None = strawberry.field(default=None, description="... or a staff member.")
    size: int
    idempotency_key: str


@strawberry.type
class CouponPackPayload:
    pack: AdminCouponPack | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SharePackInput:
    pack_id: strawberry.ID


@strawberry.type
class SharePackPayload:
    share: CouponShare | None = None
    pack: AdminCouponPack | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CouponTemplatesQuery:
    @strawberry.field(description="OWNER or MANAGER: templates valid at your stores, newest first.")
    async def coupon_templates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AdminCouponTemplate]:
        now = datetime.now(UTC)
        page = await templates.list_templates(
            mongo=info.context.clients.mongo, actor=await info.context.staff(), first=first, after=from_cursor(after)
        )
        return connection(page, lambda t: AdminCouponTemplate.of(t, now))

    @strawberry.field
    @null_when_refused
    async def coupon_template(self, info: Info, id: strawberry.ID) -> AdminCouponTemplate | None:
        t = await templates.get_template(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            template_id=node_id("CouponTemplate", id, "id"),
        )
        return AdminCouponTemplate.of(t, datetime.now(UTC))

    @strawberry.field(description="Packs you hold as a staff member, to share, newest first.")
    async def my_coupon_packs(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AdminCouponPack]:
        actor = await info.context.staff()
        page = await packs.list_packs(
            mongo=info.context.clients.mongo,
            merchant_id=actor.merchant_id,
            holder=Sharer(staff_id=actor.id),
            first=first,
            after=from_cursor(after),
        )
        return connection(page, AdminCouponPack.of)


@strawberry.type
class CouponTemplatesMutation:
    @strawberry.mutation(description="OWNER or MANAGER, within your stores: a new template, in DRAFT.")
    @user_errors_in(CouponTemplatePayload)
    async def create_coupon_template(self, info: Info, input: CreateCouponTemplateInput) -> CouponTemplatePayload:
        ctx = info.context
        actor = await ctx.staff()
        draft = input.draft(node_ids("Store", input.store_ids, "storeIds"))
        t = await templates.create_template(mongo=ctx.clients.mongo, actor=actor, draft=draft)
        return CouponTemplatePayload(template=AdminCouponTemplate.of(t, t.created_at))

    @strawberry.mutation(description="DRAFT → ACTIVE ⇄ PAUSED → ENDED (ENDED is final).")
    @user_errors_in(CouponTemplatePayload)
    async def set_coupon_template_status(
        self, info: Info, input: SetCouponTemplateStatusInput
    ) -> CouponTemplatePayload:
        ctx = info.context
        t = await templates.set_template_status(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            template_id=node_id("CouponTemplate", input.template_id, "templateId"),
            status=input.status,
        )
        return CouponTemplatePayload(template=AdminCouponTemplate.of(t, datetime.now(UTC)))

    @strawberry.mutation(description="OWNER or MANAGER: a pack (积客包) of `size` coupons, taken from the stock.")
    @user_errors_in(CouponPackPayload)
    async def grant_pack(self, info: Info, input: GrantPackInput) -> CouponPackPayload:
        ctx = info.context
        actor = await ctx.staff()
        template_id = node_id("CouponTemplate", input.template_id, "templateId")
        holder = Sharer(
            member_id=node_id("Member", input.member_id, "memberId"),
            staff_id=node_id("StaffMember", input.staff_member_id, "staffMemberId"),
        )
        held = await packs.grant_pack(
            mongo=ctx.clients.mongo,
            actor=actor,
            template_id=template_id,
            holder=holder,
            size=input.size,
            idempotency_key=input.idempotency_key,
        )
        return CouponPackPayload(pack=AdminCouponPack.of(held))

    @strawberry.mutation(description="The share link of a pack you hold as a staff member.")
    @user_errors_in(SharePackPayload)
    async def share_pack(self, info: Info, input: SharePackInput) -> SharePackPayload:
        ctx = info.context
        actor = await ctx.staff()
        share = await packs.share_pack(
            mongo=ctx.clients.mongo,
            merchant_id=actor.merchant_id,
            holder=Sharer(staff_id=actor.id),
            pack_id=node_id("CouponPack", input.pack_id, "packId"),
        )
        return SharePackPayload(share=CouponShare.of(share.link), pack=AdminCouponPack.of(share.pack))
