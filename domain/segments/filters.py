"""A segment's filter: every field optional, the fields combining with AND, checked whole before it is used or
kept, and turned into one query over `member_facts` (each field a condition on one indexed fact).

Days are counted in the merchant's time zone (its first store's): a member who paid today has 0 days since their
last paid visit; "visits in the last N days" counts paid days from N-1 days ago to today.
"""

from dataclasses import asdict, dataclass, fields
from typing import Any

from bson import ObjectId

from db.mongo import Doc
from domain.reports.report import MemberSource
from domain.segments.errors import SegmentCode, SegmentError
from domain.segments.facts import MAX_PAID_DAYS

# How members came, as the reports' new-members-by-source counts them.
SOURCES = tuple(s.value for s in MemberSource)
# Quintile scores, 5 the best: most recent, most frequent, most money.
RFM_SCORES = range(1, 6)
MAX_DAYS = 3660
MAX_VALUES = 50


@dataclass(frozen=True)
class SegmentFilter:
    """Members matching every field that is not None."""

    levels: tuple[str, ...] | None = None
    tags_all: tuple[str, ...] | None = None
    days_since_paid_min: int | None = None
    days_since_paid_max: int | None = None
    lifetime_paid_min_fen: int | None = None
    lifetime_paid_max_fen: int | None = None
    visits_in_days: int | None = None
    visits_min: int | None = None
    birthday_month: int | None = None
    sources: tuple[str, ...] | None = None
    brought_by: ObjectId | None = None
    home_store_id: ObjectId | None = None
    stored_value_min_fen: int | None = None
    count_uses_min: int | None = None
    rfm: tuple[str, ...] | None = None


def rfm_bucket(r: int, f: int, m: int) -> str:
    """The bucket's name: R, F and M each scored 1-5, e.g. R5F1M3."""
    return f"R{r}F{f}M{m}"


RFM_BUCKETS = frozenset(rfm_bucket(r, f, m) for r in RFM_SCORES for f in RFM_SCORES for m in RFM_SCORES)


def _range(low: int | None, high: int | None, low_field: str, high_field: str, top: int | None = None) -> None:
    for value, name in ((low, low_field), (high, high_field)):
        if value is not None and (value < 0 or (top is not None and value > top)):
            raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, name)
    if low is not None and high is not None and low > high:
        raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, high_field)


def _values(values: tuple[str, ...] | None, name: str, allowed: frozenset[str] | None = None) -> None:
    if values is None:
        return
    if not values or len(values) > MAX_VALUES or (allowed is not None and not set(values) <= allowed):
        raise SegmentError(SegmentCode.FILTER_VALUE_INVALID, name)


def check(flt: SegmentFilter) -> SegmentFilter:
    """The filter, or SegmentError naming the first field at fault (by its GraphQL name)."""
    _values(flt.levels, "levels")
    _values(flt.tags_all, "tagsAll")
    _values(flt.sources, "sources", frozenset(SOURCES))
    _values(flt.rfm, "rfm", RFM_BUCKETS)
    _range(flt.days_since_paid_min, flt.days_since_paid_max, "daysSincePaidMin", "daysSincePaidMax", MAX_DAYS)
    _range(flt.lifetime_paid_min_fen, flt.lifetime_paid_max_fen, "lifetimePaidMinFen", "lifetimePaidMaxFen")
    _range(flt.stored_value_min_fen, None, "storedValueMinFen", "storedValueMinFen")
    _range(flt.count_uses_min, None, "countUsesMin", "countUsesMin")
    if (flt.visits_in_days is None) != (flt.visits_min is None):
        raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, "visitsMin" if flt.visits_min is None else "visitsInDays")
    if flt.visits_in_days is not None and not 1 <= flt.visits_in_days <= MAX_DAYS:
        raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, "visitsInDays")
    if flt.visits_min is not None and not 1 <= flt.visits_min <= MAX_PAID_DAYS:
        raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, "visitsMin")
    if flt.birthday_month is not None and not 1 <= flt.birthday_month <= 12:
        raise SegmentError(SegmentCode.FILTER_RANGE_INVALID, "birthdayMonth")
    return flt


def _between(low: int | None, high: int | None) -> Doc | None:
    cond: Doc = {}
    if low is not None:
        cond["$gte"] = low
    if high is not None:
        cond["$lte"] = high
    return cond or None


def _in(values: tuple[str, ...] | None) -> Doc | None:
    return None if values is None else {"$in": list(values)}


def _at_least(value: int | None) -> Doc | None:
    return None if value is None else {"$gte": value}


def _visits(flt: SegmentFilter, today: int) -> tuple[str, Doc | None]:
    """The K-th latest distinct paid day falls in the window."""
    if flt.visits_in_days is None or flt.visits_min is None:
        return "paid_days", None
    return f"paid_days.{flt.visits_min - 1}", {"$gt": today - flt.visits_in_days}


def query(merchant_id: ObjectId, flt: SegmentFilter, today: int) -> Doc:
    """The `member_facts` query of a checked filter, with `today` the merchant's local day number."""
    last = _between(
        None if flt.days_since_paid_max is None else today - flt.days_since_paid_max,
        None if flt.days_since_paid_min is None else today - flt.days_since_paid_min,
    )
    conditions: dict[str, Any] = {
        "level": _in(flt.levels),
        "tags": None if flt.tags_all is None else {"$all": list(flt.tags_all)},
        "last_paid_day": last,
        "lifetime_paid_fen": _between(flt.lifetime_paid_min_fen, flt.lifetime_paid_max_fen),
        "birthday_month": flt.birthday_month,
        "source": _in(flt.sources),
        "brought_by": flt.brought_by,
        "home_store_id": flt.home_store_id,
        "stored_value_fen": _at_least(flt.stored_value_min_fen),
        "count_uses": _at_least(flt.count_uses_min),
        "rfm": _in(flt.rfm),
    }
    found: Doc = {"merchant_id": merchant_id} | {k: v for k, v in conditions.items() if v is not None}
    field, window = _visits(flt, today)
    if window is not None:
        found[field] = window
    if last is not None and flt.days_since_paid_max is None:
        # Never paid is as long ago as can be.
        del found["last_paid_day"]
        found["$or"] = [{"last_paid_day": last}, {"last_paid_day": None}]
    return found


def to_doc(flt: SegmentFilter) -> Doc:
    """As a saved segment keeps it: only the fields set."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(flt).items() if v is not None}


def from_doc(doc: Doc) -> SegmentFilter:
    names = {f.name for f in fields(SegmentFilter)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in doc.items() if k in names}
    return SegmentFilter(**values)
