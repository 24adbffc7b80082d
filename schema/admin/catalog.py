"""The catalog for owners and managers: services and products with their price and the stores that sell them;
every staff role reads what a store sells, for the counter.
"""

from datetime import datetime
from typing import TypeAlias

import strawberry
from bson import ObjectId

from domain import catalog
from domain.errors import DomainError
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, from_global_ids, to_global_id

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


def _spec(
    kind: CatalogItemKind, name: str, price_fen: int, all_stores: bool, store_gids: list[strawberry.ID]
) -> catalog.ItemSpec | None:
    store_ids = from_global_ids("Store", store_gids)
    if store_ids is None:
        return None
    return catalog.ItemSpec(kind, name, price_fen, all_stores, tuple(store_ids))


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Oldest first. With a store: what it sells (any role; null for a store not yours).")
    async def catalog_items(
        self,
        info: Info,
        store_id: strawberry.ID | None = None,
        include_inactive: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[CatalogItem] | None:
        ctx = info.context
        actor = await ctx.staff()
        store_oid: ObjectId | None = from_global_id("Store", store_id) if store_id else None
        if store_id and store_oid is None:
            return None
        try:
            page = await catalog.list_items(
                mongo=ctx.clients.mongo,
                actor=actor,
                store_id=store_oid,
                include_inactive=include_inactive,
                first=first,
                after=from_cursor(after),
            )
        except DomainError:
            return None
        return connection(page, CatalogItem.of)

    @strawberry.field
    async def catalog_item(self, info: Info, id: strawberry.ID) -> CatalogItem | None:
        ctx = info.context
        actor = await ctx.staff()
        item_id = from_global_id("CatalogItem", id)
        if item_id is None:
            return None
        try:
            return CatalogItem.of(await catalog.get_item(mongo=ctx.clients.mongo, actor=actor, item_id=item_id))
        except DomainError:
            return None


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="OWNER or MANAGER: a service or product, sold at all stores or some of yours.")
    async def create_catalog_item(self, info: Info, input: CreateCatalogItemInput) -> CatalogItemPayload:
        ctx = info.context
        actor = await ctx.staff()
        spec = _spec(input.kind, input.name, input.price_fen, input.all_stores, input.store_ids)
        if spec is None:
            return CatalogItemPayload(user_errors=ctx.invalid_id("storeIds"))
        try:
            item = await catalog.create_item(mongo=ctx.clients.mongo, actor=actor, spec=spec)
        except DomainError as e:
            return CatalogItemPayload(user_errors=ctx.user_errors(e))
        return CatalogItemPayload(catalog_item=CatalogItem.of(item))

    @strawberry.mutation(description="OWNER or MANAGER: new price or stores apply to orders made from now on.")
    async def update_catalog_item(self, info: Info, input: UpdateCatalogItemInput) -> CatalogItemPayload:
        ctx = info.context
        actor = await ctx.staff()
        item_id = from_global_id("CatalogItem", input.id)
        if item_id is None:
            return CatalogItemPayload(user_errors=ctx.invalid_id("id"))
        spec = _spec(input.kind, input.name, input.price_fen, input.all_stores, input.store_ids)
        if spec is None:
            return CatalogItemPayload(user_errors=ctx.invalid_id("storeIds"))
        try:
            item = await catalog.update_item(
                mongo=ctx.clients.mongo, actor=actor, item_id=item_id, spec=spec, active=input.active
            )
        except DomainError as e:
            return CatalogItemPayload(user_errors=ctx.user_errors(e))
        return CatalogItemPayload(catalog_item=CatalogItem.of(item))
