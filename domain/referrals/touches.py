"""Where touches come from: a login carrying a share link or QR scene (with the device it came from), a
member already signed in scanning a code, and the coupons capability's first-touch hook (an accepted
forward, a coupon taken from a pack). Each turns into one `bind_referrer` call.
"""

import logging
from dataclasses import dataclass

from bson import ObjectId
from pymongo.errors import PyMongoError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons.touch import Sharer
from domain.referrals.binding import BindingSource, BindResult, Refusal, bind_referrer
from domain.referrals.identity import record_device
from domain.referrals.share_codes import SOURCES, ShareKind, parse_share_params, sharer_of

log = logging.getLogger(__name__)


async def touch_by_share_params(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, share_params: str
) -> BindResult | None:
    """None when the params carry no share code at all (an organic visit)."""
    touch = parse_share_params(share_params)
    if touch is None:
        return None
    sharer = await sharer_of(mongo, merchant_id, touch.code)
    # A member's code under the staff prefix (or the reverse) was not made by us: a forged scene.
    if sharer is None or (touch.kind is ShareKind.STAFF) != (sharer.staff_id is not None):
        return BindResult(refusal=Refusal.UNKNOWN_SHARER)
    return await bind_referrer(
        mongo=mongo, merchant_id=merchant_id, member_id=member_id, sharer=sharer, source=SOURCES[touch.kind]
    )


async def record_login(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, share_params: str, device_id: str | None
) -> BindResult | None:
    """The device first, so a login that binds is already checked against the sharer's devices."""
    await record_device(mongo, merchant_id, member_id, device_id)
    return await touch_by_share_params(
        mongo=mongo, merchant_id=merchant_id, member_id=member_id, share_params=share_params
    )


@dataclass(frozen=True)
class CouponTouch:
    """The coupons capability's FirstTouch hook for one source (FORWARD_ACCEPT or PACK_CLAIM)."""

    mongo: Mongo
    source: BindingSource

    async def __call__(self, *, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> None:
        try:
            about = await self._coupon(merchant_id, member_id, sharer)
            # A forward names its last sender and its source's staff member: the member who passed it on wins.
            referrer = Sharer(member_id=sharer.member_id) if sharer.member_id is not None else sharer
            await bind_referrer(
                mongo=self.mongo,
                merchant_id=merchant_id,
                member_id=member_id,
                sharer=referrer,
                source=self.source,
                about=about,
            )
        except PyMongoError:
            # The coupon is already the friend's; failing the claim now would hide that from them.
            log.exception("referral binding after a coupon touch failed", extra={"member_id": str(member_id)})

    async def _coupon(self, merchant_id: ObjectId, member_id: ObjectId, sharer: Sharer) -> Doc:
        """The coupon the touch was about (the newest one this sharer passed to this member), so the funnel can
        count the members each template's coupons brought in."""
        coupons = self.mongo.db[c.COUPONS]
        fields = {"template_id": 1, "source": 1, "chain": 1}
        if self.source is BindingSource.PACK_CLAIM:
            query: Doc = {
                "merchant_id": merchant_id,
                "claimed_by": member_id,
                "source.pack_id": {"$ne": None},
                "source.member_id": sharer.member_id,
                "source.staff_id": sharer.staff_id,
            }
            docs = await coupons.find(query, fields).sort("_id", -1).limit(1).to_list()
        else:
            hand_over = {"to_id": member_id, "from_id": sharer.member_id}
            docs = await coupons.find(
                {"merchant_id": merchant_id, "owner_id": member_id, "chain": {"$elemMatch": hand_over}}, fields
            ).to_list()
            docs.sort(key=lambda d: max(h["at"] for h in d["chain"] if h["from_id"] == sharer.member_id))
        if not docs:
            return {}
        coupon = docs[-1]
        # The coupon's staff attribution, which the funnel's STAFF rows group by.
        staff_id = (coupon.get("source") or {}).get("staff_id")
        return {"coupon_id": coupon["_id"], "template_id": coupon["template_id"], "coupon_staff_id": staff_id}
