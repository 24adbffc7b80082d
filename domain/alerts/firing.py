"""An alert: what fired (its kind, the store or nothing for the merchant as a whole), what about (its subject: a
store, a shareholder, a flag) and for which period, its figures, the list behind it, and who has yet to read it.

An alert fires once per (merchant, kind, subject, period), however many evaluations race: a unique index holds
it and the loser's insert is a quiet no-op. Its readers are fixed when it fires (each OWNER, and each MANAGER
whose stores include its store), so a staff member's unread count is one indexed count.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo
from domain.alerts.rules import AlertKind
from domain.tenancy import Role, Staff


class FigureUnit(StrEnum):
    FEN = "FEN"
    COUNT = "COUNT"
    PERCENT = "PERCENT"


@dataclass(frozen=True)
class Figure:
    name: str
    value: int
    unit: FigureUnit


class Route(StrEnum):
    """The staff-app list behind an alert."""

    # One day's report, of a store or of every store.
    REPORT = "REPORT"
    ORDER = "ORDER"
    DEAD_LETTERS = "DEAD_LETTERS"
    SHAREHOLDERS = "SHAREHOLDERS"


@dataclass(frozen=True)
class Link:
    route: Route
    store_id: ObjectId | None = None
    order_id: ObjectId | None = None
    day: date | None = None


@dataclass(frozen=True)
class Firing:
    """An alert as an evaluation finds it, before it is kept."""

    kind: AlertKind
    store_id: ObjectId | None
    subject: str
    period: str
    figures: tuple[Figure, ...]
    link: Link
    # Names the message needs that no figure holds: a shareholder's, a flag's kind.
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    id: ObjectId
    merchant_id: ObjectId
    firing: Firing
    fired_at: datetime
    unread_by: tuple[ObjectId, ...]

    def read_by(self, staff: Staff) -> bool:
        return staff.id not in self.unread_by


def _link_doc(link: Link) -> Doc:
    return {
        "route": link.route.value,
        "store_id": link.store_id,
        "order_id": link.order_id,
        "day": link.day.isoformat() if link.day else None,
    }


def alert_from_doc(doc: Doc) -> Alert:
    link = doc["link"]
    firing = Firing(
        kind=AlertKind(doc["kind"]),
        store_id=doc["store_id"],
        subject=doc["subject"],
        period=doc["period"],
        figures=tuple(Figure(f["name"], f["value"], FigureUnit(f["unit"])) for f in doc["figures"]),
        link=Link(
            Route(link["route"]),
            link["store_id"],
            link["order_id"],
            date.fromisoformat(link["day"]) if link["day"] else None,
        ),
        detail=doc["detail"],
    )
    return Alert(doc["_id"], doc["merchant_id"], firing, doc["fired_at"], tuple(doc["unread_by"]))


def readers(staff: Sequence[Staff], store_id: ObjectId | None) -> list[ObjectId]:
    """Who is shown the alert: OWNERs and MANAGERs, a store's only to those whose scope includes it."""
    return [
        s.id for s in staff if s.has_role(Role.OWNER, Role.MANAGER) and (store_id is None or s.can_see_store(store_id))
    ]


async def fire(*, mongo: Mongo, merchant_id: ObjectId, firing: Firing, staff: Sequence[Staff], now: datetime) -> bool:
    """Keeps the alert unless this rule already fired for its subject and period; True when this call kept it."""
    doc: Doc = {
        "merchant_id": merchant_id,
        "kind": firing.kind.value,
        "store_id": firing.store_id,
        "subject": firing.subject,
        "period": firing.period,
        "figures": [{"name": f.name, "value": f.value, "unit": f.unit.value} for f in firing.figures],
        "link": _link_doc(firing.link),
        "detail": firing.detail,
        "fired_at": now,
        "unread_by": readers(staff, firing.store_id),
    }
    try:
        await mongo.db[c.ALERTS].insert_one(doc)
    except DuplicateKeyError:
        return False
    return True
