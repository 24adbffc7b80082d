"""The error codes of the referrals capability, shared by its modules: one enum, one error class."""

from enum import StrEnum

from domain.errors import DomainError


class ReferralCode(StrEnum):
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    REFERRER_NOT_FOUND = "REFERRER_NOT_FOUND"
    SELF_REFERRAL = "SELF_REFERRAL"
    REFERRAL_CYCLE = "REFERRAL_CYCLE"
    REFERRER_UNCHANGED = "REFERRER_UNCHANGED"
    REASON_REQUIRED = "REASON_REQUIRED"
    SHARE_CODE_UNAVAILABLE = "SHARE_CODE_UNAVAILABLE"


class ReferralError(DomainError):
    pass
