"""Schema-wide guards: depth, alias, token and cost limits, and how errors leave the server.

Auth failures carry `extensions.code`; so does a domain error raised by a query that has no `userErrors` (bad
input it refuses), with its field and a message in the request's language; MongoDB or Redis unreachable is
UNAVAILABLE (try again shortly). Anything unexpected is logged with its trace and masked, so a bug never leaks
internals to a client. Where suggestions are off (production), no message offers the names of fields, arguments
or enum values a misspelling resembles. The apps send the same documents over and over, and parsing and
validating one was half of a claim's time in the API process (bench/claim_contention.py), so each schema
remembers the last `SEEN` document texts it checked.
"""

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
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
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from domain.errors import DomainError, PermissionDenied
from schema.context import NotAuthenticated
from schema.messages import ZH, message
from schema.query_cost import MaxCost

log = logging.getLogger("jike.graphql")

_AUTH_CODES: dict[type[Exception], tuple[str, str]] = {
    NotAuthenticated: ("UNAUTHENTICATED", "sign in first"),
    PermissionDenied: ("FORBIDDEN", "your role or store scope does not allow this"),
}

UNAVAILABLE = "UNAVAILABLE"
# A server the API needs did not answer in time (pymongo's AutoReconnect and ServerSelectionTimeoutError are
# ConnectionFailures): not a bug, and the same request may well succeed in a moment.
_UNREACHABLE = (ConnectionFailure, RedisConnectionError, RedisTimeoutError)


# graphql-core ends a message with its suggestions: "Cannot query field 'memb' on type 'Query'. Did you mean 'me'?"
_SUGGESTION = re.compile(r" Did you mean .*\?$", re.DOTALL)


class ErrorCodes(MaskErrors):
    def __init__(self, *, suggestions: bool = True) -> None:
        super().__init__(error_message="internal error")
        self.suggestions = suggestions

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._processed(error) for error in errors]

    def _processed(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        # A syntax, validation or limit error, or variables that do not coerce (graphql-core keeps the coercion's
        # own error as the original one): the message is about what the client sent. Resolvers' errors have a path.
        if original is None or (error.path is None and error.nodes):
            return self._for_client(error)
        if type(original) in _AUTH_CODES:
            code, text = _AUTH_CODES[type(original)]
            return GraphQLError(text, nodes=error.nodes, path=error.path, extensions={"code": code})
        if isinstance(original, _UNREACHABLE):
            log.warning("a server did not answer: %s: %s", type(original).__name__, original)
            return GraphQLError(
                "temporarily unavailable, try again shortly",
                nodes=error.nodes,
                path=error.path,
                extensions={"code": UNAVAILABLE},
            )
        if isinstance(original, DomainError):
            lang = getattr(self.execution_context.context, "lang", ZH)
            extensions = {"code": original.code.value, "field": original.field}
            return GraphQLError(
                message(original.code.value, lang), nodes=error.nodes, path=error.path, extensions=extensions
            )
        log.error("unhandled error in resolver", exc_info=original)
        return GraphQLError(
            self.error_message, nodes=error.nodes, path=error.path, extensions={"code": "INTERNAL_SERVER_ERROR"}
        )

    def _for_client(self, error: GraphQLError) -> GraphQLError:
        if self.suggestions:
            return error
        return GraphQLError(
            _SUGGESTION.sub("", error.message),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=error.extensions,
        )


# Distinct document texts remembered per schema: above the apps' documents, bounded against made-up ones.
SEEN = 512


class Validated:
    """One schema's validation errors per document text, least recently used dropped first. The rules read the
    document alone (depth, aliases, introspection), never the variables, so a text's answer never changes; the
    cost, which reads the variables, is priced per request (schema.query_cost)."""

    def __init__(self, size: int = SEEN) -> None:
        self._size = size
        self._errors: OrderedDict[str, list[GraphQLError]] = OrderedDict()

    def errors(self, text: str, validate: Callable[[], list[GraphQLError]]) -> list[GraphQLError]:
        found = self._errors.get(text)
        if found is not None:
            self._errors.move_to_end(text)
            return found
        found = self._errors[text] = validate()
        if len(self._errors) > self._size:
            self._errors.popitem(last=False)
        return found


class ValidatedOnce(SchemaExtension):
    """Validation from the schema's `Validated`; runs after every extension has added its rules."""

    def __init__(self, seen: Validated) -> None:
        self.seen = seen

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if ctx.query is not None and document is not None:
            rules = ctx.validation_rules
            ctx.pre_execution_errors = self.seen.errors(
                ctx.query, lambda: validate_document(ctx.schema._schema, document, rules)
            )
        yield


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
    # Over twice what the costliest screen of the apps asks with its pages at their largest (tests/schema).
    max_cost: int = 5000
    introspection: bool = True
    # "Did you mean …?" in error messages; off in production, where they would map the schema for a stranger.
    suggestions: bool = True


DEFAULT_LIMITS = QueryLimits()


def schema_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories, so every request gets fresh extension instances; one `Validated` per schema."""
    seen = Validated()
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: ParserCache(maxsize=SEEN),
        lambda: ValidatedOnce(seen),
        lambda: MaxCost(limits.max_cost),
        lambda: ErrorCodes(suggestions=limits.suggestions),
    ]
    if not limits.introspection:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
    return extensions
