"""Claiming a coupon from a template's claim page (领券), and what that page shows the member.

Stock is one conditional `$inc` on the template. The per-member limit is a claim slot: each claimed coupon
takes slot 0..limit-1 of (member, template) under the unique index (claimed_by, origin), so a member racing
themselves can never hold more than the limit. The idempotency key is unique per (member, template) under
(claimed_by, claim_key): a retry, even a concurrent one, returns the first coupon. Coupons a member receives
from a pack or a forward are not claims and do not count toward the limit.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons import funnel
from domain.coupons.coupon import Held, SourceKind, coupon_from_doc, new_coupon_doc
from domain.coupons.errors import CouponCode, CouponError, check_key
from domain.coupons.templates import (
    Template,
    TemplateStatus,
    give_back_stock,
    load_template,
    refusal,
    refused_after_race,
    take_stock,
)
from domain.coupons.touch import NOBODY


@dataclass(frozen=True)
class Claimed:
    held: Held
    replayed: bool


@dataclass(frozen=True)
class ClaimPage:
    template: Template
    claimed: int
    # Why this member cannot claim right now; None when the button works.
    refusal: CouponCode | None


def _origin(template_id: ObjectId, slot: int) -> str:
    return f"claim:{template_id}:{slot}"


async def _claims_of(mongo: Mongo, member_id: ObjectId, template_id: ObjectId) -> list[Doc]:
    """Every coupon this member first received of this template (claims and packs), on the claimed_by index."""
    return await mongo.db[c.COUPONS].find({"claimed_by": member_id, "template_id": template_id}).to_list()


def _free_slot(mine: list[Doc], template: Template) -> int | None:
    taken = {d["origin"] for d in mine}
    return next((s for s in range(template.per_member_limit) if _origin(template.id, s) not in taken), None)


def _slots_used(mine: list[Doc], template_id: ObjectId) -> int:
    return sum(d["origin"].startswith(f"claim:{template_id}:") for d in mine)


def _refusal_for(template: Template, mine: list[Doc], now: datetime) -> CouponCode | None:
    """Why this member cannot claim now. A member already holding as many as allowed is told so even when the
    stock is gone too: more stock would not let them claim, so the limit is the truer answer."""
    code = refusal(template, now)
    if code in (None, CouponCode.COUPON_OUT_OF_STOCK) and _free_slot(mine, template) is None:
        return CouponCode.CLAIM_LIMIT_REACHED
    return code


def _refused(code: CouponCode, template: Template) -> CouponError:
    if code is CouponCode.CLAIM_LIMIT_REACHED:
        return CouponError(code, "templateId", limit=template.per_member_limit)
    return CouponError(code, "templateId")


async def _visible_template(mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId) -> Template:
    template = await load_template(mongo=mongo, merchant_id=merchant_id, template_id=template_id)
    if template is None or template.stored_status is TemplateStatus.DRAFT:
        raise CouponError(CouponCode.COUPON_TEMPLATE_NOT_FOUND, "templateId")
    return template


async def claim_page(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: ObjectId) -> ClaimPage:
    template = await _visible_template(mongo, merchant_id, template_id)
    mine = await _claims_of(mongo, member_id, template.id)
    return ClaimPage(template, _slots_used(mine, template.id), _refusal_for(template, mine, datetime.now(UTC)))


async def _insert_claim(
    mongo: Mongo, template: Template, member_id: ObjectId, key: str, slot: int, now: datetime
) -> tuple[Doc, bool]:
    """Inserts the coupon into the first free slot, having already taken its stock: (coupon, replayed).

    Stock goes back only when the insert definitely failed; after an unknown outcome (a network error) it
    stays taken, so a failure can under-issue but never over-issue.
    """
    while True:
        doc = new_coupon_doc(
            template,
            owner_id=member_id,
            origin=_origin(template.id, slot),
            claim_key=key,
            source_kind=SourceKind.CLAIM,
            sharer=NOBODY,
            pack_id=None,
            now=now,
        )
        try:
            await mongo.db[c.COUPONS].insert_one(doc)
            return doc, False
        except DuplicateKeyError:
            # Either a concurrent retry of this very claim, or a concurrent claim of this member took the slot.
            mine = await _claims_of(mongo, member_id, template.id)
        replay = next((d for d in mine if d["claim_key"] == key), None)
        next_slot = _free_slot(mine, template)
        if replay is not None or next_slot is None:
            await give_back_stock(mongo, template.id, 1)
        if replay is not None:
            return replay, True
        if next_slot is None:
            raise CouponError(CouponCode.CLAIM_LIMIT_REACHED, "templateId", limit=template.per_member_limit)
        slot = next_slot


async def claim_coupon(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: ObjectId, idempotency_key: str
) -> Claimed:
    key = f"{template_id}:{check_key(idempotency_key)}"
    now = datetime.now(UTC)
    template = await _visible_template(mongo, merchant_id, template_id)
    mine = await _claims_of(mongo, member_id, template.id)
    replay = next((d for d in mine if d["claim_key"] == key), None)
    if replay is not None:
        return Claimed(Held(coupon_from_doc(replay), template), replayed=True)
    code = _refusal_for(template, mine, now)
    if code is not None:
        raise _refused(code, template)
    slot = _free_slot(mine, template)
    assert slot is not None
    taken = await take_stock(mongo, template, 1, now)
    if taken is None:
        raise await refused_after_race(mongo, template, now)
    template = taken
    doc, replayed = await _insert_claim(mongo, template, member_id, key, slot, now)
    if replayed:
        return Claimed(Held(coupon_from_doc(doc), template), replayed=True)
    coupon = coupon_from_doc(doc)
    await funnel.record(
        mongo,
        template,
        [(funnel.Step.ISSUED, 1), (funnel.Step.CLAIMED, 1)],
        attribution=NOBODY,
        at=now,
        coupon_id=coupon.id,
    )
    return Claimed(Held(coupon, template), replayed=False)
