"""Booking givens: a salon set up through the domain (hours, staff with weekly schedules, a service), members
and staff with minted tokens (racing fifty logins would test login, not booking), and local-time helpers.

Staff are inserted as add_staff would write them but without argon2, since no test here signs in with a
password and thirty hashes would cost seconds.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import catalog as items
from domain import tenancy
from domain.booking import bookings, catalog, queue, schedules
from domain.booking.model import Booking
from domain.booking.schedules import ClockRange
from domain.keyring import Keyring
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal, TokenSigner
from schema.ids import from_global_id, to_global_id
from tests.conftest import SECRET_KEY, Shop

SIGNER = TokenSigner(Keyring(SECRET_KEY), access_ttl=timedelta(hours=1), refresh_ttl=timedelta(days=1))


def every_day(opens: str = "09:00", closes: str = "21:00") -> list[ClockRange]:
    return [ClockRange(d, opens, closes) for d in range(7)]


@dataclass(frozen=True)
class Person:
    id: ObjectId
    gid: str
    token: str


@dataclass(frozen=True)
class Colleague:
    staff: tenancy.Staff
    gid: str
    token: str


def admin_token(staff: tenancy.Staff) -> str:
    return SIGNER.sign(Principal(Audience.ADMIN, staff.id, staff.merchant_id), datetime.now(UTC))[0]


async def make_members(mongo: Mongo, merchant_id: ObjectId, n: int, prefix: str = "顾客") -> list[Person]:
    now = datetime.now(UTC)
    docs: list[Doc] = [
        {
            "_id": ObjectId(),
            "merchant_id": merchant_id,
            "channel": "WECHAT",
            "openid": f"{prefix}-{i}-{uuid.uuid4().hex}",
            "unionid": None,
            "nickname": f"{prefix}{i}",
            "created_at": now,
            "first_touch": "",
        }
        for i in range(n)
    ]
    await mongo.db[c.MEMBERS].insert_many(docs)
    return [
        Person(
            d["_id"],
            to_global_id("Member", d["_id"]),
            SIGNER.sign(Principal(Audience.MEMBER, d["_id"], merchant_id), now)[0],
        )
        for d in docs
    ]


async def make_staff(
    mongo: Mongo,
    pii: PiiCipher,
    merchant_id: ObjectId,
    store_ids: list[ObjectId],
    n: int,
    *,
    role: tenancy.Role = tenancy.Role.TECHNICIAN,
    prefix: str = "技师",
) -> list[Colleague]:
    docs: list[Doc] = []
    for i in range(n):
        phone = f"137{uuid.uuid4().int % 10**8:08d}"
        docs.append(
            {
                "_id": ObjectId(),
                "merchant_id": merchant_id,
                "name": f"{prefix}{i + 1}",
                "role": role.value,
                "all_stores": False,
                "store_ids": store_ids,
                "phone_enc": pii.encrypt(phone),
                "phone_hash": pii.lookup_hash(phone),
                "password_hash": "not-used",
                "active": True,
                "created_at": datetime.now(UTC),
            }
        )
    await mongo.db[c.STAFF].insert_many(docs)
    staff = [tenancy.staff_from_doc(d) for d in docs]
    return [Colleague(s, to_global_id("StaffMember", s.id), admin_token(s)) for s in staff]


@dataclass(frozen=True)
class Salon:
    owner: tenancy.Staff
    owner_token: str
    store: tenancy.Store
    zone: ZoneInfo
    staff: list[Colleague]
    service: catalog.Service

    @property
    def merchant_id(self) -> ObjectId:
        return self.store.merchant_id

    @property
    def store_gid(self) -> str:
        return to_global_id("Store", self.store.id)

    @property
    def service_gid(self) -> str:
        return to_global_id("Service", self.service.id)

    def local(self, day: date, clock: str) -> datetime:
        """The instant of wall-clock `clock` ("HH:MM") on `day` at the store, in UTC."""
        hours, minutes = map(int, clock.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=self.zone).astimezone(UTC)

    def clock(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime("%H:%M")

    def tomorrow(self) -> date:
        return datetime.now(self.zone).date() + timedelta(days=1)


async def service_item(mongo: Mongo, owner: tenancy.Staff, name: str, price_fen: int) -> ObjectId:
    """A SERVICE item of the merchant's catalog, sold at every store: what a booking service is made from."""
    spec = items.ItemSpec(items.ItemKind.SERVICE, name, price_fen, True, ())
    return (await items.create_item(mongo=mongo, actor=owner, spec=spec)).id


async def open_salon(
    mongo: Mongo,
    pii: PiiCipher,
    shop: Shop,
    *,
    timezone: str = "Asia/Shanghai",
    staff: int = 2,
    hours: list[ClockRange] | None = None,
    weekly: list[ClockRange] | None = None,
    duration: int = 60,
    buffer: int = 15,
    deposit: int = 0,
    resource_id: ObjectId | None = None,
) -> Salon:
    """A store open `hours` (09:00-21:00 daily), `staff` technicians working `weekly` (the same) and one
    service of `duration` + `buffer` minutes they all perform, priced 128 yuan."""
    owner = shop.merchant.owner
    store = shop.merchant.store
    if timezone != store.timezone:
        store = await tenancy.create_store(mongo=mongo, actor=owner, name=f"{timezone} 店", timezone=timezone)
    await schedules.set_store_hours(mongo=mongo, actor=owner, store_id=store.id, hours=hours or every_day())
    team = await make_staff(mongo, pii, owner.merchant_id, [store.id], staff)
    for member in team:
        await schedules.set_staff_schedule(
            mongo=mongo, actor=owner, store_id=store.id, staff_id=member.staff.id, weekly=weekly or every_day()
        )
    spec = catalog.ServiceSpec(
        item_id=await service_item(mongo, owner, "精剪", 12_800),
        duration_min=duration,
        buffer_after_min=buffer,
        deposit_fen=deposit,
        staff_ids=tuple(m.staff.id for m in team),
        resource_id=resource_id,
    )
    service = await catalog.create_service(mongo=mongo, actor=owner, store_id=store.id, spec=spec)
    return Salon(owner, admin_token(owner), store, ZoneInfo(timezone), team, service)


async def add_service(salon: Salon, mongo: Mongo, duration: int, buffer: int, **overrides: Any) -> catalog.Service:
    name, price = overrides.get("name", f"{duration} 分钟护理"), overrides.get("price_fen", 9_900)
    spec = catalog.ServiceSpec(
        item_id=await service_item(mongo, salon.owner, name, price),
        duration_min=duration,
        buffer_after_min=buffer,
        deposit_fen=overrides.get("deposit_fen", 0),
        staff_ids=overrides.get("staff_ids", tuple(m.staff.id for m in salon.staff)),
        resource_id=overrides.get("resource_id"),
    )
    return await catalog.create_service(mongo=mongo, actor=salon.owner, store_id=salon.store.id, spec=spec)


async def book_tomorrow(mongo: Mongo, salon: Salon, member_id: ObjectId, clock: str = "10:00") -> Booking:
    """The member's booking of the salon's service tomorrow at `clock`, with whichever technician is free."""
    made = await bookings.member_book(
        mongo=mongo,
        merchant_id=salon.merchant_id,
        member_id=member_id,
        store_id=salon.store.id,
        service_id=salon.service.id,
        staff_id=None,
        start=salon.local(salon.tomorrow(), clock),
        note="",
        idempotency_key=key(),
    )
    return made.booking


def oid(type_name: str, gid: str) -> ObjectId:
    found = from_global_id(type_name, gid)
    assert found is not None, gid
    return found


def key() -> str:
    return uuid.uuid4().hex


async def outbox(mongo: Mongo, kind: str | None = None) -> list[Doc]:
    query = {} if kind is None else {"kind": kind}
    return await mongo.db[c.OUTBOX].find(query).sort("_id", 1).to_list()


async def furnish_booking(mongo: Mongo, shop: Shop, staff: tenancy.Staff, member_gid: str) -> dict[str, str]:
    """For the tenancy isolation walk: one of every booking thing an admin id can name (a service, a resource,
    a schedule exception, bookings to reschedule/check in/complete, to cancel and to mark a no-show, a queue
    ticket), plus free starts for the requests that book and reschedule."""
    owner, store = shop.merchant.owner, shop.merchant.store
    zone = ZoneInfo(store.timezone)
    member_id = oid("Member", member_gid)
    await schedules.set_store_hours(mongo=mongo, actor=owner, store_id=store.id, hours=every_day())
    await schedules.set_staff_schedule(
        mongo=mongo, actor=owner, store_id=store.id, staff_id=staff.id, weekly=every_day()
    )
    resource = await catalog.create_resource(
        mongo=mongo, actor=owner, store_id=store.id, name="洗头床", kind=catalog.ResourceKind.BED, capacity=2
    )
    spec = catalog.ServiceSpec(await service_item(mongo, owner, "洗剪吹", 8_800), 60, 15, 0, (staff.id,), None)
    service = await catalog.create_service(mongo=mongo, actor=owner, store_id=store.id, spec=spec)
    leave = await schedules.add_exception(
        mongo=mongo,
        actor=owner,
        store_id=store.id,
        staff_id=staff.id,
        day=date(2099, 1, 5),
        kind=schedules.ExceptionKind.LEAVE,
        start=None,
        end=None,
    )
    today = datetime.now(zone).date()

    def at(day: date, clock: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=zone).astimezone(UTC)

    async def booked(day: date, clock: str, now: datetime | None = None) -> str:
        made = await bookings.member_book(
            mongo=mongo,
            merchant_id=owner.merchant_id,
            member_id=member_id,
            store_id=store.id,
            service_id=service.id,
            staff_id=staff.id,
            start=at(day, clock),
            note="",
            idempotency_key=key(),
            now=now,
        )
        return str(to_global_id("Booking", made.booking.id))

    tomorrow = today + timedelta(days=1)
    ids = {
        "service": str(to_global_id("Service", service.id)),
        "resource": str(to_global_id("Resource", resource.id)),
        "schedule_exception": str(to_global_id("ScheduleException", leave.id)),
        "booking": await booked(tomorrow, "10:00"),
        "booking_to_cancel": await booked(tomorrow, "12:00"),
        "past_booking": await booked(today - timedelta(days=1), "10:00", at(today - timedelta(days=2), "00:00")),
        "booking_date": tomorrow.isoformat(),
        "booking_start": at(tomorrow, "14:00").isoformat(),
        "reschedule_start": at(tomorrow, "16:00").isoformat(),
    }
    await queue.join_queue(mongo=mongo, merchant_id=owner.merchant_id, member_id=member_id, store_id=store.id)
    return ids
