"""The journeys capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class JourneyCode(StrEnum):
    JOURNEY_RULE_DUPLICATE = "JOURNEY_RULE_DUPLICATE"
    JOURNEY_DAYS_INVALID = "JOURNEY_DAYS_INVALID"
    JOURNEY_CONTROL_INVALID = "JOURNEY_CONTROL_INVALID"
    JOURNEY_TEMPLATE_REQUIRED = "JOURNEY_TEMPLATE_REQUIRED"


class JourneyError(DomainError):
    pass
