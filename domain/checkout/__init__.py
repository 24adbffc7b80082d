"""Checkout (收银): paying an order (WeChat Pay, Alipay, stored value, cash), the provider webhooks and the active
query that settle it, and refunds. Every way an order gets paid ends in `settle.mark_paid`, one transaction that
applies the payment's effects exactly once; every refund ends in `refunds.apply_refund`, likewise.
The provider protocols themselves live in the top-level `payments` package.
"""
