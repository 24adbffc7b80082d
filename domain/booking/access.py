"""Who may reach which store's bookings: a store is found within the caller's merchant first (a foreign id is
simply not found), then the staff member's role and store scope are checked.
"""

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking.errors import BookingCode, BookingError
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff, Store, store_from_doc

MANAGERS = (Role.OWNER, Role.MANAGER)
ANY_ROLE = tuple(Role)


async def find_store(*, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> Store | None:
    doc = await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": merchant_id})
    return store_from_doc(doc) if doc else None


async def merchant_store(*, mongo: Mongo, merchant_id: ObjectId, store_id: ObjectId) -> Store:
    store = await find_store(mongo=mongo, merchant_id=merchant_id, store_id=store_id)
    if store is None:
        raise BookingError(BookingCode.STORE_NOT_FOUND, "storeId")
    return store


def check_scope(actor: Staff, store_id: ObjectId, roles: tuple[Role, ...]) -> None:
    if not (actor.has_role(*roles) and actor.can_see_store(store_id)):
        raise PermissionDenied()


async def staff_store(*, mongo: Mongo, actor: Staff, store_id: ObjectId, roles: tuple[Role, ...] = ANY_ROLE) -> Store:
    store = await merchant_store(mongo=mongo, merchant_id=actor.merchant_id, store_id=store_id)
    check_scope(actor, store.id, roles)
    return store
