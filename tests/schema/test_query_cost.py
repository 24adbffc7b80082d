"""The cost limit against what the apps really send: every GraphQL document of the mini-program and of the tests
(their UPPER_SNAKE constants, the screens and flows of both apps) costs less than the default limit, even with
every page at its largest; and how a cost is counted, on small documents whose cost can be worked out by hand.
"""

import importlib
import pkgutil
import re

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    parse,
    validate,
)

import tests
from domain.pagination import MAX_PAGE
from schema.admin import build_admin_schema
from schema.extensions import DEFAULT_LIMITS
from schema.member import build_member_schema
from schema.query_cost import operation_cost

UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9_]*")

ADMIN = build_admin_schema()._schema
MEMBER = build_member_schema()._schema


def app_documents(mini_program_documents: dict[str, str]) -> dict[str, str]:
    """Every GraphQL-looking text the apps send: the mini-program's documents, and the tests' constants."""
    found = {f"miniprogram_stub/{name}": text for name, text in mini_program_documents.items()}
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        for name, value in vars(importlib.import_module(info.name)).items():
            if UPPER_SNAKE.fullmatch(name) and isinstance(value, str) and "{" in value:
                found[f"{info.name}.{name}"] = value
    return found


def largest_pages(document: DocumentNode) -> dict[str, int]:
    """Every Int variable at the largest page, so a `first: $first` costs the most it can."""
    largest = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                type_ = variable.type.type if isinstance(variable.type, NonNullTypeNode) else variable.type
                if isinstance(type_, NamedTypeNode) and type_.name.value == "Int":
                    largest[variable.variable.name.value] = MAX_PAGE
    return largest


def priced(text: str) -> tuple[GraphQLSchema, DocumentNode] | None:
    """The schema the document is valid against, and the document; None when it is not GraphQL for either door."""
    try:
        document = parse(text)
    except GraphQLError:
        return None
    return next(((schema, document) for schema in (ADMIN, MEMBER) if not validate(schema, document)), None)


def test_every_document_the_apps_send_costs_less_than_the_default_limit(mini_program_documents: dict[str, str]) -> None:
    # given every document of the mini-program and the tests that is valid at one of the doors
    documents = {name: found for name, text in app_documents(mini_program_documents).items() if (found := priced(text))}

    # when each is priced with its pages as large as they go
    costs = {
        name: operation_cost(schema, document, variables=largest_pages(document))
        for name, (schema, document) in documents.items()
    }

    # then each is under the limit, with room to spare, and the mini-program's flows were all among them
    assert len(costs) > 150
    assert {name for name in costs if name.startswith("miniprogram_stub/")} >= {
        "miniprogram_stub/LOGIN",
        "miniprogram_stub/AVAILABLE_SLOTS",
        "miniprogram_stub/BOOK",
        "miniprogram_stub/PAY_ORDER",
    }
    over = {name: cost for name, cost in costs.items() if cost is None or cost * 2 > DEFAULT_LIMITS.max_cost}
    assert over == {}


def cost(text: str, variables: dict[str, int] | None = None) -> int | None:
    document = parse(text)
    assert validate(ADMIN, document) == []
    return operation_cost(ADMIN, document, variables=variables)


def test_a_page_multiplies_what_is_selected_under_it_and_pages_multiply_down_the_tree() -> None:
    # a field costs 1; `members` returns 20 by default, each edge and node with its id: 1 + 20 × (1 + 1 + 1)
    assert cost("{ members { edges { node { id } } } }") == 61
    # first: 100 makes it 100 pages' worth, and first beyond the largest page counts as the largest
    assert cost("{ members(first: 100) { edges { node { id } } } }") == 301
    assert cost("{ members(first: 5000) { edges { node { id } } } }") == 301
    # a ledger of 100 under each of 100 members: 1 + 100 × (1 + 1 + 1 + (1 + 100 × (1 + 1 + 1)))
    assert cost("{ members(first: 100) { edges { node { id ledger(first: 100) { edges { node { id } } } } } } }") == (
        1 + 100 * (3 + 301)
    )


def test_aliases_fragments_and_variables_are_counted_as_they_will_run() -> None:
    # each alias is a field of its own
    assert cost("{ a: members(first: 10) { edges { cursor } } b: members(first: 10) { edges { cursor } } }") == 2 * 21
    # a fragment costs what it selects, wherever it is spread
    assert cost("{ members(first: 10) { ...page } } fragment page on MemberConnection { edges { cursor } }") == 21
    # a variable's value, or its default when none is sent
    paged = "query($n: Int = 30) { members(first: $n) { edges { cursor } } }"
    assert (cost(paged, {"n": 10}), cost(paged)) == (21, 61)
