"""Admin-facing object types for the merchant, its stores and staff."""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain import tenancy
from domain.referrals import share_codes
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations import null_when_refused
from schema.referrals import ShareCode

StaffRole: TypeAlias = tenancy.Role
strawberry.enum(StaffRole, name="StaffRole")


@strawberry.type
class Merchant:
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, merchant: tenancy.Merchant) -> "Merchant":
        return cls(id=to_global_id("Merchant", merchant.id), name=merchant.name)


@strawberry.type
class Store:
    id: strawberry.ID
    name: str
    timezone: str
    created_at: datetime

    @classmethod
    def of(cls, store: tenancy.Store) -> "Store":
        return cls(
            id=to_global_id("Store", store.id), name=store.name, timezone=store.timezone, created_at=store.created_at
        )


@strawberry.type
class StaffMember:
    record: strawberry.Private[tenancy.Staff]
    id: strawberry.ID
    name: str
    role: StaffRole
    all_stores: bool
    created_at: datetime

    @classmethod
    def of(cls, staff: tenancy.Staff) -> "StaffMember":
        return cls(
            record=staff,
            id=to_global_id("StaffMember", staff.id),
            name=staff.name,
            role=staff.role,
            all_stores=staff.all_stores,
            created_at=staff.created_at,
        )

    @strawberry.field(description="The stores this staff member works at; empty when allStores.")
    async def stores(self, info: Info) -> list[Store]:
        viewer = await info.context.staff()
        loaded = await info.context.stores.load_many(list(self.record.store_ids))
        # A colleague may also work at stores outside the viewer's scope; those stay hidden.
        return [
            Store.of(s)
            for s in loaded
            if s is not None and s.merchant_id == viewer.merchant_id and viewer.can_see_store(s.id)
        ]

    @strawberry.field(
        description="Yours alone (null on anyone else's, and while WeChat cannot make the image): your own QR code "
        "and link (员工专属二维码), as staffShareCode gives them; members who come in through them are yours."
    )
    @null_when_refused
    async def share_code(self, info: Info) -> ShareCode | None:
        ctx = info.context
        viewer = await ctx.staff()
        if viewer.id != self.record.id:
            return None
        code = await share_codes.staff_share_code(
            mongo=ctx.clients.mongo,
            wechat=ctx.clients.wechat,
            link_base=ctx.clients.settings.share_qr_link_base,
            actor=viewer,
        )
        return ShareCode.of(code)

    @strawberry.field(description="In full for owners and managers, masked (138****1234) for other roles.")
    async def phone(self, info: Info) -> str:
        viewer = await info.context.staff()
        return tenancy.staff_phone(self.record, pii=info.context.clients.pii, viewer=viewer)
