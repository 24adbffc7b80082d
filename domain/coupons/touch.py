"""Who passed a coupon on, the link they share, and the first-touch hook the referral capability plugs into.

Coupons only report the touch (a friend accepting a forward, or taking one from a pack); whether it binds
the friend under the sharer is the referral capability's rule, so the default hook binds nobody.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bson import ObjectId

from db.mongo import Doc


@dataclass(frozen=True)
class Sharer:
    """A member (a shareholder, a friend forwarding) or a staff member; at most one of the two is set."""

    member_id: ObjectId | None = None
    staff_id: ObjectId | None = None

    def doc(self) -> Doc:
        return {"member_id": self.member_id, "staff_id": self.staff_id}

    @classmethod
    def of(cls, doc: Doc | None) -> "Sharer":
        return cls(doc.get("member_id"), doc.get("staff_id")) if doc else cls()


NOBODY = Sharer()


@dataclass(frozen=True)
class ShareLink:
    """What the mini-program puts in a WeChat share card; `expires_at` is when a forward lapses."""

    token: str
    path: str
    expires_at: datetime | None


class FirstTouch(Protocol):
    """Called after a member received a coupon someone shared; must be idempotent (touches repeat)."""

    async def __call__(self, *, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> None: ...


async def report_touch(hook: FirstTouch | None, *, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> None:
    if hook is not None and sharer != NOBODY and sharer.member_id != member_id:
        await hook(merchant_id=merchant_id, member_id=member_id, sharer=sharer)
