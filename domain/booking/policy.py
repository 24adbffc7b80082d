"""A merchant's booking policy: slot granularity, cancellation cut-off, booking horizon, reminder lead and
how long an unpaid deposit holds a slot. Merchants that never set one get the defaults.
"""

from dataclasses import dataclass
from datetime import timedelta

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.booking.errors import BookingCode, BookingError
from domain.errors import PermissionDenied
from domain.tenancy import Role, Staff

# Occupancy is kept in 5-minute cells (see domain.booking.occupancy), so every granularity is a multiple of it.
GRANULARITIES = (5, 10, 15, 20, 30, 60)


@dataclass(frozen=True)
class BookingPolicy:
    granularity_min: int = 15
    cancel_cutoff_min: int = 120
    horizon_days: int = 30
    reminder_lead_min: int = 120
    hold_min: int = 10

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def reminder_lead(self) -> timedelta:
        return timedelta(minutes=self.reminder_lead_min)

    @property
    def hold(self) -> timedelta:
        return timedelta(minutes=self.hold_min)


async def load_policy(*, mongo: Mongo, merchant_id: ObjectId) -> BookingPolicy:
    doc = await mongo.db[c.BOOKING_POLICIES].find_one({"_id": merchant_id})
    if doc is None:
        return BookingPolicy()
    return BookingPolicy(
        granularity_min=doc["granularity_min"],
        cancel_cutoff_min=doc["cancel_cutoff_min"],
        horizon_days=doc["horizon_days"],
        reminder_lead_min=doc["reminder_lead_min"],
        hold_min=doc["hold_min"],
    )


def _check(policy: BookingPolicy) -> None:
    checks = {
        "granularityMin": policy.granularity_min in GRANULARITIES,
        "cancelCutoffMin": 0 <= policy.cancel_cutoff_min <= 7 * 24 * 60,
        "horizonDays": 1 <= policy.horizon_days <= 365,
        "reminderLeadMin": 0 <= policy.reminder_lead_min <= 7 * 24 * 60,
        "holdMin": 1 <= policy.hold_min <= 60,
    }
    for field, ok in checks.items():
        if not ok:
            raise BookingError(BookingCode.BOOKING_POLICY_INVALID, field)


async def set_policy(*, mongo: Mongo, actor: Staff, policy: BookingPolicy) -> BookingPolicy:
    """Merchant-wide, so only someone responsible for every store may change it."""
    if not (actor.has_role(Role.OWNER, Role.MANAGER) and actor.all_stores):
        raise PermissionDenied()
    _check(policy)
    await mongo.db[c.BOOKING_POLICIES].replace_one(
        {"_id": actor.merchant_id},
        {
            "granularity_min": policy.granularity_min,
            "cancel_cutoff_min": policy.cancel_cutoff_min,
            "horizon_days": policy.horizon_days,
            "reminder_lead_min": policy.reminder_lead_min,
            "hold_min": policy.hold_min,
        },
        upsert=True,
    )
    return policy
