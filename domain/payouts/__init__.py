"""Shareholder payouts: members' AVAILABLE commissions (less clawbacks) held per run into payouts and paid by
WeChat Pay merchant transfer, within the account's limits, settled by notification or query, returned to
AVAILABLE when nothing could be paid; staff commissions marked PAID_OFFLINE by the owner instead.
"""
