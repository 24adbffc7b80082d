"""The base of every domain error: a stable code from the capability's enum, the input field it concerns,
and details for the message. The schema turns these into `userErrors`; `PermissionDenied` into an auth error.
"""

from enum import StrEnum
from typing import Any


class DomainError(Exception):
    def __init__(self, code: StrEnum, field: str | None = None, **detail: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.detail = detail


class PermissionDenied(Exception):
    """The caller is signed in but their role or store scope does not allow this.

    Not a DomainError on purpose: it is an auth failure, reported as a GraphQL error, never a userError.
    """
