"""Ready for sharding by merchant: db/sharding.py names every collection, MongoDB can enforce every unique index
once the collections are sharded, the committed deploy/mongo/shard.js is what the definitions say, and
`ensure_indexes` moves a database made by an earlier release to today's indexes."""

from pymongo import ASCENDING, IndexModel

from db import collections as c
from db.indexes import INDEXES, ensure_indexes, key_fields
from db.mongo import Mongo
from db.sharding import SHARD_KEYS, SHARD_SCRIPT, SHARDING, Unsharded, shard_script


def test_every_collection_is_either_sharded_or_kept_whole_for_a_reason() -> None:
    names = {value for name, value in vars(c).items() if name.isupper() and isinstance(value, str)}
    assert set(SHARDING) == names
    assert all(s.reason for s in SHARDING.values() if isinstance(s, Unsharded))
    assert set(INDEXES) <= names


def test_every_unique_index_on_a_sharded_collection_starts_with_its_shard_key() -> None:
    # MongoDB enforces a unique index on a sharded collection only when the shard key is a prefix of it, and
    # refuses to shard a collection (or to create the index on one) otherwise; _id's own index is unique per shard.
    unenforceable = [
        f"{name}: {key_fields(model)} (shard key {key})"
        for name, key in SHARD_KEYS.items()
        for model in INDEXES.get(name, [])
        if model.document.get("unique") and key_fields(model)[: len(key)] != key
    ]
    assert unenforceable == []


def test_every_sharded_collection_has_an_index_its_shard_key_can_use() -> None:
    # sh.shardCollection on a collection that already holds documents needs one.
    assert all(any(key_fields(m)[: len(key)] == key for m in INDEXES.get(name, [])) for name, key in SHARD_KEYS.items())
    assert all(key[0] == "merchant_id" for key in SHARD_KEYS.values())


def test_the_committed_shard_script_matches_the_definitions() -> None:
    # when it fails: run `uv run jike export-shard-script` and commit deploy/mongo/shard.js
    assert SHARD_SCRIPT.read_text() == shard_script(), "deploy/mongo/shard.js drifted from db/sharding.py"
    for collection, key in SHARD_KEYS.items():
        fields = ", ".join(f"{field}: 1" for field in key)
        assert f"sh.shardCollection(`${{name}}.{collection}`, {{ {fields} }});" in shard_script()


async def test_an_earlier_releases_indexes_are_replaced_by_todays(mongo: Mongo) -> None:
    # given a database whose coupons carry the unique rule without merchant_id, as an earlier release made it,
    # and an index today defines as unique built without the option, and one made by hand
    coupons = mongo.db[c.COUPONS]
    await coupons.drop_indexes()
    await coupons.create_indexes(
        [
            IndexModel([("claimed_by", ASCENDING), ("origin", ASCENDING)], unique=True),
            IndexModel([("merchant_id", ASCENDING), ("claimed_by", ASCENDING), ("claim_key", ASCENDING)]),
            IndexModel([("nickname", ASCENDING)]),
        ]
    )

    # when the indexes are ensured
    await ensure_indexes(mongo)

    # then the coupons have exactly today's indexes, with today's options
    present = await coupons.index_information()
    wanted = {m.document["name"]: bool(m.document.get("unique")) for m in INDEXES[c.COUPONS]}
    assert {name: bool(info.get("unique")) for name, info in present.items() if name != "_id_"} == wanted
