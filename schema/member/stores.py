"""The member's merchant's stores, for the mini-program to offer a choice when no store QR code named one
(booking, the queue, 扫码买单).
"""

import strawberry

from domain import tenancy
from schema.context import Info
from schema.ids import to_global_id


@strawberry.type(name="Store")
class MemberStore:
    id: strawberry.ID
    name: str
    timezone: str = strawberry.field(description="IANA name; the store's days and hours are in it.")

    @classmethod
    def of(cls, store: tenancy.Store) -> "MemberStore":
        return cls(id=to_global_id("Store", store.id), name=store.name, timezone=store.timezone)


@strawberry.type
class StoresQuery:
    @strawberry.field(description="The merchant's stores, oldest first (at most 100).")
    async def stores(self, info: Info) -> list[MemberStore]:
        principal = info.context.need_principal()
        found = await tenancy.merchant_stores(mongo=info.context.clients.mongo, merchant_id=principal.merchant_id)
        return [MemberStore.of(s) for s in found]
