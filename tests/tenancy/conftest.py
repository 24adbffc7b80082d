"""Tenancy givens: staff hired straight through the domain (no sign-in needed to set a scene), and a
snapshot of every tenancy collection to prove a refused request changed nothing.
"""

from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import tenancy
from domain.pii import PiiCipher
from schema.ids import to_global_id
from tests.conftest import PASSWORDS

STAFF_PASSWORD = "staff-password-1"

TENANCY_COLLECTIONS = (c.MERCHANTS, c.STORES, c.STAFF, c.AUDIT_LOG)


async def hire(
    mongo: Mongo,
    pii: PiiCipher,
    actor: tenancy.Staff,
    phone: str,
    role: tenancy.Role,
    *,
    stores: list[ObjectId] | None = None,
    name: str = "员工",
) -> tenancy.Staff:
    """A staff member hired by `actor`: for all stores when `stores` is None, else for those stores."""
    return await tenancy.add_staff(
        mongo=mongo,
        pii=pii,
        passwords=PASSWORDS,
        actor=actor,
        name=name,
        phone=phone,
        password=STAFF_PASSWORD,
        role=role,
        all_stores=stores is None,
        store_ids=stores or [],
    )


async def open_store(mongo: Mongo, owner: tenancy.Staff, name: str) -> tenancy.Store:
    return await tenancy.create_store(mongo=mongo, actor=owner, name=name, timezone="Asia/Shanghai")


async def snapshot(mongo: Mongo) -> dict[str, list[Doc]]:
    """Every document of the tenancy collections, in a stable order."""
    return {name: await mongo.db[name].find({}).sort("_id", 1).to_list() for name in TENANCY_COLLECTIONS}


def gid(record: tenancy.Store | tenancy.Staff | tenancy.Merchant) -> str:
    kind = {tenancy.Store: "Store", tenancy.Staff: "StaffMember", tenancy.Merchant: "Merchant"}[type(record)]
    return str(to_global_id(kind, record.id))


def forbidden(body: dict[str, Any]) -> bool:
    """The request was refused as an auth failure: a GraphQL error with code FORBIDDEN and no data."""
    errors = body.get("errors") or []
    return body.get("data") is None and [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
