"""Resolver plumbing, the same in every resolver: an input's global ids parsed (a malformed one, or one of another
type, is the user error INVALID_ID on its field) and a domain refusal (any DomainError, an invalid id included)
answered as the field's payload with `userErrors`, or as null for a query.
"""

import functools
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import ParamSpec, Protocol, TypeAlias, TypeVar, overload

import strawberry
from bson import ObjectId

from domain.errors import DomainError
from schema.common import UserError
from schema.context import Context
from schema.ids import from_global_id, from_global_ids

P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A")
R_co = TypeVar("R_co", covariant=True)

Resolver: TypeAlias = Callable[P, Awaitable[R]]


class SchemaCode(StrEnum):
    INVALID_ID = "INVALID_ID"


class InvalidId(DomainError):
    """A global id that is malformed or names another type: refused like a domain error, on its input field."""

    def __init__(self, field: str) -> None:
        super().__init__(SchemaCode.INVALID_ID, field=field)


@overload
def node_id(type_name: str, gid: str, field: str) -> ObjectId: ...


@overload
def node_id(type_name: str, gid: str | None, field: str) -> ObjectId | None: ...


def node_id(type_name: str, gid: str | None, field: str) -> ObjectId | None:
    """The ObjectId in `gid`, an ID of `type_name`; None when an optional id is null. Raises InvalidId."""
    if gid is None:
        return None
    oid = from_global_id(type_name, gid)
    if oid is None:
        raise InvalidId(field)
    return oid


def node_ids(type_name: str, gids: list[strawberry.ID], field: str) -> list[ObjectId]:
    """The ObjectIds in `gids`, in order; one bad id makes the whole field INVALID_ID. Raises InvalidId."""
    oids = from_global_ids(type_name, gids)
    if oids is None:
        raise InvalidId(field)
    return oids


class Payload(Protocol[R_co]):
    """A payload type: its other fields have defaults, so user errors alone make one."""

    def __call__(self, *, user_errors: list[UserError]) -> R_co: ...


def refused_as(answer: Callable[[Context, DomainError], A]) -> Callable[[Resolver[P, R]], Resolver[P, R | A]]:
    """The resolver, with a DomainError it raises answered by `answer`; auth errors and bugs pass through."""

    def decorate(resolve: Resolver[P, R]) -> Resolver[P, R | A]:
        @functools.wraps(resolve)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R | A:
            try:
                return await resolve(*args, **kwargs)
            except DomainError as e:
                # Strawberry passes the info by keyword, under the name every resolver here gives it.
                info = kwargs["info"]
                assert isinstance(info, strawberry.Info)
                return answer(info.context, e)

        return run

    return decorate


def user_errors_in(payload: Payload[R]) -> Callable[[Resolver[P, R]], Resolver[P, R]]:
    """A refusal as `payload(userErrors: [...])`: the business error, with the field at fault."""
    return refused_as(lambda ctx, e: payload(user_errors=ctx.user_errors(e)))


def null_when_refused(resolve: Resolver[P, R | None]) -> Resolver[P, R | None]:
    """For a query: a refusal (an invalid id included) reads as null, as an id nobody has would."""
    return refused_as(lambda ctx, e: None)(resolve)
