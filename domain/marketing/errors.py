"""The marketing capability's error codes."""

from enum import StrEnum

from domain.errors import DomainError


class MarketingCode(StrEnum):
    # setMarketingConsent named neither switch.
    MARKETING_CONSENT_EMPTY = "MARKETING_CONSENT_EMPTY"


class MarketingError(DomainError):
    pass
