"""The catalog for owners and managers: services and products with their price and the stores that sell them;
every staff role reads what a store sells, for the counter.
"""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain import catalog
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, node_ids, null_when_refused, user_errors_in

CatalogItemKind: TypeAlias = catalog.ItemKind
strawberry.enum(CatalogItemKind, name="CatalogItemKind")


@strawberry.type
class CatalogItem:
    id: strawberry.ID
    kind: CatalogItemKind
    name: str
    price_fen: int
    all_stores: bool
    store_ids: list[strawberry.ID] = strawberry.field(description="Where it is sold; empty when allStores.")
    active: bool
    coupon_item_id: str = strawberry.field(
        description="What a GIFT or EXPERIENCE coupon template names as its itemId to apply to this item."
    )
    created_at: datetime

    @classmethod
    def of(cls, item: catalog.CatalogItem) -> "CatalogItem":
        spec = item.spec
        return cls(
            id=to_global_id("CatalogItem", item.id),
            kind=spec.kind,
            name=spec.name,
            price_fen=spec.price_fen,
            all_stores=spec.all_stores,
            store_ids=[to_global_id("Store", s) for s in spec.store_ids],
            active=item.active,
            coupon_item_id=str(item.id),
            created_at=item.created_at,
        )


@strawberry.input
class CreateCatalogItemInput:
    kind: CatalogItemKind
    name: str
    price_fen: int
    all_stores: bool = True
    store_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateCatalogItemInput:
    id: strawberry.ID
    kind: CatalogItemKind
    name: str
    price_fen: int
    all_stores: bool = True
    store_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    active: bool = True


@strawberry.type
class CatalogItemPayload:
    catalog_item: CatalogItem | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _spec(input: CreateCatalogItemInput | UpdateCatalogItemInput) -> catalog.ItemSpec:
    store_ids = node_ids("Store", input.store_ids, "storeIds")
    return catalog.ItemSpec(input.kind, input.name, input.price_fen, input.all_stores, tuple(store_ids))


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Oldest first. With a store: what it sells (any role; null for a store not yours).")
    @null_when_refused
    async def catalog_items(
        self,
        info: Info,
        store_id: strawberry.ID | None = None,
        include_inactive: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CatalogItem] | None:
        ctx = info.context
        page = await catalog.list_items(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            include_inactive=include_inactive,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, CatalogItem.of)

    @strawberry.field
    @null_when_refused
    async def catalog_item(self, info: Info, id: strawberry.ID) -> CatalogItem | None:
        ctx = info.context
        item = await catalog.get_item(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), item_id=node_id("CatalogItem", id, "id")
        )
        return CatalogItem.of(item)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="OWNER or MANAGER: a service or product, sold at all stores or some of yours.")
    @user_errors_in(CatalogItemPayload)
    async def create_catalog_item(self, info: Info, input: CreateCatalogItemInput) -> CatalogItemPayload:
        ctx = info.context
        item = await catalog.create_item(mongo=ctx.clients.mongo, actor=await ctx.staff(), spec=_spec(input))
        return CatalogItemPayload(catalog_item=CatalogItem.of(item))

    @strawberry.mutation(description="OWNER or MANAGER: new price or stores apply to orders made from now on.")
    @user_errors_in(CatalogItemPayload)
    async def update_catalog_item(self, info: Info, input: UpdateCatalogItemInput) -> CatalogItemPayload:
        ctx = info.context
        item = await catalog.update_item(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            item_id=node_id("CatalogItem", input.id, "id"),
            spec=_spec(input),
            active=input.active,
        )
        return CatalogItemPayload(catalog_item=CatalogItem.of(item))
