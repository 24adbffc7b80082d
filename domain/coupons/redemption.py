"""Redemption (核销): the redeem code a member shows as a QR code, staff scanning it, and the checkout lock.

A redeem code carries the coupon and the 60-second window it was made in, sealed by an HMAC for one merchant
under a key derived from the service secret (during a key rotation, the previous one's still opens: like the member
code it has no room for a key id, and lives 70 s). Redeeming, locking for an order and consuming a lock are each
one conditional update from a usable state, so a coupon is used exactly once however many scans race.
A lock has its own expiry (`lock_until`) that every condition reads, so an abandoned checkout frees the
coupon on its own.

Staff scan every code into one field, so a code's text says what it is: `CPN-` and 48 base32 characters (a member
code starts `MBR-`). The prefix may be left out when a code is typed by hand, and codes made before it existed
(bare base32) still open.
"""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.coupons import funnel
from domain.coupons.coupon import (
    Coupon,
    CouponStatus,
    Held,
    Redemption,
    coupon_from_doc,
    load_coupon,
    usable_filter,
    with_templates,
)
from domain.coupons.errors import CouponCode, CouponError, check_key
from domain.errors import PermissionDenied
from domain.events import CouponRedeemed
from domain.keyring import Keyring
from domain.members import display_name
from domain.tenancy import Staff, TenancyCode, TenancyError

WINDOW_S = 60
GRACE_S = 10
_MAC_BYTES = 14
# coupon id (12) + window (4) + mac: 30 bytes, 48 base32 characters, no padding.
_CODE_BYTES = 12 + 4 + _MAC_BYTES
PREFIX = "CPN-"
_LIVE = [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]


class RedeemCodeSigner:
    def __init__(self, keys: Keyring) -> None:
        # Keys of their own, derived from the service secrets: no new setting, no key shared with tokens.
        self._keys = keys.derived(b"jike/coupon-redeem-code")

    @staticmethod
    def _mac(key: bytes, merchant_id: ObjectId, body: bytes) -> bytes:
        return hmac.new(key, merchant_id.binary + body, hashlib.sha256).digest()[:_MAC_BYTES]

    def sign(self, merchant_id: ObjectId, coupon_id: ObjectId, window: int) -> str:
        body = coupon_id.binary + window.to_bytes(4, "big")
        return PREFIX + base64.b32encode(body + self._mac(self._keys[0], merchant_id, body)).decode()

    def open(self, merchant_id: ObjectId, code: str) -> tuple[ObjectId, int]:
        """(coupon id, window) of a code made for this merchant; REDEEM_CODE_INVALID for anything else."""
        try:
            raw = base64.b32decode(code.strip().upper().removeprefix(PREFIX))
        except (binascii.Error, ValueError) as e:
            raise CouponError(CouponCode.REDEEM_CODE_INVALID, "code") from e
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(raw) != _CODE_BYTES or not any(
            hmac.compare_digest(mac, self._mac(key, merchant_id, body)) for key in self._keys
        ):
            raise CouponError(CouponCode.REDEEM_CODE_INVALID, "code")
        return ObjectId(body[:12]), int.from_bytes(body[12:16], "big")


@lru_cache(maxsize=8)
def signer_for(keys: Keyring) -> RedeemCodeSigner:
    return RedeemCodeSigner(keys)


def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // WINDOW_S


@dataclass(frozen=True)
class RedeemCode:
    code: str
    expires_at: datetime


def redeem_code(*, signer: RedeemCodeSigner, coupon: Coupon, now: datetime) -> RedeemCode | None:
    """A fresh code for the owner's screen, or None while the coupon cannot be redeemed (no QR to show)."""
    if coupon.use_blocker(now) is not None:
        return None
    window = _window(now)
    return RedeemCode(
        signer.sign(coupon.merchant_id, coupon.id, window), datetime.fromtimestamp((window + 1) * WINDOW_S, UTC)
    )


@dataclass(frozen=True)
class RedemptionView:
    """When, where and by whom (or for which order) a coupon was used, with names for the screen."""

    at: datetime
    store_id: ObjectId
    store_name: str | None
    timezone: str
    staff_id: ObjectId | None
    staff_name: str | None
    order_id: ObjectId | None


@dataclass(frozen=True)
class Redeemed:
    held: Held
    redemption: RedemptionView
    replayed: bool


async def describe(mongo: Mongo, merchant_id: ObjectId, redemption: Redemption) -> RedemptionView:
    query = {"merchant_id": merchant_id, "_id": redemption.store_id}
    store = await mongo.db[c.STORES].find_one(query, {"name": 1, "timezone": 1})
    staff = None
    if redemption.staff_id is not None:
        staff = await mongo.db[c.STAFF].find_one({"_id": redemption.staff_id}, {"name": 1})
    return RedemptionView(
        at=redemption.at,
        store_id=redemption.store_id,
        store_name=store["name"] if store else None,
        timezone=store["timezone"] if store else "Asia/Shanghai",
        staff_id=redemption.staff_id,
        staff_name=staff["name"] if staff else None,
        order_id=redemption.order_id,
    )


async def _refuse(mongo: Mongo, coupon: Coupon, now: datetime, field: str) -> CouponError:
    """The error for a coupon that cannot be used; a used one says when, where and by whom."""
    if coupon.redemption is not None:
        view = await describe(mongo, coupon.merchant_id, coupon.redemption)
        return CouponError(CouponCode.ALREADY_REDEEMED, field, redemption=view)
    return CouponError(coupon.use_blocker(now) or CouponCode.COUPON_LOCKED, field)


async def _count_redeemed(mongo: Mongo, coupon: Coupon, now: datetime, session: AsyncClientSession | None) -> Held:
    """The coupon just used, with its template, counted in the funnel (with the use, when in its `session`), and
    announced for its campaign's effect when a campaign or journey handed it out."""
    held = (await with_templates(mongo, [coupon]))[0]
    if coupon.touched:
        await outbox.record(
            mongo=mongo,
            session=session,
            merchant_id=coupon.merchant_id,
            event=CouponRedeemed(coupon.id, coupon.owner_id),
            dedupe_key=f"coupon_redeemed:{coupon.id}",
        )
    await funnel.record(
        mongo,
        held.template,
        [(funnel.Step.REDEEMED, 1)],
        attribution=coupon.attribution(),
        at=now,
        coupon_id=coupon.id,
        session=session,
    )
    return held


async def _finish(mongo: Mongo, held: Held, *, replayed: bool) -> Redeemed:
    assert held.coupon.redemption is not None
    return Redeemed(held, await describe(mongo, held.coupon.merchant_id, held.coupon.redemption), replayed)


async def _replayed(mongo: Mongo, coupon: Coupon) -> Redeemed:
    return await _finish(mongo, (await with_templates(mongo, [coupon]))[0], replayed=True)


def _is_replay(coupon: Coupon, actor: Staff, key: str) -> bool:
    red = coupon.redemption
    return red is not None and red.key == key and red.staff_id == actor.id


async def _counter_store(mongo: Mongo, actor: Staff, store_id: ObjectId) -> None:
    """The store the actor scans at: in their scope (else PermissionDenied) and their merchant's."""
    if not actor.can_see_store(store_id):
        raise PermissionDenied()
    if await mongo.db[c.STORES].find_one({"_id": store_id, "merchant_id": actor.merchant_id}, {"_id": 1}) is None:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")


def _refusal(
    coupon: Coupon, window: int, store_id: ObjectId, now: datetime, used: RedemptionView | None
) -> CouponError | None:
    """Why redeeming the coupon with a code of `window` at the store would be refused now, if it would; `used`
    describes its redemption, for ALREADY_REDEEMED to say when, where and by whom."""
    if now.timestamp() >= (window + 1) * WINDOW_S + GRACE_S or window > _window(now) + 1:
        return CouponError(CouponCode.REDEEM_CODE_EXPIRED, "code")
    if not coupon.valid_at(store_id):
        return CouponError(CouponCode.COUPON_NOT_VALID_AT_STORE, "storeId")
    blocker = coupon.use_blocker(now)
    if blocker is CouponCode.ALREADY_REDEEMED and used is not None:
        return CouponError(blocker, "code", redemption=used)
    return None if blocker is None else CouponError(blocker, "code")


async def redeem_coupon(
    *, mongo: Mongo, signer: RedeemCodeSigner, actor: Staff, code: str, store_id: ObjectId, idempotency_key: str
) -> Redeemed:
    """Staff scan a member's code at a store; a retry with the same key returns the first redemption."""
    key = check_key(idempotency_key)
    await _counter_store(mongo, actor, store_id)
    coupon_id, window = signer.open(actor.merchant_id, code)
    coupon = await load_coupon(mongo, actor.merchant_id, coupon_id)
    if coupon is None:
        raise CouponError(CouponCode.REDEEM_CODE_INVALID, "code")
    now = datetime.now(UTC)
    if _is_replay(coupon, actor, key):
        return await _replayed(mongo, coupon)
    used = await describe(mongo, coupon.merchant_id, coupon.redemption) if coupon.redemption is not None else None
    refusal = _refusal(coupon, window, store_id, now, used)
    if refusal is not None:
        raise refusal
    redemption = {"at": now, "store_id": store_id, "staff_id": actor.id, "order_id": None, "key": key}

    async def use(s: AsyncClientSession) -> Held | None:
        doc = await mongo.db[c.COUPONS].find_one_and_update(
            {"merchant_id": coupon.merchant_id, "_id": coupon.id, **usable_filter(now)},
            {"$set": {"status": CouponStatus.REDEEMED.value, "redemption": redemption}},
            return_document=ReturnDocument.AFTER,
            session=s,
        )
        # Counted with the use: a scan that dies after it would leave a used coupon the funnel and the campaign's
        # effect never saw, and the cashier's retry with the same key is a replay that counts nothing.
        return None if doc is None else await _count_redeemed(mongo, coupon_from_doc(doc), now, s)

    held = await transaction(mongo, use)
    if held is None:
        fresh = await load_coupon(mongo, actor.merchant_id, coupon_id)
        assert fresh is not None
        if _is_replay(fresh, actor, key):
            return await _replayed(mongo, fresh)
        raise await _refuse(mongo, fresh, now, "code")
    return await _finish(mongo, held, replayed=False)


@dataclass(frozen=True)
class Preview:
    """What a scanned redeem code names, before anything is redeemed: the coupon with its template, whose it is,
    its redemption if it was used, and why redeeming it at the store now would be refused (None: it would not)."""

    held: Held
    member_name: str
    redemption: RedemptionView | None
    code_expires_at: datetime
    refusal: CouponError | None


async def preview_code(
    *, mongo: Mongo, signer: RedeemCodeSigner, actor: Staff, code: str, store_id: ObjectId, now: datetime
) -> Preview:
    """Any staff role, at a store in their scope; reads only. A code that names no coupon of the merchant is
    REDEEM_CODE_INVALID; every other refusal `redeem_coupon` would meet is the preview's `refusal`, so the
    cashier sees the coupon and why it cannot be used (an expired code, a used coupon: when, where, by whom)."""
    await _counter_store(mongo, actor, store_id)
    coupon_id, window = signer.open(actor.merchant_id, code)
    coupon = await load_coupon(mongo, actor.merchant_id, coupon_id)
    if coupon is None:
        raise CouponError(CouponCode.REDEEM_CODE_INVALID, "code")
    held = (await with_templates(mongo, [coupon]))[0]
    member = await mongo.db[c.MEMBERS].find_one(
        {"_id": coupon.owner_id, "merchant_id": actor.merchant_id}, {"nickname": 1}
    )
    used = await describe(mongo, coupon.merchant_id, coupon.redemption) if coupon.redemption is not None else None
    return Preview(
        held=held,
        member_name=display_name(member.get("nickname") if member else None),
        redemption=used,
        code_expires_at=datetime.fromtimestamp((window + 1) * WINDOW_S, UTC),
        refusal=_refusal(coupon, window, store_id, now, used),
    )


async def _own_usable(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, coupon_id: ObjectId) -> Coupon:
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None or coupon.owner_id != member_id:
        raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
    return coupon


async def lock_for_order(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    member_id: ObjectId,
    coupon_id: ObjectId,
    order_id: ObjectId,
    store_id: ObjectId,
    ttl: timedelta,
) -> Held:
    """Holds the member's coupon for an unpaid order until `ttl` from now; locking again for the same order
    extends it. While held it cannot be redeemed, forwarded or locked for another order.
    """
    now = datetime.now(UTC)
    coupon = await _own_usable(mongo, merchant_id, member_id, coupon_id)
    if not coupon.valid_at(store_id):
        raise CouponError(CouponCode.COUPON_NOT_VALID_AT_STORE, "storeId")
    coupons = mongo.db[c.COUPONS]
    doc = await coupons.find_one_and_update(
        {"merchant_id": merchant_id, "_id": coupon.id, "owner_id": member_id, **usable_filter(now)},
        {"$set": {"lock": {"order_id": order_id, "store_id": store_id, "at": now}, "lock_until": now + ttl}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        doc = await coupons.find_one_and_update(
            {
                "merchant_id": merchant_id,
                "_id": coupon.id,
                "owner_id": member_id,
                "lock.order_id": order_id,
                "lock_until": {"$gt": now},
            },
            {"$set": {"lock_until": now + ttl}},
            return_document=ReturnDocument.AFTER,
        )
    if doc is None:
        fresh = await _own_usable(mongo, merchant_id, member_id, coupon_id)
        raise await _refuse(mongo, fresh, now, "couponId")
    return (await with_templates(mongo, [coupon_from_doc(doc)]))[0]


async def consume(
    *,
    mongo: Mongo,
    merchant_id: ObjectId,
    coupon_id: ObjectId,
    order_id: ObjectId,
    session: AsyncClientSession | None = None,
) -> Held:
    """The order is paid: its locked coupon is REDEEMED at the lock's store. Replays return the same coupon;
    a lock that lapsed (or was never this order's) is COUPON_NOT_LOCKED. Pass `session` to use it up inside
    checkout's transaction, together with its funnel event.
    """
    now = datetime.now(UTC)
    coupon = await load_coupon(mongo, merchant_id, coupon_id)
    if coupon is None:
        raise CouponError(CouponCode.COUPON_NOT_FOUND, "couponId")
    red = coupon.redemption
    if red is not None and red.order_id == order_id:
        return (await with_templates(mongo, [coupon]))[0]
    if coupon.lock is None or coupon.lock.order_id != order_id:
        raise CouponError(CouponCode.COUPON_NOT_LOCKED, "couponId")
    redemption: Doc = {"at": now, "store_id": coupon.lock.store_id, "staff_id": None, "order_id": order_id, "key": None}
    doc = await mongo.db[c.COUPONS].find_one_and_update(
        {
            "merchant_id": coupon.merchant_id,
            "_id": coupon.id,
            "status": {"$in": _LIVE},
            "lock.order_id": order_id,
            "lock_until": {"$gt": now},
        },
        {"$set": {"status": CouponStatus.REDEEMED.value, "redemption": redemption, "lock_until": now}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if doc is None:
        fresh = await load_coupon(mongo, merchant_id, coupon_id)
        assert fresh is not None
        if fresh.redemption is not None and fresh.redemption.order_id == order_id:
            return (await with_templates(mongo, [fresh]))[0]
        raise CouponError(CouponCode.COUPON_NOT_LOCKED, "couponId")
    # Only the coupon is answered here, so the store and staff names a scan's answer shows are not read.
    return await _count_redeemed(mongo, coupon_from_doc(doc), now, session)


async def release(*, mongo: Mongo, merchant_id: ObjectId, coupon_id: ObjectId, order_id: ObjectId) -> bool:
    """The order was abandoned: its lock goes at once. True if this call released it."""
    now = datetime.now(UTC)
    result = await mongo.db[c.COUPONS].update_one(
        {"_id": coupon_id, "merchant_id": merchant_id, "lock.order_id": order_id, "status": {"$in": _LIVE}},
        {"$set": {"lock": None, "lock_until": now}},
    )
    return result.modified_count == 1
