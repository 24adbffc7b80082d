"""The event contracts hold: every kind the domain registers is written somewhere in domain/, handled by the
worker, and survives the trip through the outbox (BSON and back) unchanged; a payload that does not fit its
kind is a clear error.
"""

import ast
import dataclasses
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import bson
import pytest
from bson import ObjectId
from bson.codec_options import CodecOptions
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.events import EVENTS, Event, EventPayloadError, OrderPaid
from workers.events import HANDLERS

DOMAIN = Path(__file__).parents[2] / "domain"
REGISTRY = DOMAIN / "events.py"
# BSON keeps times to the millisecond, and Mongo hands them back in UTC.
MOMENTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)
STRATEGIES: dict[object, st.SearchStrategy[Any]] = {
    ObjectId: st.builds(ObjectId),
    datetime: MOMENTS,
    int: st.integers(min_value=0, max_value=2**53),
    str: st.text(min_size=1, max_size=20),
}


def _strategy(annotation: object) -> st.SearchStrategy[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        (inner,) = [a for a in get_args(annotation) if a is not type(None)]
        return st.none() | STRATEGIES[inner]
    return STRATEGIES[annotation]


def instances(kind: type[Event]) -> st.SearchStrategy[Event]:
    hints = get_type_hints(kind)
    values = st.fixed_dictionaries({f.name: _strategy(hints[f.name]) for f in dataclasses.fields(kind)})
    return values.filter(_valid).map(lambda v: kind(**v))


def _valid(values: dict[str, Any]) -> bool:
    """Only ORDER_PAID checks its fields against each other: stored value spent is part of what was paid."""
    return values.get("stored_value_spent_fen", 0) <= values.get("consumption_paid_fen", 0) or (
        "consumption_paid_fen" not in values
    )


def through_the_outbox(payload: dict[str, Any]) -> dict[str, Any]:
    return bson.decode(bson.encode(payload), codec_options=CodecOptions(tz_aware=True))


def producers() -> dict[str, set[str]]:
    """Event class name -> the domain modules that make one: call it, or hand the class to a call (as the
    booking and queue modules hand theirs to a builder); isinstance checks and type hints do not count."""
    made: dict[str, set[str]] = {}
    for path in DOMAIN.rglob("*.py"):
        if path == REGISTRY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "issubclass"):
                continue
            for named in (node.func, *node.args, *(k.value for k in node.keywords)):
                if isinstance(named, ast.Name):
                    made.setdefault(named.id, set()).add(str(path.relative_to(DOMAIN)))
    return made


def test_every_event_kind_is_written_by_the_domain() -> None:
    made = producers()
    assert [kind.__name__ for kind in EVENTS if kind.__name__ not in made] == []


def test_every_event_kind_is_handled_by_the_worker_and_nothing_else_is() -> None:
    assert [kind.KIND for kind in EVENTS if kind not in HANDLERS] == []
    assert [kind.KIND for kind in HANDLERS if kind not in EVENTS] == []


def test_event_kinds_are_unique() -> None:
    kinds = [kind.KIND for kind in EVENTS]
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize("kind", EVENTS, ids=lambda k: k.KIND)
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_every_payload_survives_the_outbox(kind: type[Event], data: st.DataObject) -> None:
    # given any event of the kind (hypothesis picks ids, times, amounts and absent optional fields)
    event = data.draw(instances(kind))

    # when its payload is stored as BSON and read back
    read = kind.from_payload(through_the_outbox(event.payload()))

    # then the handler gets the same event
    assert read == event


def test_a_walk_in_sale_is_an_order_paid_with_no_member() -> None:
    # given the counter's sale to nobody in particular, as an older release wrote it (ids as strings)
    walk_in = {
        "order_id": str(ObjectId()),
        "merchant_id": str(ObjectId()),
        "member_id": None,
        "store_id": str(ObjectId()),
        "paid_at": "2026-12-04T10:00:00",
        "consumption_paid_fen": 5000,
        "unknown_to_this_release": True,
    }

    # when it is read
    event = OrderPaid.from_payload(walk_in)

    # then it parses, with no member and the time in UTC
    assert event.member_id is None
    assert event.paid_at == datetime(2026, 12, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"order_id": "not-an-id"}, "order_id is not an id"),
        ({"paid_at": "yesterday"}, "paid_at is not a time"),
        ({"consumption_paid_fen": "12.5"}, "consumption_paid_fen must be a whole number"),
        ({"consumption_paid_fen": -1}, "amounts are never negative"),
        ({"store_id": None}, "ORDER_PAID payload has no store_id"),
    ],
)
def test_a_payload_that_does_not_fit_its_kind_is_a_clear_error(change: dict[str, Any], problem: str) -> None:
    # given a good ORDER_PAID payload with one field spoiled
    good = OrderPaid(ObjectId(), ObjectId(), ObjectId(), ObjectId(), datetime.now(UTC), 100).payload()

    # when it is read, then the error names the field
    with pytest.raises(EventPayloadError, match=problem):
        OrderPaid.from_payload(good | change)


def test_the_architecture_document_lists_every_event_kind() -> None:
    document = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
    assert [kind.KIND for kind in EVENTS if f"| {kind.KIND} |" not in document] == []
