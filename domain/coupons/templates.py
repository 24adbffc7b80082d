"""Coupon templates (券模板): what a coupon gives, when and where it is valid, how many exist, who may claim.

Managers and owners write templates within their store scope. The stock counter `issued` only ever moves
by a conditional `$inc`, so no read of it is ever trusted for a decision.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from db import collections as c
from db.mongo import Doc, Mongo
from domain.coupons import sold_out
from domain.coupons.errors import CouponCode, CouponError
from domain.errors import PermissionDenied
from domain.pagination import Page, clamp
from domain.pricing import CouponKind, CouponTerms
from domain.tenancy import Role, Staff, TenancyCode, TenancyError, audit

# Day-based templates never end by time; one far-away end keeps every "still claimable" filter a range.
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
ALL_STORES = "*"
MAX_STOCK = 10_000_000
MAX_LIMIT = 100
MAX_DAYS = 3650


class TemplateStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"


_MOVES: dict[TemplateStatus, frozenset[TemplateStatus]] = {
    TemplateStatus.ACTIVE: frozenset({TemplateStatus.DRAFT, TemplateStatus.PAUSED}),
    TemplateStatus.PAUSED: frozenset({TemplateStatus.ACTIVE}),
    TemplateStatus.ENDED: frozenset({TemplateStatus.DRAFT, TemplateStatus.ACTIVE, TemplateStatus.PAUSED}),
}


@dataclass(frozen=True)
class Benefit:
    """What the coupon does, in the pricing capability's terms; fields a kind does not use are zero/None."""

    kind: CouponKind
    value_fen: int = 0
    percent_off_bp: int = 0
    cap_fen: int | None = None
    minimum_spend_fen: int = 0
    item_id: str | None = None
    item_name: str | None = None

    def terms(self) -> CouponTerms:
        return CouponTerms(
            kind=self.kind,
            value_fen=self.value_fen,
            percent_off_bp=self.percent_off_bp,
            cap_fen=self.cap_fen,
            minimum_spend_fen=self.minimum_spend_fen,
            item_id=self.item_id,
        )


@dataclass(frozen=True)
class Validity:
    """Either a fixed window (`starts_at`..`ends_at`) or `days` from the moment a member receives it."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    days: int | None = None

    def window(self, received_at: datetime) -> tuple[datetime, datetime]:
        if self.days is not None:
            return received_at, received_at + timedelta(days=self.days)
        assert self.starts_at is not None and self.ends_at is not None
        return self.starts_at, self.ends_at


@dataclass(frozen=True)
class TemplateDraft:
    title: str
    benefit: Benefit
    validity: Validity
    description: str = ""
    terms: str = ""
    all_stores: bool = True
    store_ids: tuple[ObjectId, ...] = ()
    stock: int | None = None
    per_member_limit: int = 1
    transferable: bool = True


@dataclass(frozen=True)
class Template:
    id: ObjectId
    merchant_id: ObjectId
    title: str
    description: str
    terms: str
    benefit: Benefit
    validity: Validity
    all_stores: bool
    store_ids: tuple[ObjectId, ...]
    stock: int | None
    issued: int
    per_member_limit: int
    transferable: bool
    stored_status: TemplateStatus
    created_at: datetime

    def status_at(self, now: datetime) -> TemplateStatus:
        """ENDED once a fixed window is over, whatever was stored: nothing has to sweep it."""
        if self.validity.ends_at is not None and now >= self.validity.ends_at:
            return TemplateStatus.ENDED
        return self.stored_status

    @property
    def remaining(self) -> int | None:
        return None if self.stock is None else max(0, self.stock - self.issued)

    def valid_at(self, store_id: ObjectId) -> bool:
        return self.all_stores or store_id in self.store_ids


def template_from_doc(doc: Doc) -> Template:
    b, v = doc["benefit"], doc["validity"]
    return Template(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        title=doc["title"],
        description=doc["description"],
        terms=doc["terms"],
        benefit=Benefit(
            kind=CouponKind(b["kind"]),
            value_fen=b["value_fen"],
            percent_off_bp=b["percent_off_bp"],
            cap_fen=b["cap_fen"],
            minimum_spend_fen=b["minimum_spend_fen"],
            item_id=b["item_id"],
            item_name=b["item_name"],
        ),
        validity=Validity(v["starts_at"], v["ends_at"], v["days"]),
        all_stores=doc["all_stores"],
        store_ids=tuple(doc["store_ids"]),
        stock=doc["stock"],
        issued=doc["issued"],
        per_member_limit=doc["per_member_limit"],
        transferable=doc["transferable"],
        stored_status=TemplateStatus(doc["status"]),
        created_at=doc["created_at"],
    )


def require_manager(actor: Staff) -> None:
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()


def require_cover(actor: Staff, template: Template) -> None:
    """Acting on a template needs every store it is valid at within the actor's own scope."""
    if template.all_stores and not actor.all_stores:
        raise PermissionDenied()
    if not all(actor.can_see_store(s) for s in template.store_ids):
        raise PermissionDenied()


def _check_text(draft: TemplateDraft) -> None:
    if not draft.title.strip() or len(draft.title) > 64:
        raise CouponError(CouponCode.COUPON_TITLE_REQUIRED, "title")
    if len(draft.description) > 500:
        raise CouponError(CouponCode.COUPON_TEXT_TOO_LONG, "description")
    if len(draft.terms) > 2000:
        raise CouponError(CouponCode.COUPON_TEXT_TOO_LONG, "terms")


def _bad_benefit(field: str) -> CouponError:
    return CouponError(CouponCode.INVALID_COUPON_BENEFIT, field)


def _check_benefit(b: Benefit) -> None:  # noqa: C901 (one flat check per kind reads best)
    if b.minimum_spend_fen < 0:
        raise _bad_benefit("minimumSpendFen")
    if b.kind is CouponKind.AMOUNT_OFF:
        if b.value_fen <= 0:
            raise _bad_benefit("valueFen")
    elif b.kind is CouponKind.PERCENT_OFF:
        if not 0 < b.percent_off_bp < 10_000:
            raise _bad_benefit("percentOffBp")
        if b.cap_fen is not None and b.cap_fen <= 0:
            raise _bad_benefit("capFen")
    else:
        if not (b.item_id or "").strip() or len(b.item_id or "") > 64:
            raise _bad_benefit("itemId")
        if not (b.item_name or "").strip() or len(b.item_name or "") > 64:
            raise _bad_benefit("itemName")
        if b.kind is CouponKind.EXPERIENCE and b.value_fen <= 0:
            raise _bad_benefit("valueFen")
    if b.kind is not CouponKind.PERCENT_OFF and (b.percent_off_bp or b.cap_fen is not None):
        raise _bad_benefit("percentOffBp")


def aware(moment: datetime | None) -> datetime | None:
    """A client's time without a zone is taken as UTC, so it compares with stored (aware) times."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _check_validity(v: Validity, now: datetime) -> None:
    if v.days is not None:
        if v.starts_at is not None or v.ends_at is not None or not 0 < v.days <= MAX_DAYS:
            raise CouponError(CouponCode.INVALID_COUPON_VALIDITY, "validDays")
        return
    if v.starts_at is None or v.ends_at is None or v.ends_at <= v.starts_at or v.ends_at <= now:
        raise CouponError(CouponCode.INVALID_COUPON_VALIDITY, "validTo")


def _check_numbers(draft: TemplateDraft) -> None:
    if draft.stock is not None and not 0 < draft.stock <= MAX_STOCK:
        raise CouponError(CouponCode.INVALID_COUPON_STOCK, "stock")
    if not 0 < draft.per_member_limit <= MAX_LIMIT:
        raise CouponError(CouponCode.INVALID_CLAIM_LIMIT, "perMemberLimit")


async def _check_stores(mongo: Mongo, actor: Staff, draft: TemplateDraft) -> None:
    if draft.all_stores:
        if not actor.all_stores:
            raise PermissionDenied()
        return
    wanted = set(draft.store_ids)
    if not wanted:
        raise TenancyError(TenancyCode.STORES_REQUIRED, "storeIds")
    found = await mongo.db[c.STORES].count_documents({"merchant_id": actor.merchant_id, "_id": {"$in": list(wanted)}})
    if found != len(wanted):
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeIds")
    if not all(actor.can_see_store(s) for s in wanted):
        raise PermissionDenied()


async def create_template(*, mongo: Mongo, actor: Staff, draft: TemplateDraft) -> Template:
    require_manager(actor)
    now = datetime.now(UTC)
    _check_text(draft)
    _check_benefit(draft.benefit)
    v = Validity(aware(draft.validity.starts_at), aware(draft.validity.ends_at), draft.validity.days)
    _check_validity(v, now)
    _check_numbers(draft)
    await _check_stores(mongo, actor, draft)
    b = draft.benefit
    store_ids = [] if draft.all_stores else sorted(set(draft.store_ids))
    doc: Doc = {
        "_id": ObjectId(),
        "merchant_id": actor.merchant_id,
        "title": draft.title.strip(),
        "description": draft.description.strip(),
        "terms": draft.terms.strip(),
        "benefit": {
            "kind": b.kind.value,
            "value_fen": b.value_fen,
            "percent_off_bp": b.percent_off_bp,
            "cap_fen": b.cap_fen,
            "minimum_spend_fen": b.minimum_spend_fen,
            "item_id": b.item_id.strip() if b.item_id else None,
            "item_name": b.item_name.strip() if b.item_name else None,
        },
        "validity": {"starts_at": v.starts_at, "ends_at": v.ends_at, "days": v.days},
        "claimable_until": v.ends_at or NEVER,
        "all_stores": draft.all_stores,
        "store_ids": store_ids,
        # The store scope as one array, so a scoped manager's list is a single `$in` rather than an `$or`.
        "scope": [ALL_STORES] if draft.all_stores else [str(s) for s in store_ids],
        "stock": draft.stock,
        "issued": 0,
        "per_member_limit": draft.per_member_limit,
        "transferable": draft.transferable,
        "status": TemplateStatus.DRAFT.value,
        "created_by": actor.id,
        "created_at": now,
    }
    await mongo.db[c.COUPON_TEMPLATES].insert_one(doc)
    await audit(mongo=mongo, actor=actor, action="coupon_template.create", target=doc["_id"])
    return template_from_doc(doc)


async def set_template_status(*, mongo: Mongo, actor: Staff, template_id: ObjectId, status: TemplateStatus) -> Template:
    require_manager(actor)
    template = await get_template(mongo=mongo, actor=actor, template_id=template_id)
    require_cover(actor, template)
    allowed = _MOVES.get(status, frozenset())
    if template.stored_status is status:
        return template
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one_and_update(
        {"_id": template_id, "merchant_id": actor.merchant_id, "status": {"$in": [s.value for s in allowed]}},
        {"$set": {"status": status.value}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is None:
        raise CouponError(CouponCode.COUPON_STATUS_CHANGE_INVALID, "status", current=template.stored_status.value)
    await audit(mongo=mongo, actor=actor, action="coupon_template.status", target=template_id, status=status.value)
    return template_from_doc(doc)


async def load_template(*, mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId) -> Template | None:
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one({"_id": template_id, "merchant_id": merchant_id})
    return template_from_doc(doc) if doc else None


async def get_template(*, mongo: Mongo, actor: Staff, template_id: ObjectId) -> Template:
    """A template the actor may see: valid at an all-stores scope or at one of the actor's stores."""
    template = await load_template(mongo=mongo, merchant_id=actor.merchant_id, template_id=template_id)
    if template is None or not _visible(actor, template):
        raise CouponError(CouponCode.COUPON_TEMPLATE_NOT_FOUND, "templateId")
    return template


def _visible(actor: Staff, template: Template) -> bool:
    return actor.all_stores or template.all_stores or any(actor.can_see_store(s) for s in template.store_ids)


async def list_templates(*, mongo: Mongo, actor: Staff, first: int | None, after: ObjectId | None) -> Page[Template]:
    """Newest first; a manager of some stores sees the templates valid at any of them."""
    require_manager(actor)
    limit = clamp(first)
    query: dict[str, Any] = {"merchant_id": actor.merchant_id}
    if after is not None:
        query["_id"] = {"$lt": after}
    if not actor.all_stores:
        query["scope"] = {"$in": [ALL_STORES, *(str(s) for s in actor.store_ids)]}
    docs = await mongo.db[c.COUPON_TEMPLATES].find(query).sort("_id", -1).limit(limit + 1).to_list()
    return Page([(d["_id"], template_from_doc(d)) for d in docs[:limit]], len(docs) > limit)


def refusal(template: Template, now: datetime, n: int = 1) -> CouponCode | None:
    """Why `n` more coupons of this template cannot be handed out now, if they cannot."""
    status = template.status_at(now)
    if status is TemplateStatus.DRAFT:
        return CouponCode.COUPON_TEMPLATE_DRAFT
    if status is TemplateStatus.PAUSED:
        return CouponCode.COUPON_TEMPLATE_PAUSED
    if status is TemplateStatus.ENDED:
        return CouponCode.COUPON_TEMPLATE_ENDED
    if template.stock is not None and template.issued + n > template.stock:
        return CouponCode.COUPON_OUT_OF_STOCK
    return None


async def take_stock(
    mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId, n: int, now: datetime
) -> Template | None:
    """Takes `n` from the stock in one conditional update: never one more than the stock, however many race,
    and only from an ACTIVE template still within its window, so nothing has to be read first.

    The template as it is after the take, or None when it could not be taken (`refused_after_race` says why).
    """
    condition: Doc = {
        "_id": template_id,
        "merchant_id": merchant_id,
        "status": TemplateStatus.ACTIVE.value,
        "claimable_until": {"$gt": now},
        # An unlimited template stores no stock.
        "$expr": {"$or": [{"$eq": ["$stock", None]}, {"$lte": [{"$add": ["$issued", n]}, "$stock"]}]},
    }
    doc = await mongo.db[c.COUPON_TEMPLATES].find_one_and_update(
        condition, {"$inc": {"issued": n}}, return_document=ReturnDocument.AFTER
    )
    return template_from_doc(doc) if doc else None


async def give_back_stock(mongo: Mongo, merchant_id: ObjectId, template_id: ObjectId, n: int) -> None:
    """Compensation for a take whose later step failed; a crash before it under-issues, never over-issues."""
    query = {"merchant_id": merchant_id, "_id": template_id}
    await mongo.db[c.COUPON_TEMPLATES].update_one(query, {"$inc": {"issued": -n}})
    sold_out.MARKS.given_back(template_id)


async def refused_after_race(mongo: Mongo, template: Template, now: datetime, n: int = 1) -> CouponError:
    """The reason a conditional take failed, read after the fact (someone paused it, or took the last one)."""
    fresh = await load_template(mongo=mongo, merchant_id=template.merchant_id, template_id=template.id)
    code = refusal(fresh, now, n) if fresh else CouponCode.COUPON_TEMPLATE_NOT_FOUND
    return CouponError(code or CouponCode.COUPON_OUT_OF_STOCK, "templateId")
