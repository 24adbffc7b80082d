"""Claiming a coupon from a template's claim page (领券), and what that page shows the member.

A claim that succeeds is two commands. One conditional `$inc` takes the stock; the template's status and window
are in its filter, so nothing is read first. The coupon's insert then takes a claim slot: each claimed coupon
takes slot 0..limit-1 of (member, template) under the unique index (claimed_by, origin), so the per-member limit
holds however a member races themselves, and only a member who already holds one reads their claims to find a
free slot. The idempotency key is unique per (member, template) under (claimed_by, claim_key): a retry, even a
concurrent one, returns the first coupon. The stock is taken before the slot, so a failure in between leaves a
unit untaken rather than one too many handed out, and a slot refused (the limit, a retry) gives its unit back.
The coupon is its own funnel record (`claimed_at`), so no event is written. Coupons a member receives from a
pack or a forward are not claims and do not count toward the limit.
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons import sold_out
from domain.coupons.coupon import Held, SourceKind, coupon_from_doc, new_coupon_doc
from domain.coupons.errors import CouponCode, CouponError, check_key
from domain.coupons.templates import (
    Template,
    TemplateStatus,
    give_back_stock,
    load_template,
    refusal,
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


async def _claims_of(mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: ObjectId) -> list[Doc]:
    """This member's claims of this template: one range of their origins ("claim:<template>:<slot>", and ';'
    follows ':'), which the (merchant_id, claimed_by, origin) index serves alone. Matching on template_id instead
    read the same coupons at twice the cost, SecantusDB weighing both claimed_by indexes."""
    origins = {"$gte": f"claim:{template_id}:", "$lt": f"claim:{template_id};"}
    return (
        await mongo.db[c.COUPONS]
        .find({"merchant_id": merchant_id, "claimed_by": member_id, "origin": origins})
        .to_list()
    )


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
    mine = await _claims_of(mongo, merchant_id, member_id, template.id)
    return ClaimPage(template, _slots_used(mine, template.id), _refusal_for(template, mine, datetime.now(UTC)))


async def _insert_claim(mongo: Mongo, template: Template, member_id: ObjectId, key: str, now: datetime) -> Claimed:
    """Inserts the coupon into the first free slot, having already taken its stock; slot 0 is tried unread.

    Stock goes back only when the insert definitely failed; after an unknown outcome (a network error) it
    stays taken, so a failure can under-issue but never over-issue.
    """
    slot = 0
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
            from_claim_page=True,
        )
        try:
            await mongo.db[c.COUPONS].insert_one(doc)
            return Claimed(Held(coupon_from_doc(doc), template), replayed=False)
        except DuplicateKeyError:
            # A retry of this very claim, an earlier claim of this member, or a concurrent one took the slot.
            mine = await _claims_of(mongo, template.merchant_id, member_id, template.id)
        replay = next((d for d in mine if d["claim_key"] == key), None)
        next_slot = _free_slot(mine, template)
        if replay is not None or next_slot is None:
            await give_back_stock(mongo, template.merchant_id, template.id, 1)
        if replay is not None:
            return Claimed(Held(coupon_from_doc(replay), template), replayed=True)
        if next_slot is None:
            raise _refused(CouponCode.CLAIM_LIMIT_REACHED, template)
        slot = next_slot


async def _not_taken(
    mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: ObjectId, key: str, now: datetime
) -> Claimed:
    """A claim that got no stock: a retry's first coupon, or why not. A template this process has just seen
    sold out is not read again for a member who holds none of it, the storm's common loser."""
    if sold_out.MARKS.marked(merchant_id, template_id):
        mine = await _claims_of(mongo, merchant_id, member_id, template_id)
        if not mine:
            raise CouponError(CouponCode.COUPON_OUT_OF_STOCK, "templateId")
        template = await _visible_template(mongo, merchant_id, template_id)
    else:
        watch = sold_out.MARKS.watch()
        # Both at once: a sold-out answer waits for one round trip, not two.
        template, mine = await asyncio.gather(
            _visible_template(mongo, merchant_id, template_id), _claims_of(mongo, merchant_id, member_id, template_id)
        )
        if refusal(template, now) is CouponCode.COUPON_OUT_OF_STOCK:
            sold_out.MARKS.mark(merchant_id, template_id, watch)
    replay = next((d for d in mine if d["claim_key"] == key), None)
    if replay is not None:
        return Claimed(Held(coupon_from_doc(replay), template), replayed=True)
    # None: the stock came back between the take and this reading; the take's answer stands.
    raise _refused(_refusal_for(template, mine, now) or CouponCode.COUPON_OUT_OF_STOCK, template)


async def _take_one(mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId, now: datetime) -> Template | None:
    """One unit, in this process's turn; None when the stock was not taken. A claimer still waiting for a turn
    when the last unit goes learns it from the mark the last taker set, without a take."""
    async with sold_out.MARKS.turn(template_id):
        if sold_out.MARKS.marked(merchant_id, template_id):
            return None
        watch = sold_out.MARKS.watch()
        template = await take_stock(mongo, merchant_id, template_id, 1, now)
        if template is None and not sold_out.MARKS.marked(merchant_id, template_id):
            # The mark lapsed while the storm went on (a slow database): the refused taker learns why while it
            # still holds its turn, so the claimers queued behind it meet a new mark instead of a take each.
            current = await load_template(mongo=mongo, merchant_id=merchant_id, template_id=template_id)
            if current is not None and refusal(current, now) is CouponCode.COUPON_OUT_OF_STOCK:
                sold_out.MARKS.mark(merchant_id, template_id, watch)
    if template is not None and template.remaining == 0:
        sold_out.MARKS.mark(merchant_id, template_id, watch)
    return template


async def claim_coupon(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, template_id: ObjectId, idempotency_key: str
) -> Claimed:
    key = f"{template_id}:{check_key(idempotency_key)}"
    now = datetime.now(UTC)
    template = await _take_one(mongo, merchant_id, template_id, now)
    if template is None:
        return await _not_taken(mongo, merchant_id, member_id, template_id, key, now)
    return await _insert_claim(mongo, template, member_id, key, now)
