"""Types both schemas share: user errors, Relay connections, sessions."""

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from domain.pagination import Page
from domain.sessions import TokenPair
from schema.ids import to_cursor

T = TypeVar("T")
N = TypeVar("N")


@strawberry.type(description="A business error: the request was understood but cannot be done as asked.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    code: str = strawberry.field(description="Stable SCREAMING_SNAKE code to branch on.")
    message: str = strawberry.field(description="Human-readable, in the request's language.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


def connection(page: Page[T], node: Callable[[T], N]) -> Connection[N]:
    edges = [Edge(node=node(item), cursor=to_cursor(oid)) for oid, item in page.items]
    return Connection(
        edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None)
    )


@strawberry.type(description="Tokens for the signed-in user: send the access token as `Authorization: Bearer`.")
class Session:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime

    @classmethod
    def of(cls, tokens: TokenPair) -> "Session":
        return cls(
            access_token=tokens.access_token,
            access_token_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_token_expires_at=tokens.refresh_expires_at,
        )


@strawberry.input
class RefreshTokenInput:
    refresh_token: str


@strawberry.type
class RefreshTokenPayload:
    session: Session | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
