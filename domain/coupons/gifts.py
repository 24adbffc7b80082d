"""Coupons the merchant gives (a birthday gift), as opposed to ones a member claims: no claim page and no
per-member limit, but the template's status, window and stock still hold.

Written inside the caller's transaction, so the gift and the caller's own record of it commit together.
"""

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons import funnel
from domain.coupons.coupon import Coupon, SourceKind, coupon_from_doc, new_coupon_doc
from domain.coupons.templates import Template, TemplateStatus, refusal, template_from_doc
from domain.coupons.touch import NOBODY


async def gift_coupon(
    *, mongo: Mongo, session: AsyncClientSession, template: Template, member_id: ObjectId, origin: str, now: datetime
) -> Coupon | None:
    """One coupon of `template` for the member; None when the template cannot give one now (paused, ended,
    out of stock). `origin` is unique per member: a second gift with it raises DuplicateKeyError."""
    if refusal(template, now) is not None:
        return None
    condition: Doc = {
        "merchant_id": template.merchant_id,
        "_id": template.id,
        "status": TemplateStatus.ACTIVE.value,
        "claimable_until": {"$gt": now},
    }
    if template.stock is not None:
        condition["$expr"] = {"$lte": [{"$add": ["$issued", 1]}, "$stock"]}
    taken = await mongo.db[c.COUPON_TEMPLATES].find_one_and_update(
        condition, {"$inc": {"issued": 1}}, session=session, return_document=ReturnDocument.AFTER
    )
    if taken is None:
        return None
    given = template_from_doc(taken)
    doc = new_coupon_doc(
        given,
        owner_id=member_id,
        origin=origin,
        claim_key=origin,
        source_kind=SourceKind.CLAIM,
        sharer=NOBODY,
        pack_id=None,
        now=now,
    )
    await mongo.db[c.COUPONS].insert_one(doc, session=session)
    steps = [(funnel.Step.ISSUED, 1), (funnel.Step.CLAIMED, 1)]
    events = funnel.event_docs(given, steps, attribution=NOBODY, at=now, coupon_id=doc["_id"])
    await mongo.db[c.COUPON_EVENTS].insert_many(events, session=session)
    return coupon_from_doc(doc)


async def room_for_gifts(
    *, mongo: Mongo, session: AsyncClientSession, merchant_id: ObjectId, template_id: ObjectId, now: datetime
) -> tuple[Template, int | None] | None:
    """The template as this session sees it and how many more coupons it can give now (None: no limit); None when
    it cannot give any (no such template, paused, ended)."""
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one({"merchant_id": merchant_id, "_id": template_id}, session=session)
    if doc is None:
        return None
    template = template_from_doc(doc)
    if refusal(template, now, n=0) is not None:
        return None
    room = None if template.stock is None else max(0, template.stock - template.issued)
    return template, room


async def gift_coupons(
    *,
    mongo: Mongo,
    session: AsyncClientSession,
    template: Template,
    member_ids: list[ObjectId],
    origin: str,
    now: datetime,
) -> dict[ObjectId, ObjectId]:
    """One coupon of `template` for each member, in bulk; the coupon id by member. `template` is as this session
    read it (room_for_gifts), and the stock is taken on that condition: a template that changed since aborts the
    caller's transaction rather than over-issue. `origin` is unique per member, like gift_coupon's."""
    if not member_ids:
        return {}
    taken = await mongo.db[c.COUPON_TEMPLATES].update_one(
        {"merchant_id": template.merchant_id, "_id": template.id, "issued": template.issued},
        {"$inc": {"issued": len(member_ids)}},
        session=session,
    )
    if taken.modified_count != 1:
        raise TemplateMoved(template.id)
    docs = [
        new_coupon_doc(
            template,
            owner_id=member_id,
            origin=origin,
            claim_key=origin,
            source_kind=SourceKind.CLAIM,
            sharer=NOBODY,
            pack_id=None,
            now=now,
        )
        for member_id in member_ids
    ]
    await mongo.db[c.COUPONS].insert_many(docs, session=session)
    steps = [(funnel.Step.ISSUED, 1), (funnel.Step.CLAIMED, 1)]
    events = [
        e for d in docs for e in funnel.event_docs(template, steps, attribution=NOBODY, at=now, coupon_id=d["_id"])
    ]
    await mongo.db[c.COUPON_EVENTS].insert_many(events, session=session)
    return {d["owner_id"]: d["_id"] for d in docs}


class TemplateMoved(Exception):
    """The template's issued count is not what the session read: someone gave or claimed one meanwhile."""
