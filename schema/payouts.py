"""Payout types both doors share: the states of a payout."""

from enum import Enum

import strawberry


@strawberry.enum(
    description="PROCESSING while its transfers are made or wait for the member to confirm them (or for another "
    "day's quota); PAID; PARTIALLY_PAID when some transfers failed (the rest joins the next payout); FAILED when "
    "none was paid (failed, cancelled, or not confirmed in time), and its commissions are available again."
)
class PayoutStatus(Enum):
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    FAILED = "FAILED"
