"""`make dev`'s set-up: what it takes as configured (`.env` as well as the environment, so it does not start an
embedded stand-in for a database set in `.env`), the demo merchant it seeds on first start (made once, and able
to take a booking straight away), and what a `jike` verb in a second terminal takes from the running stack.
"""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.dev import configured_env, dev_secrets, record_stack_env, seed_demo, verb_settings
from db import collections as c
from db.mongo import Mongo
from domain.booking.slots import member_slots
from startup.settings import Settings, SettingsRefused


async def test_the_demo_merchant_is_made_once_and_can_take_a_booking_tomorrow(
    settings: Settings, mongo: Mongo, tmp_path: Path
) -> None:
    # given a fresh dev database
    dev = settings.model_copy(update={"data_dir": tmp_path})

    # when `make dev` starts twice
    first, second = await seed_demo(dev), await seed_demo(dev)

    # then the first start made the demo merchant and printed its login, the second found it
    assert "created: owner login phone 13800000000" in first and "created" not in second
    assert await mongo.db[c.MERCHANTS].count_documents({}) == 1
    # and its store offers a 精剪 with free times tomorrow
    store = await mongo.db[c.STORES].find_one({})
    service = await mongo.db[c.SERVICES].find_one({})
    assert store is not None and service is not None
    tomorrow = datetime.now(ZoneInfo(store["timezone"])).date() + timedelta(days=1)
    free = await member_slots(
        mongo=mongo,
        merchant_id=store["merchant_id"],
        store_id=store["_id"],
        service_id=service["_id"],
        day=tomorrow,
        staff_id=None,
    )
    assert free and [s.staff[0].name for s in free[:1]] == ["店主"]


def test_a_database_set_in_dot_env_counts_as_configured_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a .env naming a MongoDB and a Redis, and the shell naming another Redis
    env_file = tmp_path / ".env"
    env_file.write_text("JIKE_MONGODB_URI=mongodb://db.internal:27017\nJIKE_REDIS_URL=redis://from-file:6379/0\n")
    monkeypatch.delenv("JIKE_MONGODB_URI", raising=False)
    monkeypatch.setenv("JIKE_REDIS_URL", "redis://from-shell:6379/0")

    # when make dev reads its configuration
    env = configured_env(env_file)

    # then the file's MongoDB is taken (no embedded one will start), and the shell's Redis wins as Settings has it
    assert env["JIKE_MONGODB_URI"] == "mongodb://db.internal:27017"
    assert env["JIKE_REDIS_URL"] == "redis://from-shell:6379/0"


def test_a_verb_in_a_second_terminal_takes_what_the_shell_leaves_unset_from_the_running_dev_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given `jike dev` running with its data in tmp_path, on an embedded MongoDB at a port it chose
    secrets = dev_secrets(tmp_path)
    record_stack_env(tmp_path, secrets | {"JIKE_MONGODB_URI": "mongodb://127.0.0.1:41234/?directConnection=true"})
    # and a second terminal (no .env here) whose shell names its own Redis and nothing else
    monkeypatch.chdir(tmp_path)
    for name in ("JIKE_SECRET_KEY", "JIKE_PII_KEY", "JIKE_MONGODB_URI", "JIKE_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JIKE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JIKE_REDIS_URL", "redis://127.0.0.1:6400/0")

    # when a verb reads its settings
    settings = verb_settings()

    # then it has the stack's database and secrets, and the shell's Redis
    assert settings.mongodb_uri.get_secret_value() == "mongodb://127.0.0.1:41234/?directConnection=true"
    assert settings.secret_key.get_secret_value() == secrets["JIKE_SECRET_KEY"]
    assert settings.redis_url.get_secret_value() == "redis://127.0.0.1:6400/0"

    # and in production nothing comes from a dev data dir
    monkeypatch.setenv("JIKE_ENV", "production")
    with pytest.raises(SettingsRefused, match="JIKE_SECRET_KEY: not set"):
        verb_settings()
