"""The demo merchant `make dev` seeds on first start: made once, and able to take a booking straight away."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from api.dev import seed_demo
from api.settings import Settings
from db import collections as c
from db.mongo import Mongo
from domain.booking.slots import member_slots


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
