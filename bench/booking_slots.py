"""Free slots for a busy store: `availableSlots` for one day at a store with 30 technicians whose calendars are
full, against the same call at a store with one technician and no bookings.

Starts its own SecantusDB, sets both stores up through the domain (hours, schedules, a service, bookings made
by staff_book), then times the domain call the resolver makes and counts the MongoDB commands it sends. The
ratio of the two is the point: what a full calendar of 30 costs over an empty one, measured in the same run.

    uv run python bench/booking_slots.py --staff 30 --calls 50
"""

import argparse
import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import monitoring

from api import embedded
from db import collections as c
from db.indexes import ensure_indexes
from db.mongo import Mongo, open_mongo
from domain import catalog as items
from domain import tenancy
from domain.booking import bookings, catalog, schedules, slots
from domain.booking.schedules import ClockRange
from domain.passwords import PasswordCost, Passwords
from domain.pii import PiiCipher

ZONE = "Asia/Shanghai"
PASSWORD = secrets.token_urlsafe(12)


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass(frozen=True)
class Store:
    merchant_id: ObjectId
    store_id: ObjectId
    service_id: ObjectId
    bookings: int


async def _store(mongo: Mongo, pii: PiiCipher, n: int, phone_prefix: str, day: date, fill: bool) -> Store:
    shop = await tenancy.create_merchant(
        mongo=mongo,
        pii=pii,
        passwords=Passwords(PasswordCost()),
        name=f"{n} 人门店",
        store_name="一号店",
        timezone=ZONE,
        owner_name="店主",
        owner_phone=f"{phone_prefix}00000",
        owner_password=PASSWORD,
    )
    owner, store = shop.owner, shop.store
    week = [ClockRange(d, "09:00", "21:00") for d in range(7)]
    await schedules.set_store_hours(mongo=mongo, actor=owner, store_id=store.id, hours=week)
    team = [
        await tenancy.add_staff(
            mongo=mongo,
            pii=pii,
            passwords=Passwords(PasswordCost()),
            actor=owner,
            name=f"技师{i + 1}",
            phone=f"{phone_prefix}{i + 1:05d}",
            password=PASSWORD,
            role=tenancy.Role.TECHNICIAN,
            all_stores=False,
            store_ids=[store.id],
        )
        for i in range(n)
    ]
    for member in team:
        await schedules.set_staff_schedule(mongo=mongo, actor=owner, store_id=store.id, staff_id=member.id, weekly=week)
    item = await items.create_item(
        mongo=mongo, actor=owner, spec=items.ItemSpec(items.ItemKind.SERVICE, "精剪", 12_800, True, ())
    )
    spec = catalog.ServiceSpec(item.id, 45, 15, 0, tuple(m.id for m in team), None)
    service = await catalog.create_service(mongo=mongo, actor=owner, store_id=store.id, spec=spec)
    made = 0
    if fill:
        guest = ObjectId()
        await mongo.db[c.MEMBERS].insert_one(
            {"_id": guest, "merchant_id": owner.merchant_id, "channel": "WECHAT", "openid": f"bench-{guest}"}
            | {"unionid": None, "nickname": "顾客", "created_at": datetime.now(UTC), "first_touch": ""}
        )
        zone = ZoneInfo(ZONE)
        # Every hour from 09:00 to 20:00 for every technician, leaving only the odd gap a cancellation would.
        for member in team:
            for hour in range(9, 20):
                start = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
                await bookings.staff_book(
                    mongo=mongo,
                    actor=owner,
                    member_id=guest,
                    store_id=store.id,
                    service_id=service.id,
                    staff_id=member.id,
                    start=start,
                    note="",
                    idempotency_key=secrets.token_hex(8),
                )
                made += 1
    return Store(owner.merchant_id, store.id, service.id, made)


async def _time(mongo: Mongo, listener: Commands, store: Store, day: date, calls: int) -> tuple[float, int, int]:
    """Seconds per call, commands per call, and how many slots the day has."""
    listener.count = 0
    started = time.perf_counter()
    found: list[slots.Slot] | None = []
    for _ in range(calls):
        found = await slots.member_slots(
            mongo=mongo,
            merchant_id=store.merchant_id,
            store_id=store.store_id,
            service_id=store.service_id,
            day=day,
            staff_id=None,
        )
    elapsed = time.perf_counter() - started
    return elapsed / calls, listener.count // calls, len(found or [])


async def run(args: argparse.Namespace, uri: str) -> None:
    listener = Commands()
    mongo = open_mongo(uri, f"bench_slots_{secrets.token_hex(4)}", event_listeners=[listener])
    pii = PiiCipher(secrets.token_urlsafe(32))
    try:
        await ensure_indexes(mongo)
        day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
        print(f"setting up: 1 technician, empty; {args.staff} technicians, full ({day})")
        small = await _store(mongo, pii, 1, "137", day, fill=False)
        busy = await _store(mongo, pii, args.staff, "138", day, fill=True)
        small_s, small_cmds, small_slots = await _time(mongo, listener, small, day, args.calls)
        busy_s, busy_cmds, busy_slots = await _time(mongo, listener, busy, day, args.calls)
        print(
            f"1 technician, no bookings:      {small_s * 1000:7.1f} ms/call  {small_cmds} commands  {small_slots} slots"
        )
        print(
            f"{args.staff} technicians, {busy.bookings} bookings: {busy_s * 1000:7.1f} ms/call  {busy_cmds} commands  "
            f"{busy_slots} slots"
        )
        print(f"ratio busy/empty: {busy_s / small_s:.2f}x time, {busy_cmds / small_cmds:.2f}x commands")
    finally:
        await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staff", type=int, default=30, help="technicians at the busy store")
    parser.add_argument("--calls", type=int, default=50, help="availableSlots calls timed per store")
    args = parser.parse_args()
    port = embedded.free_port()
    server = embedded.start_mongo(port, None)
    try:
        asyncio.run(run(args, f"mongodb://127.0.0.1:{port}/?directConnection=true"))
    finally:
        embedded.stop(server)


if __name__ == "__main__":
    main()
