"""The error codes of the payouts capability, shared by its modules: one enum, one error class."""

from enum import StrEnum

from domain.errors import DomainError


class PayoutCode(StrEnum):
    PAYOUTS_UNAVAILABLE = "PAYOUTS_UNAVAILABLE"
    IDEMPOTENCY_KEY_REQUIRED = "IDEMPOTENCY_KEY_REQUIRED"
    PAYOUT_NOT_FOUND = "PAYOUT_NOT_FOUND"
    PAYOUT_NOT_READY = "PAYOUT_NOT_READY"
    PAYOUT_SETTLED = "PAYOUT_SETTLED"
    STAFF_NOT_FOUND = "STAFF_NOT_FOUND"
    REFERENCE_TOO_LONG = "REFERENCE_TOO_LONG"
    SCHEDULE_INVALID = "SCHEDULE_INVALID"


class PayoutError(DomainError):
    pass
