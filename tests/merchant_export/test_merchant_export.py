"""A chain moves to its own cluster: `jike export-merchant` writes its documents at one snapshot with a manifest of
counts and hashes, and `jike import-merchant` reproduces it exactly elsewhere, or refuses."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import bson
import pytest
from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo, open_mongo
from domain.merchant_export import manifest
from domain.merchant_export.errors import MoveCode, MoveError
from domain.merchant_export.export import export_merchant
from domain.merchant_export.reading import digests, one_snapshot, technique_for
from domain.merchant_export.restore import import_merchant
from domain.merchant_export.scope import NOT_EXPORTED, SCOPES, Referenced
from domain.orders.model import PayMethod
from domain.pii import PiiCipher
from schema.ids import to_global_id
from startup.settings import Settings
from tests.checkout.conftest import counter_sale, give, shopper
from tests.conftest import Shop, open_shop, settings_env

SALE_FEN = 100


@pytest.fixture
async def other_db(settings: Settings) -> AsyncIterator[Mongo]:
    """An empty database on the same server: the chain's new cluster."""
    handle = open_mongo(settings.mongodb_uri.get_secret_value(), f"{settings.mongodb_db}_into")
    yield handle
    await handle.client.drop_database(handle.db.name)
    await handle.close()


async def trading_shop(mongo: Mongo, pii: PiiCipher, phone: str, name: str) -> Shop:
    """A shop with a member holding stored value, two paid counter sales, and a provider's notification kept for one
    of its payments (a document that names no merchant)."""
    shop = await open_shop(mongo, pii, phone, name)
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, points=50, stored=(10_000, 0))
    for method in (PayMethod.CASH, PayMethod.STORED_VALUE):
        await counter_sale(mongo, shop, shop.merchant.store.id, SALE_FEN, method, member.id)
    payment = await mongo.db[c.PAYMENTS].find_one({"merchant_id": shop.merchant.merchant.id})
    assert payment is not None
    await mongo.db[c.PAYMENT_NOTIFICATIONS].insert_one(
        {"provider": "WECHATPAY", "event_id": str(ObjectId()), "out_trade_no": payment["out_trade_no"]}
    )
    return shop


def documents(directory: Path, collection: str) -> list[Doc]:
    with (directory / manifest.file_name(collection)).open("rb") as file:
        return list(bson.decode_file_iter(file))


async def jike(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "api.cli", *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=os.environ | settings_env(settings), capture_output=True, text=True, timeout=120
    )


def test_every_collection_is_exported_or_named_as_staying_behind() -> None:
    # given every collection the code names
    names = {value for key, value in vars(c).items() if key.isupper() and isinstance(value, str)}

    # then each is either exported (with how its documents are the merchant's) or stays behind with a reason
    assert set(SCOPES) | set(NOT_EXPORTED) == names
    assert set(SCOPES) & set(NOT_EXPORTED) == set()
    # and a collection found through another's documents is read after them, in the same snapshot
    order = list(SCOPES)
    for name, scope in SCOPES.items():
        if isinstance(scope, Referenced):
            assert order.index(scope.source) < order.index(name)


async def test_a_merchant_moved_by_the_cli_arrives_exactly_and_the_other_merchant_stays_behind(
    mongo: Mongo, pii: PiiCipher, settings: Settings, other_db: Mongo, tmp_path: Path
) -> None:
    # given two merchants trading in one database
    moving = await trading_shop(mongo, pii, "13900000001", "甲店")
    staying = await trading_shop(mongo, pii, "13900000002", "乙店")
    moving_id, staying_id = moving.merchant.merchant.id, staying.merchant.merchant.id

    # when the operator exports the first and imports it into an empty database
    out = tmp_path / "moving"
    exported = await jike(
        settings, "export-merchant", "--merchant", to_global_id("Merchant", moving_id), "--out", str(out)
    )
    into = settings.mongodb_uri.get_secret_value().replace("/?", f"/{other_db.db.name}?")
    imported = await jike(settings, "import-merchant", "--in", str(out), "--into", into)

    # then both succeed, with a progress bar on stderr
    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    assert "]" in exported.stderr and "counts and hashes match" in imported.stdout
    # and the export holds the first merchant's documents only, the notification found through its payment
    written = manifest.read(out)
    assert written.merchant_id == moving_id and written.cluster_time is not None
    for name in SCOPES:
        for doc in documents(out, name):
            assert doc.get("merchant_id", moving_id) == moving_id, name
    assert [d["_id"] for d in documents(out, c.MERCHANTS)] == [moving_id]
    assert written.collections[c.ORDERS].count == 2
    assert written.collections[c.PAYMENT_NOTIFICATIONS].count == 1
    # and the new database holds exactly that: every collection's count and hash equal the manifest's
    async with one_snapshot(other_db, await technique_for(other_db)) as session:
        arrived = await digests(other_db, session, moving_id, batch=100, progress=None)
    assert {n: (d.count, d.sha256) for n, d in arrived.items()} == {
        n: (k.count, k.sha256) for n, k in written.collections.items()
    }
    assert await other_db.db[c.MERCHANTS].count_documents({}) == 1
    # and every document of the source is the first merchant's, the second's, or named as staying behind
    other = await export_merchant(mongo=mongo, merchant_id=staying_id, out=tmp_path / "staying")
    for name in SCOPES:
        both = written.collections[name].count + other.manifest.collections[name].count
        platform = await mongo.db[name].count_documents({"merchant_id": None}) if name == c.AUDIT_LOG else 0
        assert both + platform == await mongo.db[name].count_documents({}), name


async def test_an_export_taken_while_sales_go_on_is_one_cut(
    mongo: Mongo, pii: PiiCipher, shop: Shop, tmp_path: Path
) -> None:
    # given a member paying from stored value at the counter, sale after sale, while the export runs; and funnel
    # events, read between the cards and ledger and the orders, so that sales are paid while the export reads them
    member = await shopper(mongo, shop)
    await give(mongo, shop, member, stored=(1_000_000, 0))
    merchant_id = shop.merchant.merchant.id
    await mongo.db[c.COUPON_EVENTS].insert_many([{"merchant_id": merchant_id, "n": i} for i in range(400)])
    paid: list[ObjectId] = []
    exporting = asyncio.Event()
    stop = asyncio.Event()

    async def sell() -> None:
        while not stop.is_set():
            paid.append(
                await counter_sale(mongo, shop, shop.merchant.store.id, SALE_FEN, PayMethod.STORED_VALUE, member.id)
            )
            await exporting.wait()
            exporting.clear()

    def progress(done: int, total: int) -> None:
        exporting.set()  # one more sale between two batches of the export

    await counter_sale(mongo, shop, shop.merchant.store.id, SALE_FEN, PayMethod.STORED_VALUE, member.id)
    seller = asyncio.create_task(sell())

    # when the export reads two documents at a time
    before = len(paid)
    async with asyncio.timeout(120):
        await export_merchant(mongo=mongo, merchant_id=merchant_id, out=tmp_path, batch=2, progress=progress)
        after = len(paid)
        stop.set()
        exporting.set()
        await seller

    # then sales were paid while it ran, and it holds those paid before some point and none after
    assert after > before + 2
    orders = documents(tmp_path, c.ORDERS)
    in_export = {o["_id"] for o in orders if o["status"] == "PAID"}
    assert 1 + before <= len(in_export) <= 1 + after
    assert set(paid[: len(in_export) - 1]) <= in_export
    # and every paid order there has its payment, its stored-value spend and its ORDER_PAID event, and no more
    payments = [p for p in documents(tmp_path, c.PAYMENTS) if p["status"] == "SUCCEEDED"]
    spends = [e for e in documents(tmp_path, c.LEDGER) if e["kind"] == "SPEND" and e["account"] == "STORED_VALUE"]
    events = [e for e in documents(tmp_path, c.OUTBOX) if e["kind"] == "ORDER_PAID"]
    assert {p["order_id"] for p in payments} == in_export
    assert len(spends) == len(events) == len(in_export)
    # and the card's balance is the sum of its ledger entries in the export
    [card] = documents(tmp_path, c.CARDS)
    stored = sum(e["amount"] for e in documents(tmp_path, c.LEDGER) if e["account"] == "STORED_VALUE")
    assert card["stored_paid"] + card["stored_bonus"] == stored == 1_000_000 - SALE_FEN * len(in_export)


async def test_an_import_where_the_merchant_already_is_is_refused_and_changes_nothing(
    mongo: Mongo, pii: PiiCipher, tmp_path: Path
) -> None:
    # given a merchant's export
    shop = await trading_shop(mongo, pii, "13900000001", "甲店")
    await export_merchant(mongo=mongo, merchant_id=shop.merchant.merchant.id, out=tmp_path)
    orders = await mongo.db[c.ORDERS].count_documents({})

    # when it is imported into the database it came from
    with pytest.raises(MoveError) as refused:
        await import_merchant(mongo=mongo, source=tmp_path)

    # then it is refused and nothing was written
    assert refused.value.code is MoveCode.MERCHANT_ALREADY_THERE
    assert await mongo.db[c.ORDERS].count_documents({}) == orders


async def test_an_export_with_a_changed_file_fails_verification_before_anything_is_written(
    mongo: Mongo, pii: PiiCipher, other_db: Mongo, tmp_path: Path
) -> None:
    # given a merchant's export whose orders file someone changed (one sale's amount, still valid BSON)
    shop = await trading_shop(mongo, pii, "13900000001", "甲店")
    await export_merchant(mongo=mongo, merchant_id=shop.merchant.merchant.id, out=tmp_path)
    path = tmp_path / manifest.file_name(c.ORDERS)
    with path.open("rb") as file:
        orders = list(bson.decode_file_iter(file))
    orders[0]["note"] = "改过"
    path.write_bytes(b"".join(bson.encode(o) for o in orders))

    # when it is imported
    with pytest.raises(MoveError) as refused:
        await import_merchant(mongo=other_db, source=tmp_path)

    # then the orders file fails its check and the target holds nothing
    assert (refused.value.code, refused.value.field) == (MoveCode.EXPORT_FILE_TAMPERED, c.ORDERS)
    assert await other_db.db.list_collection_names() == []
