"""Which documents of each collection are a merchant's, and which collections are the platform's and stay behind.

Most tenant documents carry `merchant_id`; a few per-merchant settings are keyed by the merchant's id; a payment
notification names only the provider's trade number, so it is the merchant's through one of its payments.
"""

from dataclasses import dataclass

from db import collections as c


@dataclass(frozen=True)
class Owned:
    """The merchant's documents are those whose `field` is the merchant's id."""

    field: str = "merchant_id"


@dataclass(frozen=True)
class Referenced:
    """Documents without a merchant of their own: the merchant's when `field` holds a `source_field` value of one of
    the merchant's `source` documents (read in the same snapshot, earlier in `SCOPES`)."""

    field: str
    source: str
    source_field: str


Scope = Owned | Referenced

# Named so that a new collection is a decision: a test fails while a collection is in neither table.
NOT_EXPORTED: dict[str, str] = {
    c.CRON_RUNS: "the platform's schedule: one record per job for every merchant",
    c.CRON_PERIODS: "the platform's claims on each job's periods, for every merchant",
    c.PAYOUT_QUOTAS: "the platform payout account's daily limits (per payee and in total), shared by every merchant",
    c.REFRESH_TOKENS: (
        "sessions, signed with the source's JIKE_SECRET_KEY and removed by a TTL index as they expire; staff and "
        "members sign in again on the new cluster"
    ),
}

_BY_ID = Owned("_id")

SCOPES: dict[str, Scope] = {
    c.MERCHANTS: _BY_ID,
    c.STORES: Owned(),
    c.STAFF: Owned(),
    c.MEMBERS: Owned(),
    # The platform operator's own acts carry no merchant (merchant_id null) and stay behind.
    c.AUDIT_LOG: Owned(),
    c.CARDS: Owned(),
    c.LOYALTY_PROGRAMS: _BY_ID,
    c.LEDGER: Owned(),
    c.COUNT_CARDS: Owned(),
    c.TOP_UP_PLANS: Owned(),
    c.OUTBOX: Owned(),
    c.COUPON_TEMPLATES: Owned(),
    c.COUPONS: Owned(),
    c.COUPON_PACKS: Owned(),
    c.COUPON_EVENTS: Owned(),
    c.BOOKING_POLICIES: _BY_ID,
    c.STORE_HOURS: Owned(),
    c.STAFF_SCHEDULES: Owned(),
    c.SCHEDULE_EXCEPTIONS: Owned(),
    c.SERVICES: Owned(),
    c.RESOURCES: Owned(),
    c.BOOKINGS: Owned(),
    c.BOOKING_CELLS: Owned(),
    c.QUEUE_TICKETS: Owned(),
    c.QUEUE_COUNTERS: Owned(),
    c.DEAD_LETTERS: Owned(),
    c.NOTIFICATIONS: Owned(),
    c.SUBSCRIPTIONS: Owned(),
    c.BIRTHDAY_GIFT_SETTINGS: _BY_ID,
    c.BIRTHDAY_GIFTS: Owned(),
    c.SHARE_CODES: Owned(),
    c.REFERRAL_BINDINGS: Owned(),
    c.SHAREHOLDER_PROGRAMS: Owned(),
    c.SHAREHOLDERS: Owned(),
    c.COMMISSION_ORDERS: Owned(),
    c.COMMISSIONS: Owned(),
    c.COMMISSION_ACCOUNTS: Owned(),
    c.COMMISSION_LEDGER: Owned(),
    c.CATALOG_ITEMS: Owned(),
    c.ORDERS: Owned(),
    c.PAYMENTS: Owned(),
    c.PAYMENT_NOTIFICATIONS: Referenced("out_trade_no", c.PAYMENTS, "out_trade_no"),
    c.PAY_REQUESTS: Owned(),
    c.REFUNDS: Owned(),
    c.PAYOUTS: Owned(),
    c.PAYOUT_TRANSFERS: Owned(),
    c.PAYOUT_RUNS: Owned(),
    c.PAYOUT_SCHEDULES: _BY_ID,
    c.ALERT_RULES: Owned(),
    c.ALERTS: Owned(),
    c.REPORT_STATE: Owned(),
    c.REPORT_APPLIED: Owned(),
    c.REPORT_DAYS: Owned(),
    c.REPORT_MEMBER_MONTHS: Owned(),
    c.REPORT_MEMBER_LAST: Owned(),
    c.REPORT_BALANCES: Owned(),
    c.JOURNEY_RULES: _BY_ID,
    c.JOURNEY_SENDS: Owned(),
    c.MARKETING_CONSENTS: Owned(),
    c.MARKETING_SLOTS: Owned(),
    c.MARKETING_TOUCHES: Owned(),
    c.MARKETING_EFFECTS: Owned(),
    c.MEMBER_FACTS: Owned(),
    c.SEGMENTS: Owned(),
    c.PRIVACY_POLICIES: Owned(),
    c.PRIVACY_CONSENTS: Owned(),
    c.MEMBER_DATA_REQUESTS: Owned(),
    c.MEMBER_DATA_FILES: Owned(),
    c.CLOSED_ACCOUNTS: Owned(),
    c.ACCESS_LOG: Owned(),
    c.CAMPAIGNS: Owned(),
    c.CAMPAIGN_SENDS: Owned(),
}
