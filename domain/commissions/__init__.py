"""Shareholder commissions (分红): programs and appointments, accrual on ORDER_PAID for two levels of upline
and the acquiring staff member, proportional reversal on ORDER_REFUNDED, the freeze and release, the review
queue for look-alike accounts, payouts that net clawbacks, and the shareholder and owner views.
"""
