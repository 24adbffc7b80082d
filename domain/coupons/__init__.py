"""Coupons (优惠券): templates, claiming, forwarding, shareable packs (积客包), redemption (核销), and the events
of the funnel (domain.coupon_funnel reads them, with orders and referrals, above this package).

Every rule that must hold under concurrency (stock, per-member limit, one owner, one redemption) is one
conditional update on one document, backed by a unique index where two documents could otherwise collide.
"""
