"""The segments capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class SegmentCode(StrEnum):
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND"
    SEGMENT_NAME_INVALID = "SEGMENT_NAME_INVALID"
    FILTER_RANGE_INVALID = "FILTER_RANGE_INVALID"
    FILTER_VALUE_INVALID = "FILTER_VALUE_INVALID"
    TAG_INVALID = "TAG_INVALID"
    TOO_MANY_TAGS = "TOO_MANY_TAGS"
    MEMBERS_INVALID = "MEMBERS_INVALID"
    # Shares TenancyCode's message: a home store that is not one of the merchant's.
    STORE_NOT_FOUND = "STORE_NOT_FOUND"


class SegmentError(DomainError):
    pass
