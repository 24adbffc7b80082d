"""Payout types both doors share: the states of a payout."""

from typing import TypeAlias

import strawberry

from domain.payouts import model

PayoutStatus: TypeAlias = model.PayoutStatus
strawberry.enum(
    PayoutStatus,
    name="PayoutStatus",
    description="PROCESSING while its transfers are made or wait for the member to confirm them (or for another "
    "day's quota); PAID; PARTIALLY_PAID when some transfers failed (the rest joins the next payout); FAILED when "
    "none was paid (failed, cancelled, or not confirmed in time), and its commissions are available again.",
)
