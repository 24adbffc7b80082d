"""The schema's enums are the domain's: each GraphQL enum is a domain enum registered under its GraphQL name, so a
member added in the domain shows in both schemas at once (and the SDL check asks for `make schema`). The few the
schema writes by hand are listed here with the domain enum they follow, and fail when it gains a member.
"""

from enum import Enum, EnumMeta

import pytest
import strawberry
from strawberry.types.enum import StrawberryEnumDefinition

from domain.cards import ledger
from schema.admin import build_admin_schema
from schema.admin.members import AdjustableAccount
from schema.booking import Weekday
from schema.member import build_member_schema

# Schema enums that show part of a domain enum on purpose: the domain enum, and the members left out.
NARROWED: dict[type[Enum], tuple[type[Enum], set[str]]] = {
    # Count-card uses change by granting and using count cards, never by a manual adjustment.
    AdjustableAccount: (ledger.Account, {"COUNT"}),
}
# Schema enums with no domain enum behind them: the booking domain counts weekdays as numbers, Monday = 0.
SCHEMA_ONLY: set[type[Enum]] = {Weekday}


def _enums(schema: strawberry.Schema) -> dict[str, EnumMeta]:
    found = {}
    for t in schema.introspect()["__schema"]["types"]:
        definition = schema.get_type_by_name(t["name"])
        if isinstance(definition, StrawberryEnumDefinition):
            found[t["name"]] = definition.wrapped_cls
    return found


def test_every_schema_enum_is_a_domain_enum_unless_it_is_listed_here() -> None:
    # given both schemas' enums
    enums = _enums(build_member_schema()) | _enums(build_admin_schema())

    # when those not defined in domain/ are picked out
    by_hand = {cls for cls in enums.values() if not cls.__module__.startswith("domain.")}

    # then each is a narrowing checked below or has no domain enum at all
    assert by_hand == set(NARROWED) | SCHEMA_ONLY


@pytest.mark.parametrize("shown", list(NARROWED), ids=lambda cls: cls.__name__)
def test_a_narrowed_enum_shows_every_member_of_its_domain_enum_but_those_left_out_on_purpose(
    shown: type[Enum],
) -> None:
    # given the domain enum it follows and the members it leaves out
    domain_enum, left_out = NARROWED[shown]

    # when the members are compared, name and value
    wanted = {m.name: m.value for m in domain_enum if m.name not in left_out}

    # then a member added in the domain must be shown or left out here, by name
    assert {m.name: m.value for m in shown} == wanted
    assert left_out <= {m.name for m in domain_enum}
