"""The catalog (商品与服务): what a merchant sells at the counter, each item with its price in fen and the stores
it is sold at. Owners and managers keep it; orders copy name and price onto their lines, so a later price
change never alters an order already made.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from db import collections as c
from db.mongo import Doc, Mongo
from domain.errors import DomainError, PermissionDenied
from domain.pagination import Page, clamp
from domain.tenancy import Role, Staff, TenancyCode, TenancyError, audit

MAX_PRICE_FEN = 100_000_000
MAX_NAME = 64
ALL_STORES = "*"


class CatalogCode(StrEnum):
    CATALOG_ITEM_INVALID = "CATALOG_ITEM_INVALID"
    CATALOG_ITEM_NOT_FOUND = "CATALOG_ITEM_NOT_FOUND"


class CatalogError(DomainError):
    pass


class ItemKind(StrEnum):
    SERVICE = "SERVICE"
    PRODUCT = "PRODUCT"


@dataclass(frozen=True)
class ItemSpec:
    kind: ItemKind
    name: str
    price_fen: int
    all_stores: bool
    store_ids: tuple[ObjectId, ...]


@dataclass(frozen=True)
class CatalogItem:
    id: ObjectId
    merchant_id: ObjectId
    spec: ItemSpec
    active: bool
    created_at: datetime

    def sold_at(self, store_id: ObjectId) -> bool:
        return self.active and (self.spec.all_stores or store_id in self.spec.store_ids)


async def visible_store(mongo: Mongo, actor: Staff, store_id: ObjectId) -> None:
    """Refuses a store that is not the actor's merchant's, or not in their scope, as not found."""
    found = await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": actor.merchant_id}, {"_id": 1})
    if found is None or not actor.can_see_store(store_id):
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")


def item_from_doc(doc: Doc) -> CatalogItem:
    spec = ItemSpec(
        kind=ItemKind(doc["kind"]),
        name=doc["name"],
        price_fen=doc["price_fen"],
        all_stores=doc["all_stores"],
        store_ids=tuple(doc["store_ids"]),
    )
    return CatalogItem(doc["_id"], doc["merchant_id"], spec, doc["active"], doc["created_at"])


def _require_manager(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


async def _checked(mongo: Mongo, actor: Staff, spec: ItemSpec) -> ItemSpec:
    name = spec.name.strip()
    if not name or len(name) > MAX_NAME:
        raise CatalogError(CatalogCode.CATALOG_ITEM_INVALID, "name")
    if not 0 <= spec.price_fen <= MAX_PRICE_FEN:
        raise CatalogError(CatalogCode.CATALOG_ITEM_INVALID, "priceFen")
    # An item sold everywhere is a merchant-wide decision; a manager of some stores sells at those only.
    if spec.all_stores:
        if not actor.all_stores:
            raise PermissionDenied()
        return ItemSpec(spec.kind, name, spec.price_fen, True, ())
    wanted = sorted(set(spec.store_ids))
    if not wanted:
        raise TenancyError(TenancyCode.STORES_REQUIRED, "storeIds")
    found = await mongo.db[c.STORES].count_documents({"merchant_id": actor.merchant_id, "_id": {"$in": wanted}})
    if found != len(wanted):
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeIds")
    if not all(actor.can_see_store(s) for s in wanted):
        raise PermissionDenied()
    return ItemSpec(spec.kind, name, spec.price_fen, False, tuple(wanted))


def _spec_fields(spec: ItemSpec) -> Doc:
    return {
        "kind": spec.kind.value,
        "name": spec.name,
        "price_fen": spec.price_fen,
        "all_stores": spec.all_stores,
        "store_ids": list(spec.store_ids),
        # The availability as one array, so "sold at this store" is a single `$in` on an index.
        "scope": [ALL_STORES] if spec.all_stores else [str(s) for s in spec.store_ids],
    }


async def create_item(*, mongo: Mongo, actor: Staff, spec: ItemSpec) -> CatalogItem:
    _require_manager(actor)
    spec = await _checked(mongo, actor, spec)
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        **_spec_fields(spec),
        "active": True,
        "created_at": datetime.now(UTC),
    }
    await mongo.db[c.CATALOG_ITEMS].insert_one(doc)
    await audit(mongo=mongo, actor=actor, action="catalog_item.create", target=doc["_id"], price=spec.price_fen)
    return item_from_doc(doc)


def _covers(actor: Staff, item: CatalogItem) -> bool:
    if item.spec.all_stores:
        return actor.all_stores
    return all(actor.can_see_store(s) for s in item.spec.store_ids)


async def update_item(*, mongo: Mongo, actor: Staff, item_id: ObjectId, spec: ItemSpec, active: bool) -> CatalogItem:
    """Changes apply to orders made from now on; an inactive item is no longer sold anywhere."""
    _require_manager(actor)
    current = await get_item(mongo=mongo, actor=actor, item_id=item_id)
    if not _covers(actor, current):
        raise PermissionDenied()
    spec = await _checked(mongo, actor, spec)
    doc = await mongo.db[c.CATALOG_ITEMS].find_one_and_update(
        {"_id": item_id, "merchant_id": actor.merchant_id},
        {"$set": {**_spec_fields(spec), "active": active}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise CatalogError(CatalogCode.CATALOG_ITEM_NOT_FOUND, "id")
    await audit(mongo=mongo, actor=actor, action="catalog_item.update", target=item_id, price=spec.price_fen)
    return item_from_doc(doc)


def _visible(actor: Staff, item: CatalogItem) -> bool:
    return actor.all_stores or item.spec.all_stores or any(actor.can_see_store(s) for s in item.spec.store_ids)


async def get_item(*, mongo: Mongo, actor: Staff, item_id: ObjectId) -> CatalogItem:
    doc = await mongo.db[c.CATALOG_ITEMS].find_one({"_id": item_id, "merchant_id": actor.merchant_id})
    item = item_from_doc(doc) if doc else None
    if item is None or not _visible(actor, item):
        raise CatalogError(CatalogCode.CATALOG_ITEM_NOT_FOUND, "id")
    return item


async def list_items(
    *,
    mongo: Mongo,
    actor: Staff,
    store_id: ObjectId | None,
    include_inactive: bool,
    first: int | None,
    after: ObjectId | None,
) -> Page[CatalogItem]:
    """Oldest first; with a store, what is sold there (the counter's list), else all the actor may see.
    A store outside the actor's merchant or scope is STORE_NOT_FOUND."""
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": actor.merchant_id}
    if after is not None:
        query["_id"] = {"$gt": after}
    if store_id is not None:
        await visible_store(mongo, actor, store_id)
        query["scope"] = {"$in": [ALL_STORES, str(store_id)]}
    elif not actor.all_stores:
        query["scope"] = {"$in": [ALL_STORES, *(str(s) for s in actor.store_ids)]}
    if not include_inactive:
        query["active"] = True
    docs = await mongo.db[c.CATALOG_ITEMS].find(query).sort("_id", 1).limit(limit + 1).to_list()
    return Page([(d["_id"], item_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def items_for_order(
    *, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, item_ids: list[ObjectId]
) -> dict[ObjectId, CatalogItem]:
    """The items of a cart that are sold at the store now, by id; the caller refuses any that are missing."""
    docs = await mongo.db[c.CATALOG_ITEMS].find({"_id": {"$in": item_ids}, "merchant_id": merchant_id}).to_list()
    items = (item_from_doc(d) for d in docs)
    return {item.id: item for item in items if item.sold_at(store_id)}
