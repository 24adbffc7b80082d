"""The error codes of the orders capability: one enum, one error class."""

from enum import StrEnum

from domain.errors import DomainError


class OrderCode(StrEnum):
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_CONTENT_INVALID = "ORDER_CONTENT_INVALID"
    ORDER_AMOUNT_INVALID = "ORDER_AMOUNT_INVALID"
    ITEM_NOT_SOLD_HERE = "ITEM_NOT_SOLD_HERE"
    MEMBER_REQUIRED = "MEMBER_REQUIRED"
    BOOKING_NOT_PAYABLE = "BOOKING_NOT_PAYABLE"
    BOOKING_ALREADY_ORDERED = "BOOKING_ALREADY_ORDERED"
    DEPOSIT_NOT_DISCOUNTED = "DEPOSIT_NOT_DISCOUNTED"
    NOTE_TOO_LONG = "NOTE_TOO_LONG"


class OrderError(DomainError):
    pass
