"""Merchants, their stores and their staff: who may act, where.

Every read and write here is scoped by the acting staff member's merchant and store scope (a member's by
their merchant), so a caller can only ever reach its own merchant's data.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain.errors import DomainError, PermissionDenied
from domain.pagination import Page, after_filter, clamp
from domain.passwords import MIN_LENGTH, Passwords
from domain.pii import PiiCipher, mask_phone, normalize_phone


class Role(StrEnum):
    OWNER = "OWNER"
    MANAGER = "MANAGER"
    CASHIER = "CASHIER"
    TECHNICIAN = "TECHNICIAN"


_RANK = {Role.OWNER: 4, Role.MANAGER: 3, Role.CASHIER: 2, Role.TECHNICIAN: 1}

MEMBER_STORES = 100


class TenancyCode(StrEnum):
    NAME_REQUIRED = "NAME_REQUIRED"
    INVALID_TIMEZONE = "INVALID_TIMEZONE"
    INVALID_PHONE = "INVALID_PHONE"
    PHONE_TAKEN = "PHONE_TAKEN"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    STORE_NOT_FOUND = "STORE_NOT_FOUND"
    STORES_REQUIRED = "STORES_REQUIRED"


class TenancyError(DomainError):
    pass


@dataclass(frozen=True)
class Merchant:
    id: ObjectId
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Store:
    id: ObjectId
    merchant_id: ObjectId
    name: str
    timezone: str
    created_at: datetime


@dataclass(frozen=True)
class Staff:
    id: ObjectId
    merchant_id: ObjectId
    name: str
    role: Role
    all_stores: bool
    store_ids: tuple[ObjectId, ...]
    phone_enc: str
    active: bool
    created_at: datetime

    def has_role(self, *roles: Role) -> bool:
        return self.active and self.role in roles

    def can_see_store(self, store_id: ObjectId) -> bool:
        return self.all_stores or store_id in self.store_ids

    def store_filter(self) -> dict[str, Any]:
        """A Mongo filter restricting `_id`-keyed store documents to this staff member's scope."""
        scope: dict[str, Any] = {"merchant_id": self.merchant_id}
        if not self.all_stores:
            scope["_id"] = {"$in": list(self.store_ids)}
        return scope


@dataclass(frozen=True)
class NewMerchant:
    merchant: Merchant
    store: Store
    owner: Staff


def _now() -> datetime:
    return datetime.now(UTC)


def store_from_doc(doc: Doc) -> Store:
    return Store(doc["_id"], doc["merchant_id"], doc["name"], doc["timezone"], doc["created_at"])


def _store_doc(store: Store) -> Doc:
    return {
        "_id": store.id,
        "merchant_id": store.merchant_id,
        "name": store.name,
        "timezone": store.timezone,
        "created_at": store.created_at,
    }


def staff_from_doc(doc: Doc) -> Staff:
    return Staff(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        name=doc["name"],
        role=Role(doc["role"]),
        all_stores=doc["all_stores"],
        store_ids=tuple(doc["store_ids"]),
        phone_enc=doc["phone_enc"],
        active=doc["active"],
        created_at=doc["created_at"],
    )


def staff_phone(staff: Staff, *, pii: PiiCipher, viewer: Staff) -> str:
    """The phone as this viewer may see it: in full for owners and managers, masked for the rest."""
    phone = pii.decrypt(staff.phone_enc)
    return phone if viewer.has_role(Role.OWNER, Role.MANAGER) else mask_phone(phone)


def _check_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name or len(name) > 64:
        raise TenancyError(TenancyCode.NAME_REQUIRED, field)
    return name


def _check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise TenancyError(TenancyCode.INVALID_TIMEZONE, "timezone") from e
    return timezone


def _check_phone(phone: str) -> str:
    normalized = normalize_phone(phone)
    if normalized is None:
        raise TenancyError(TenancyCode.INVALID_PHONE, "phone")
    return normalized


def _check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise TenancyError(TenancyCode.PASSWORD_TOO_SHORT, "password", min_length=MIN_LENGTH)


async def _insert_staff(
    mongo: Mongo,
    pii: PiiCipher,
    *,
    session: AsyncClientSession | None = None,
    merchant_id: ObjectId,
    name: str,
    phone: str,
    password_hash: str,
    role: Role,
    all_stores: bool,
    store_ids: list[ObjectId],
) -> Staff:
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": merchant_id,
        "name": name,
        "role": role.value,
        "all_stores": all_stores,
        "store_ids": [] if all_stores else store_ids,
        "phone_enc": pii.encrypt(phone),
        "phone_hash": pii.lookup_hash(phone),
        "password_hash": password_hash,
        "active": True,
        "created_at": _now(),
    }
    try:
        await mongo.db[c.STAFF].insert_one(doc, session=session)
    except DuplicateKeyError as e:
        raise TenancyError(TenancyCode.PHONE_TAKEN, "phone") from e
    return staff_from_doc(doc)


async def create_merchant(
    *,
    mongo: Mongo,
    pii: PiiCipher,
    passwords: Passwords,
    name: str,
    store_name: str,
    timezone: str,
    owner_name: str,
    owner_phone: str,
    owner_password: str,
) -> NewMerchant:
    """An operator's act (CLI or demo seed): a merchant with its first store and its owner."""
    name = _check_name(name)
    store_name = _check_name(store_name, "storeName")
    _check_timezone(timezone)
    phone = _check_phone(owner_phone)
    _check_password(owner_password)
    owner_name = _check_name(owner_name, "ownerName")
    password_hash = await passwords.hash(owner_password)
    now = _now()
    merchant = Merchant(ObjectId(), name, now)
    store = Store(ObjectId(), merchant.id, store_name, timezone, now)

    # One transaction, so a taken owner phone leaves no merchant without an owner behind.
    async def write(session: AsyncClientSession) -> Staff:
        await mongo.db[c.MERCHANTS].insert_one({"_id": merchant.id, "name": name, "created_at": now}, session=session)
        await mongo.db[c.STORES].insert_one(_store_doc(store), session=session)
        return await _insert_staff(
            mongo,
            pii,
            session=session,
            merchant_id=merchant.id,
            name=owner_name,
            phone=phone,
            password_hash=password_hash,
            role=Role.OWNER,
            all_stores=True,
            store_ids=[],
        )

    owner = await transaction(mongo, write)
    return NewMerchant(merchant, store, owner)


async def get_merchant(*, mongo: Mongo, merchant_id: ObjectId) -> Merchant | None:
    doc = await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id})
    return Merchant(doc["_id"], doc["name"], doc["created_at"]) if doc else None


async def create_store(*, mongo: Mongo, actor: Staff, name: str, timezone: str) -> Store:
    # A new store widens the merchant; only someone already responsible for every store may do it.
    if not (actor.has_role(Role.OWNER, Role.MANAGER) and actor.all_stores):
        raise PermissionDenied()
    store = Store(ObjectId(), actor.merchant_id, _check_name(name), _check_timezone(timezone), _now())
    await mongo.db[c.STORES].insert_one(_store_doc(store))
    await audit(mongo=mongo, actor=actor, action="store.create", target=store.id)
    return store


async def add_staff(
    *,
    mongo: Mongo,
    pii: PiiCipher,
    passwords: Passwords,
    actor: Staff,
    name: str,
    phone: str,
    password: str,
    role: Role,
    all_stores: bool,
    store_ids: list[ObjectId],
) -> Staff:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    # Nobody hands out more power than they hold: a manager adds cashiers and technicians only.
    if actor.role is not Role.OWNER and _RANK[role] >= _RANK[actor.role]:
        raise PermissionDenied()
    if all_stores and not actor.all_stores:
        raise PermissionDenied()
    name = _check_name(name)
    normalized = _check_phone(phone)
    _check_password(password)
    # A form may repeat a store; keep the first of each so the staff member lists each store once.
    store_ids = list(dict.fromkeys(store_ids))
    if not all_stores:
        await _check_stores(mongo, actor, store_ids)
    staff = await _insert_staff(
        mongo,
        pii,
        merchant_id=actor.merchant_id,
        name=name,
        phone=normalized,
        password_hash=await passwords.hash(password),
        role=role,
        all_stores=all_stores,
        store_ids=store_ids,
    )
    await audit(mongo=mongo, actor=actor, action="staff.add", target=staff.id, role=role.value)
    return staff


async def _check_stores(mongo: Mongo, actor: Staff, store_ids: list[ObjectId]) -> None:
    if not store_ids:
        raise TenancyError(TenancyCode.STORES_REQUIRED, "storeIds")
    wanted = set(store_ids)
    found = {
        doc["_id"]
        async for doc in mongo.db[c.STORES].find(
            {"merchant_id": actor.merchant_id, "_id": {"$in": list(wanted)}}, {"_id": 1}
        )
    }
    if found != wanted or not all(actor.can_see_store(s) for s in wanted):
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeIds")


async def get_store(*, mongo: Mongo, actor: Staff, store_id: ObjectId) -> Store | None:
    if not actor.can_see_store(store_id):
        return None
    doc = await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": actor.merchant_id})
    return store_from_doc(doc) if doc else None


async def list_stores(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Store]:
    limit = clamp(first)
    query = actor.store_filter()
    if after is not None:
        query = {"$and": [query, after_filter(after)]}
    docs = await mongo.db[c.STORES].find(query).sort("_id", 1).limit(limit + 1).to_list()
    return Page([(d["_id"], store_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def merchant_stores(*, mongo: Mongo, merchant_id: ObjectId) -> list[Store]:
    """The merchant's stores, oldest first, for a member to pick one; at most MEMBER_STORES, since a list to
    pick from is short by nature and one request must stay bounded."""
    docs = await mongo.db[c.STORES].find({"merchant_id": merchant_id}).sort("_id", 1).limit(MEMBER_STORES).to_list()
    return [store_from_doc(d) for d in docs]


async def get_staff(*, mongo: Mongo, actor: Staff, staff_id: ObjectId) -> Staff | None:
    doc = await mongo.db[c.STAFF].find_one({"_id": staff_id, "merchant_id": actor.merchant_id})
    if doc is None:
        return None
    staff = staff_from_doc(doc)
    return staff if _visible(actor, staff) else None


def _visible(actor: Staff, staff: Staff) -> bool:
    if actor.all_stores or staff.id == actor.id:
        return True
    return not staff.all_stores and bool(set(staff.store_ids) & set(actor.store_ids))


async def list_staff(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Staff]:
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": actor.merchant_id, **after_filter(after)}
    if not actor.all_stores:
        query["$or"] = [{"store_ids": {"$in": list(actor.store_ids)}}, {"_id": actor.id}]
    docs = await mongo.db[c.STAFF].find(query).sort("_id", 1).limit(limit + 1).to_list()
    return Page([(d["_id"], staff_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


async def load_staff(*, mongo: Mongo, staff_id: ObjectId, merchant_id: ObjectId) -> Staff | None:
    """The staff member behind an access token; re-read per request so role changes apply at once."""
    doc = await mongo.db[c.STAFF].find_one({"_id": staff_id, "merchant_id": merchant_id, "active": True})
    return staff_from_doc(doc) if doc else None


async def audit_operator(*, mongo: Mongo, operator: str, action: str, **detail: Any) -> None:
    """An operator's act from the shell on the whole platform: no merchant, no staff member, the operator's login."""
    await mongo.db[c.AUDIT_LOG].insert_one(
        {
            "merchant_id": None,
            "actor_id": None,
            "operator": operator,
            "action": action,
            "target_id": None,
            "detail": detail,
            "at": _now(),
        }
    )


async def audit(*, mongo: Mongo, actor: Staff, action: str, target: ObjectId, **detail: Any) -> None:
    await mongo.db[c.AUDIT_LOG].insert_one(
        {
            "merchant_id": actor.merchant_id,
            "actor_id": actor.id,
            "action": action,
            "target_id": target,
            "detail": detail,
            "at": _now(),
        }
    )
