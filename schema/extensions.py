"""Schema-wide guards: depth, alias and token limits, and how errors leave the server.

Auth failures carry `extensions.code`; MongoDB or Redis unreachable is UNAVAILABLE (try again shortly); anything
else unexpected is logged with its trace and masked, so a bug never leaks internals to a client.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql.error import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from domain.errors import PermissionDenied
from schema.context import NotAuthenticated

log = logging.getLogger("jike.graphql")

_AUTH_CODES: dict[type[Exception], tuple[str, str]] = {
    NotAuthenticated: ("UNAUTHENTICATED", "sign in first"),
    PermissionDenied: ("FORBIDDEN", "your role or store scope does not allow this"),
}

UNAVAILABLE = "UNAVAILABLE"
# A server the API needs did not answer in time (pymongo's AutoReconnect and ServerSelectionTimeoutError are
# ConnectionFailures): not a bug, and the same request may well succeed in a moment.
_UNREACHABLE = (ConnectionFailure, RedisConnectionError, RedisTimeoutError)


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
            elif isinstance(original, _UNREACHABLE):
                log.warning("a server did not answer: %s: %s", type(original).__name__, original)
                processed.append(
                    GraphQLError(
                        "temporarily unavailable, try again shortly",
                        nodes=error.nodes,
                        path=error.path,
                        extensions={"code": UNAVAILABLE},
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


def nothing_ran(response: Mapping[str, Any]) -> bool:
    """Every error is UNAVAILABLE and no field has a value: the whole request can be sent again as it is."""
    errors = response.get("errors") or []
    data = response.get("data")
    return (
        bool(errors)
        and all((e.get("extensions") or {}).get("code") == UNAVAILABLE for e in errors)
        and (data is None or all(value is None for value in data.values()))
    )


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
