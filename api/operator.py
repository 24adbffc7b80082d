"""Operator acts from the shell (`jike create-merchant`, `jike create-staff`, `jike run-cron`, `jike export-merchant`
and `jike import-merchant`), through the same domain functions."""

import getpass
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bson import ObjectId
from pymongo import uri_parser

from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import open_mongo
from domain import tenancy
from domain.errors import DomainError
from domain.jobs import on_demand
from domain.jobs.scheduled import JOBS
from domain.merchant_export import export, restore
from domain.pii import PiiCipher
from domain.reports import rebuild
from domain.segments import facts as member_facts
from schema.ids import from_global_id, to_global_id
from startup.clients import open_clients, passwords
from startup.settings import Settings


async def create_merchant(
    settings: Settings, name: str, store_name: str, owner_name: str, owner_phone: str, password: str, timezone: str
) -> str:
    mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    try:
        await ensure_indexes(mongo)
        created = await tenancy.create_merchant(
            mongo=mongo,
            pii=PiiCipher(settings.pii_key.get_secret_value()),
            passwords=passwords(settings),
            name=name,
            store_name=store_name,
            timezone=timezone,
            owner_name=owner_name,
            owner_phone=owner_phone,
            owner_password=password,
        )
    except DomainError as e:
        raise SystemExit(f"refused: {e.code.value} ({e.field})") from e
    finally:
        await mongo.close()
    return (
        f"merchant {to_global_id('Merchant', created.merchant.id)} · "
        f"store {to_global_id('Store', created.store.id)} · owner {to_global_id('StaffMember', created.owner.id)}"
    )


async def create_staff(
    settings: Settings,
    merchant_gid: str,
    name: str,
    phone: str,
    role: str,
    password: str,
    store_gids: list[str],
    all_stores: bool,
) -> str:
    merchant_id = from_global_id("Merchant", merchant_gid)
    store_ids = [from_global_id("Store", gid) for gid in store_gids]
    if merchant_id is None or any(s is None for s in store_ids):
        raise SystemExit("refused: INVALID_ID")
    if role not in tenancy.Role.__members__:
        raise SystemExit(f"refused: role must be one of {', '.join(tenancy.Role.__members__)}")
    mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    try:
        owner_doc = await mongo.db[c.STAFF].find_one(
            {"merchant_id": merchant_id, "role": tenancy.Role.OWNER.value, "active": True}, sort=[("_id", 1)]
        )
        if owner_doc is None:
            raise SystemExit("refused: no such merchant (or it has no active owner)")
        # The operator acts on the owner's authority, so the same rules and the audit trail apply.
        staff = await tenancy.add_staff(
            mongo=mongo,
            pii=PiiCipher(settings.pii_key.get_secret_value()),
            passwords=passwords(settings),
            actor=tenancy.staff_from_doc(owner_doc),
            name=name,
            phone=phone,
            password=password,
            role=tenancy.Role(role),
            all_stores=all_stores,
            store_ids=[s for s in store_ids if isinstance(s, ObjectId)],
        )
    except DomainError as e:
        raise SystemExit(f"refused: {e.code.value} ({e.field})") from e
    finally:
        await mongo.close()
    return f"staff member {to_global_id('StaffMember', staff.id)}"


def _operator() -> str:
    """Who is at the shell, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


async def run_cron(settings: Settings, name: str) -> str:
    """A scheduled job now, to its end, audited as the operator's; exits non-zero when it is refused or fails."""
    async with open_clients(settings) as clients:
        try:
            done = await on_demand.run_for_operator(clients=clients, operator=_operator(), name=name)
        except DomainError as e:
            raise SystemExit(f"refused: {e.code.value}; the jobs are {', '.join(JOBS)}") from e
    if not done.run.ok:
        raise SystemExit(f"{name}: failed ({done.run.error}); the log has its trace")
    return f"{name}: ok, {done.processed} done"


def _bar(done: int, total: int) -> None:
    """A progress bar on stderr, redrawn in place."""
    width, share = 30, done / total if total else 1.0
    filled = int(width * share)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _merchant_id(merchant_gid: str) -> ObjectId:
    merchant_id = from_global_id("Merchant", merchant_gid) or (
        ObjectId(merchant_gid) if ObjectId.is_valid(merchant_gid) else None
    )
    if merchant_id is None:
        raise SystemExit("refused: --merchant is not a merchant id")
    return merchant_id


async def rebuild_reports(settings: Settings, merchant_gid: str) -> str:
    """Every report rollup of the merchant recomputed from its orders and refunds, then made live at once; then
    every member's segment facts."""
    merchant_id = _merchant_id(merchant_gid)
    mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    try:
        await ensure_indexes(mongo)
        if await mongo.db[c.MERCHANTS].find_one({"_id": merchant_id}, {"_id": 1}) is None:
            raise SystemExit("refused: no such merchant")
        started = time.monotonic()
        done = await rebuild.rebuild(mongo=mongo, merchant_id=merchant_id, progress=_bar)
        facts_done = await member_facts.rebuild(mongo=mongo, merchant_id=merchant_id, now=datetime.now(UTC))
    except DomainError as e:
        raise SystemExit(f"refused: {e.code.value}") from e
    finally:
        await mongo.close()
    took = time.monotonic() - started
    return (
        f"reports rebuilt: {done.orders} orders, {done.refunds} refunds, {done.members} members in {took:.1f}s"
        f" (gen {done.generation}); member facts of {facts_done} members"
    )


def _refusal(e: DomainError) -> SystemExit:
    detail = ", ".join(f"{k}={v}" for k, v in e.detail.items())
    return SystemExit(f"refused: {e.code.value} ({e.field}{'; ' + detail if detail else ''})")


async def export_merchant(settings: Settings, merchant_gid: str, out: Path) -> str:
    """The merchant's documents at one snapshot into `out`; the manifest names the cut and each file's hash."""
    merchant_id = _merchant_id(merchant_gid)
    mongo = open_mongo(settings.mongodb_uri.get_secret_value(), settings.mongodb_db)
    started = time.monotonic()
    try:
        done = await export.export_merchant(mongo=mongo, merchant_id=merchant_id, out=out, progress=_bar)
    except DomainError as e:
        raise _refusal(e) from e
    finally:
        await mongo.close()
    took = time.monotonic() - started
    collections = len(done.manifest.collections)
    return f"exported {done.documents} documents of {collections} collections to {out} in {took:.1f}s"


async def import_merchant(settings: Settings, source: Path, into: str | None) -> str:
    """An export into `into` (a URI naming its database) or the configured database, verified against its manifest."""
    uri, db_name = settings.mongodb_uri.get_secret_value(), settings.mongodb_db
    if into is not None:
        uri, db_name = into, uri_parser.parse_uri(into).get("database") or ""
        if not db_name:
            raise SystemExit("refused: --into must name its database (mongodb://host/<db>)")
    mongo = open_mongo(uri, db_name)
    started = time.monotonic()
    try:
        done = await restore.import_merchant(mongo=mongo, source=source, progress=_bar)
    except DomainError as e:
        raise _refusal(e) from e
    finally:
        await mongo.close()
    took = time.monotonic() - started
    gid = to_global_id("Merchant", done.manifest.merchant_id)
    return f"imported merchant {gid} into {db_name}: {done.documents} documents, counts and hashes match ({took:.1f}s)"
