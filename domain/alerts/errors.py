"""The alerts capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class AlertCode(StrEnum):
    ALERT_RULE_DUPLICATE = "ALERT_RULE_DUPLICATE"
    ALERT_PERCENT_INVALID = "ALERT_PERCENT_INVALID"
    ALERT_HOUR_INVALID = "ALERT_HOUR_INVALID"
    ALERT_COUNT_INVALID = "ALERT_COUNT_INVALID"
    ALERT_AMOUNT_INVALID = "ALERT_AMOUNT_INVALID"
    ALERT_IDS_INVALID = "ALERT_IDS_INVALID"
    ALERT_NOT_FOUND = "ALERT_NOT_FOUND"


class AlertError(DomainError):
    pass
