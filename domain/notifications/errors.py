"""The notifications capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class NotificationCode(StrEnum):
    NOTIFICATION_NOT_FOUND = "NOTIFICATION_NOT_FOUND"
    NOTIFICATION_IDS_INVALID = "NOTIFICATION_IDS_INVALID"
    SUBSCRIBE_TEMPLATE_UNKNOWN = "SUBSCRIBE_TEMPLATE_UNKNOWN"
    SUBSCRIPTION_NOT_ASKED = "SUBSCRIPTION_NOT_ASKED"


class NotificationError(DomainError):
    pass
