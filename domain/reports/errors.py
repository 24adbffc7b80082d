"""What a report request can be refused for."""

from enum import StrEnum

from domain.errors import DomainError


class ReportCode(StrEnum):
    RANGE_INVALID = "RANGE_INVALID"
    STORE_NOT_FOUND = "STORE_NOT_FOUND"
    REBUILD_RUNNING = "REBUILD_RUNNING"


class ReportError(DomainError):
    pass
