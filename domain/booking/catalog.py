"""What a store books: services and resources (chairs, beds, rooms, car bays) with a capacity of identical units.

A service is a catalog item of kind SERVICE (domain.catalog: its name and price, the one the counter sells and
coupons name) made bookable at one store: duration, buffer after, deposit, the staff qualified to perform it and
the resource it needs. Owners and managers of the store set them up; an archived service, or one whose item is
no longer sold at the store, stays on old bookings but cannot be booked.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo, any_of
from domain.booking.access import MANAGERS, check_scope, find_store, staff_store
from domain.booking.errors import BookingCode, BookingError
from domain.catalog import CatalogItem, ItemKind, item_from_doc
from domain.tenancy import Staff, staff_from_doc

CELL_MINUTES = 5
MAX_DURATION_MIN = 12 * 60
MAX_BUFFER_MIN = 4 * 60
MAX_CAPACITY = 50


class ResourceKind(StrEnum):
    CHAIR = "CHAIR"
    BED = "BED"
    ROOM = "ROOM"
    CAR_BAY = "CAR_BAY"


@dataclass(frozen=True)
class Resource:
    id: ObjectId
    merchant_id: ObjectId
    store_id: ObjectId
    name: str
    kind: ResourceKind
    capacity: int
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class ServiceSpec:
    item_id: ObjectId
    duration_min: int
    buffer_after_min: int
    deposit_fen: int
    staff_ids: tuple[ObjectId, ...]
    resource_id: ObjectId | None


@dataclass(frozen=True)
class Service:
    id: ObjectId
    merchant_id: ObjectId
    store_id: ObjectId
    spec: ServiceSpec
    active: bool
    created_at: datetime
    # The catalog item as it is now: a price change applies to bookings made from then on.
    item: CatalogItem

    @property
    def name(self) -> str:
        return self.item.spec.name

    @property
    def price_fen(self) -> int:
        return self.item.spec.price_fen

    @property
    def deposit_fen(self) -> int:
        # The item's price may have dropped below the deposit set earlier; a deposit never exceeds the price.
        return min(self.spec.deposit_fen, self.price_fen)

    @property
    def bookable(self) -> bool:
        return self.active and self.item.sold_at(self.store_id)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.spec.duration_min)

    @property
    def occupies(self) -> timedelta:
        """How long a booking keeps its staff member and resource: the service and the buffer after it."""
        return timedelta(minutes=self.spec.duration_min + self.spec.buffer_after_min)


def service_from_doc(doc: Doc, item: CatalogItem) -> Service:
    spec = ServiceSpec(
        item_id=doc["item_id"],
        duration_min=doc["duration_min"],
        buffer_after_min=doc["buffer_after_min"],
        deposit_fen=doc["deposit_fen"],
        staff_ids=tuple(doc["staff_ids"]),
        resource_id=doc["resource_id"],
    )
    return Service(doc["_id"], doc["merchant_id"], doc["store_id"], spec, doc["active"], doc["created_at"], item)


async def _with_items(mongo: Mongo, docs: list[Doc]) -> list[Service]:
    """The services with their catalog items, in one query whatever their number."""
    ids = list({d["item_id"] for d in docs})
    merchants = list({d["merchant_id"] for d in docs})
    query = {"merchant_id": any_of(merchants), "_id": {"$in": ids}}
    found = await mongo.db[c.CATALOG_ITEMS].find(query).to_list() if ids else []
    items = {d["_id"]: item_from_doc(d) for d in found}
    return [service_from_doc(d, items[d["item_id"]]) for d in docs]


def resource_from_doc(doc: Doc) -> Resource:
    return Resource(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        store_id=doc["store_id"],
        name=doc["name"],
        kind=ResourceKind(doc["kind"]),
        capacity=doc["capacity"],
        active=doc["active"],
        created_at=doc["created_at"],
    )


def _check_name(name: str, code: BookingCode) -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise BookingError(code, "name")
    return name


def _check_minutes(value: int, low: int, high: int, field: str) -> None:
    # Occupancy cells are 5 minutes long, so a booking must cover whole cells.
    if not (low <= value <= high and value % CELL_MINUTES == 0):
        raise BookingError(BookingCode.SERVICE_INVALID, field)


async def _check_spec(mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, spec: ServiceSpec) -> ServiceSpec:
    found_item = await mongo.db[c.CATALOG_ITEMS].find_one({"_id": spec.item_id, "merchant_id": merchant_id})
    item = item_from_doc(found_item) if found_item else None
    if item is None or item.spec.kind is not ItemKind.SERVICE or not item.sold_at(store_id):
        raise BookingError(BookingCode.ITEM_NOT_BOOKABLE, "itemId")
    _check_minutes(spec.duration_min, CELL_MINUTES, MAX_DURATION_MIN, "durationMin")
    _check_minutes(spec.buffer_after_min, 0, MAX_BUFFER_MIN, "bufferAfterMin")
    if not 0 <= spec.deposit_fen <= item.spec.price_fen:
        raise BookingError(BookingCode.SERVICE_INVALID, "depositFen")
    staff_ids = tuple(dict.fromkeys(spec.staff_ids))
    if not staff_ids:
        raise BookingError(BookingCode.SERVICE_INVALID, "staffIds")
    found = await mongo.db[c.STAFF].count_documents(
        {
            "_id": {"$in": list(staff_ids)},
            "merchant_id": merchant_id,
            "active": True,
            "$or": [{"all_stores": True}, {"store_ids": store_id}],
        }
    )
    if found != len(staff_ids):
        raise BookingError(BookingCode.STAFF_NOT_FOUND, "staffIds")
    if spec.resource_id is not None:
        query = {"_id": spec.resource_id, "store_id": store_id, "merchant_id": merchant_id, "active": True}
        if await mongo.db[c.RESOURCES].find_one(query) is None:
            raise BookingError(BookingCode.RESOURCE_NOT_FOUND, "resourceId")
    return ServiceSpec(
        spec.item_id,
        spec.duration_min,
        spec.buffer_after_min,
        spec.deposit_fen,
        staff_ids,
        spec.resource_id,
    )


def _spec_fields(spec: ServiceSpec) -> dict[str, Any]:
    return {
        "item_id": spec.item_id,
        "duration_min": spec.duration_min,
        "buffer_after_min": spec.buffer_after_min,
        "deposit_fen": spec.deposit_fen,
        "staff_ids": list(spec.staff_ids),
        "resource_id": spec.resource_id,
    }


async def create_service(*, mongo: Mongo, actor: Staff, store_id: ObjectId, spec: ServiceSpec) -> Service:
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id, roles=MANAGERS)
    spec = await _check_spec(mongo, actor.merchant_id, store.id, spec)
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "store_id": store.id,
        **_spec_fields(spec),
        "active": True,
        "created_at": datetime.now(UTC),
    }
    await mongo.db[c.SERVICES].insert_one(doc)
    return (await _with_items(mongo, [doc]))[0]


async def update_service(
    *, mongo: Mongo, actor: Staff, service_id: ObjectId, spec: ServiceSpec, active: bool
) -> Service:
    """Changes apply to bookings made from now on; existing bookings keep the times they were made with."""
    current = await get_service(mongo=mongo, merchant_id=actor.merchant_id, service_id=service_id)
    if current is None:
        raise BookingError(BookingCode.SERVICE_NOT_FOUND, "id")
    check_scope(actor, current.store_id, MANAGERS)
    spec = await _check_spec(mongo, actor.merchant_id, current.store_id, spec)
    doc = await mongo.db[c.SERVICES].find_one_and_update(
        {"merchant_id": current.merchant_id, "_id": current.id},
        {"$set": {**_spec_fields(spec), "active": active}},
        return_document=True,
    )
    if doc is None:
        raise BookingError(BookingCode.SERVICE_NOT_FOUND, "id")
    return (await _with_items(mongo, [doc]))[0]


async def get_service(*, mongo: Mongo, merchant_id: ObjectId, service_id: ObjectId) -> Service | None:
    doc = await mongo.db[c.SERVICES].find_one({"_id": service_id, "merchant_id": merchant_id})
    return (await _with_items(mongo, [doc]))[0] if doc else None


async def list_services(
    *, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId, bookable_only: bool
) -> list[Service]:
    query: Doc = {"merchant_id": merchant_id, "store_id": store_id, **({"active": True} if bookable_only else {})}
    services = await _with_items(mongo, await mongo.db[c.SERVICES].find(query).sort("_id", 1).to_list())
    return [s for s in services if s.bookable] if bookable_only else services


def _check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise BookingError(BookingCode.RESOURCE_INVALID, "capacity")


async def create_resource(
    *, mongo: Mongo, actor: Staff, store_id: ObjectId, name: str, kind: ResourceKind, capacity: int
) -> Resource:
    store = await staff_store(mongo=mongo, actor=actor, store_id=store_id, roles=MANAGERS)
    _check_capacity(capacity)
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "store_id": store.id,
        "name": _check_name(name, BookingCode.RESOURCE_INVALID),
        "kind": kind.value,
        "capacity": capacity,
        "active": True,
        "created_at": datetime.now(UTC),
    }
    await mongo.db[c.RESOURCES].insert_one(doc)
    return resource_from_doc(doc)


async def update_resource(
    *, mongo: Mongo, actor: Staff, resource_id: ObjectId, name: str, capacity: int, active: bool
) -> Resource:
    """A lower capacity keeps existing bookings on the removed units; new bookings use the remaining ones."""
    doc = await mongo.db[c.RESOURCES].find_one({"_id": resource_id, "merchant_id": actor.merchant_id})
    if doc is None:
        raise BookingError(BookingCode.RESOURCE_NOT_FOUND, "id")
    check_scope(actor, doc["store_id"], MANAGERS)
    _check_capacity(capacity)
    changes = {"name": _check_name(name, BookingCode.RESOURCE_INVALID), "capacity": capacity, "active": active}
    updated = await mongo.db[c.RESOURCES].find_one_and_update(
        {"merchant_id": actor.merchant_id, "_id": resource_id}, {"$set": changes}, return_document=True
    )
    if updated is None:
        raise BookingError(BookingCode.RESOURCE_NOT_FOUND, "id")
    return resource_from_doc(updated)


async def list_resources(*, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> list[Resource]:
    query = {"merchant_id": merchant_id, "store_id": store_id}
    docs = await mongo.db[c.RESOURCES].find(query).sort("_id", 1).to_list()
    return [resource_from_doc(d) for d in docs]


@dataclass(frozen=True)
class Offer:
    """A bookable service with the staff members a member can choose from."""

    service: Service
    staff: list[Staff]


async def offers(*, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> list[Offer] | None:
    """The store's bookable services, in four queries; None for a store that is not the merchant's."""
    store = await find_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    if store is None:
        return None
    services = await list_services(mongo=mongo, merchant_id=store.merchant_id, store_id=store.id, bookable_only=True)
    ids = list({sid for s in services for sid in s.spec.staff_ids})
    docs = await mongo.db[c.STAFF].find({"_id": {"$in": ids}, "active": True}).to_list() if ids else []
    staff = {d["_id"]: staff_from_doc(d) for d in docs}
    return [Offer(s, [staff[i] for i in s.spec.staff_ids if i in staff]) for s in services]
