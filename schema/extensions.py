"""Schema-wide guards: depth, alias and token limits, and how errors leave the server.

Auth failures carry `extensions.code`; so does a domain error raised by a query that has no `userErrors` (bad
input it refuses), with its field and a message in the request's language. Anything unexpected is logged with
its trace and masked, so a bug never leaks internals to a client.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from graphql.error import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from domain.errors import DomainError, PermissionDenied
from schema.context import NotAuthenticated
from schema.messages import ZH, message

log = logging.getLogger("jike.graphql")

_AUTH_CODES: dict[type[Exception], tuple[str, str]] = {
    NotAuthenticated: ("UNAUTHENTICATED", "sign in first"),
    PermissionDenied: ("FORBIDDEN", "your role or store scope does not allow this"),
}


class ErrorCodes(MaskErrors):
    def __init__(self) -> None:
        super().__init__(error_message="internal error")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed: list[GraphQLError] = []
        for error in errors:
            original = error.original_error
            if original is None:  # a syntax, validation or limit error: the message is for the client
                processed.append(error)
            elif type(original) in _AUTH_CODES:
                code, text = _AUTH_CODES[type(original)]
                processed.append(GraphQLError(text, nodes=error.nodes, path=error.path, extensions={"code": code}))
            elif isinstance(original, DomainError):
                code = original.code.value
                processed.append(
                    GraphQLError(
                        message(code, getattr(self.execution_context.context, "lang", ZH)),
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": code, "field": original.field},
                    )
                )
            else:
                log.error("unhandled error in resolver", exc_info=original)
                processed.append(
                    GraphQLError(
                        self.error_message,
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": "INTERNAL_SERVER_ERROR"},
                    )
                )
        return processed


@dataclass(frozen=True)
class QueryLimits:
    """What one request may ask for; the SDL does not depend on them, so exporting it needs no settings."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    introspection: bool = True


DEFAULT_LIMITS = QueryLimits()


def schema_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories, so every request gets fresh extension instances."""
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        ErrorCodes,
    ]
    if not limits.introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return extensions
