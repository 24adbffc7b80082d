"""What one GraphQL operation costs, and the extension that refuses an operation over the limit before any
resolver runs.

Every field selected costs 1, and each alias is a field of its own. A field taking `first` (every connection, and
the rankings) returns a page, so what is selected under it counts once per item of that page: `first` clamped the
way the domain clamps it, 20 when not given and at most 100. Lists without `first` are bounded by the domain and
count once. Thirty aliases of `members(first: 100) { … ledger(first: 100) { … } }` thus cost over a million.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLInt,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_composite_type,
    value_from_ast,
)
from strawberry.extensions import SchemaExtension

from domain.pagination import clamp

PAGE_ARGUMENT = "first"
TOO_COSTLY = "QUERY_TOO_COSTLY"


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int | None:
    """The cost of the operation `document` names, with its fragments and variables resolved; None when there is
    no such operation."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    defaults = {d.variable.name.value: d.default_value for d in operation.variable_definitions or ()}
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Pricing(schema, fragments, dict(variables or {}), defaults).selections(operation.selection_set, root)


class _Pricing:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        defaults: Mapping[str, ValueNode | None],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults
        self.priced: dict[str, int] = {}

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLCompositeType) -> int:
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                total += self.selections(node.selection_set, self._type(condition.name.value) if condition else parent)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value)
        return total

    def fragment(self, name: str) -> int:
        # Priced once however often it is spread, so spreads within spreads cannot make pricing itself costly.
        if name not in self.priced:
            self.priced[name] = 0  # a spread of itself, refused by validation anyway, adds nothing
            definition = self.fragments.get(name)
            if definition is not None:
                parent = self._type(definition.type_condition.name.value)
                self.priced[name] = self.selections(definition.selection_set, parent)
        return self.priced[name]

    def field(self, node: FieldNode, parent: GraphQLCompositeType) -> int:
        definition = self.schema.get_field(parent, node.name.value)
        if definition is None or node.selection_set is None:
            return 1
        inner = self.selections(node.selection_set, self._composite(get_named_type(definition.type)))
        page = 1
        if PAGE_ARGUMENT in definition.args:
            page = clamp(self._page(node))
        return 1 + page * inner

    def _page(self, node: FieldNode) -> int | None:
        """The `first` the field is given: a literal, a variable's value or default; None when not an Int."""
        value: Any = None
        argument = next((a.value for a in node.arguments or () if a.name.value == PAGE_ARGUMENT), None)
        if isinstance(argument, VariableNode):
            name = argument.name.value
            if name in self.variables:
                value = self.variables[name]
            else:
                argument = self.defaults.get(name)
        if argument is not None and not isinstance(argument, VariableNode):
            value = value_from_ast(argument, GraphQLInt)
        return value if type(value) is int else None

    def _type(self, name: str) -> GraphQLCompositeType:
        return self._composite(self.schema.get_type(name))

    @staticmethod
    def _composite(type_: object) -> GraphQLCompositeType:
        # The operation is validated before it is priced: a selection set is only ever made on a composite type.
        assert is_composite_type(type_), type_
        return type_


class MaxCost(SchemaExtension):
    """Refuses, before execution, an operation costing more than `max_cost`, with QUERY_TOO_COSTLY."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None:
            cost = operation_cost(
                context.schema._schema,
                context.graphql_document,
                operation_name=context.operation_name,
                variables=context.variables,
            )
            if cost is not None and cost > self.max_cost:
                refusal = GraphQLError(
                    f"This query would cost {cost}, over the limit of {self.max_cost}: "
                    "ask for smaller pages (first) or fewer aliases.",
                    extensions={"code": TOO_COSTLY, "cost": cost, "maxCost": self.max_cost},
                )
                # A result set before execution is what Strawberry returns instead of executing.
                context.result = ExecutionResult(data=None, errors=[refusal])
        yield
