"""How a sharded cluster splits each collection by merchant, or why it keeps one whole: the one list that
deploy/mongo/shard.js is generated from and that the suite's shard-readiness checks read (tests/shard_targeting.py).

MongoDB enforces a unique index on a sharded collection only when the shard key is a prefix of it, so a collection
with a unique index of its own (an idempotency key per merchant, say) is sharded on `{merchant_id: 1}` alone: all of
one merchant's documents of that collection stay in one chunk range, which still spreads merchants over shards.
"""

from dataclasses import dataclass
from pathlib import Path

from db import collections as c

SHARD_SCRIPT = Path(__file__).parent.parent / "deploy" / "mongo" / "shard.js"


@dataclass(frozen=True)
class Sharded:
    key: tuple[str, ...]


@dataclass(frozen=True)
class Unsharded:
    """Kept whole on the database's primary shard; `reason` says what needs it whole."""

    reason: str


# A merchant's settings, one document keyed by the merchant's id: too small to split, read by _id alone.
_SETTINGS = Unsharded("one small document per merchant, its _id the merchant's id")

# The tenant collections' key: a merchant's documents are a range of chunks that can split by _id as they grow.
BY_MERCHANT_AND_ID = Sharded(("merchant_id", "_id"))
# For collections with unique indexes (each starts with merchant_id): the shard key must be a prefix of each.
BY_MERCHANT = Sharded(("merchant_id",))

SHARDING: dict[str, Sharded | Unsharded] = {
    c.MERCHANTS: Unsharded("the tenants themselves: one small document per merchant, read by _id on every request"),
    c.STORES: BY_MERCHANT_AND_ID,
    c.STAFF: Unsharded("staff sign in with a phone alone, so a phone is unique across merchants (phone_hash)"),
    c.MEMBERS: BY_MERCHANT,
    c.REFRESH_TOKENS: Unsharded("a refresh token arrives alone: its family is found before its merchant is known"),
    c.AUDIT_LOG: BY_MERCHANT_AND_ID,
    c.CARDS: BY_MERCHANT,
    c.LOYALTY_PROGRAMS: _SETTINGS,
    c.LEDGER: BY_MERCHANT,
    c.COUNT_CARDS: BY_MERCHANT_AND_ID,
    c.TOP_UP_PLANS: BY_MERCHANT_AND_ID,
    c.OUTBOX: Unsharded("the relay scans every merchant's due entries, and a dedupe key is unique across merchants"),
    c.COUPON_TEMPLATES: BY_MERCHANT_AND_ID,
    c.COUPONS: BY_MERCHANT,
    c.COUPON_PACKS: BY_MERCHANT,
    c.COUPON_EVENTS: BY_MERCHANT_AND_ID,
    c.BOOKING_POLICIES: _SETTINGS,
    c.STORE_HOURS: BY_MERCHANT_AND_ID,
    c.STAFF_SCHEDULES: BY_MERCHANT,
    c.SCHEDULE_EXCEPTIONS: BY_MERCHANT_AND_ID,
    c.SERVICES: BY_MERCHANT_AND_ID,
    c.RESOURCES: BY_MERCHANT_AND_ID,
    c.BOOKINGS: BY_MERCHANT,
    c.BOOKING_CELLS: BY_MERCHANT,
    c.QUEUE_TICKETS: BY_MERCHANT,
    c.QUEUE_COUNTERS: BY_MERCHANT_AND_ID,
    c.DEAD_LETTERS: Unsharded("an outbox entry that failed, under the entry's id, retried back into the outbox; few"),
    c.CRON_RUNS: Unsharded("one document per scheduled job and period, across merchants"),
    c.CRON_PERIODS: Unsharded("one claim per scheduled job and period, across merchants"),
    c.NOTIFICATIONS: BY_MERCHANT,
    c.SUBSCRIPTIONS: BY_MERCHANT,
    c.BIRTHDAY_GIFT_SETTINGS: _SETTINGS,
    c.BIRTHDAY_GIFTS: BY_MERCHANT,
    c.SHARE_CODES: Unsharded("a scanned share code alone names its sharer (the code is the _id), unique everywhere"),
    c.REFERRAL_BINDINGS: BY_MERCHANT_AND_ID,
    c.SHAREHOLDER_PROGRAMS: BY_MERCHANT_AND_ID,
    c.SHAREHOLDERS: BY_MERCHANT,
    c.COMMISSION_ORDERS: BY_MERCHANT_AND_ID,
    c.COMMISSIONS: BY_MERCHANT,
    c.COMMISSION_ACCOUNTS: BY_MERCHANT,
    c.COMMISSION_LEDGER: BY_MERCHANT,
    c.CATALOG_ITEMS: BY_MERCHANT_AND_ID,
    c.ORDERS: BY_MERCHANT,
    c.PAYMENTS: Unsharded("providers' notifications and the active query name a payment by out_trade_no alone"),
    c.PAY_REQUESTS: BY_MERCHANT,
    c.REFUNDS: Unsharded("providers' refund notifications name a refund by out_refund_no alone"),
    c.PAYMENT_NOTIFICATIONS: Unsharded(
        "a provider's event id is unique across merchants: every delivery dedupes on it"
    ),
    c.PAYOUTS: BY_MERCHANT,
    c.PAYOUT_TRANSFERS: Unsharded("WeChat Pay's transfer notifications name a bill by out_bill_no alone"),
    c.PAYOUT_QUOTAS: Unsharded("the daily transfer limits of the one WeChat Pay account, counted across merchants"),
    c.PAYOUT_RUNS: BY_MERCHANT,
    c.PAYOUT_SCHEDULES: _SETTINGS,
    c.ALERT_RULES: _SETTINGS,
    c.ALERTS: BY_MERCHANT,
    c.PRIVACY_POLICIES: BY_MERCHANT,
    c.PRIVACY_CONSENTS: BY_MERCHANT,
    c.MEMBER_DATA_REQUESTS: BY_MERCHANT,
    c.MEMBER_DATA_FILES: BY_MERCHANT_AND_ID,
    c.REPORT_STATE: BY_MERCHANT,
    c.REPORT_APPLIED: BY_MERCHANT,
    c.REPORT_DAYS: BY_MERCHANT,
    c.MARKETING_CONSENTS: BY_MERCHANT,
    c.MARKETING_SLOTS: BY_MERCHANT,
    c.MARKETING_TOUCHES: BY_MERCHANT,
    c.MARKETING_EFFECTS: BY_MERCHANT,
    c.REPORT_MEMBER_MONTHS: BY_MERCHANT,
    c.REPORT_MEMBER_LAST: BY_MERCHANT,
    c.REPORT_BALANCES: BY_MERCHANT,
    c.JOURNEY_RULES: _SETTINGS,
    c.JOURNEY_SENDS: BY_MERCHANT,
    c.MEMBER_FACTS: BY_MERCHANT,
    c.SEGMENTS: BY_MERCHANT_AND_ID,
    c.CLOSED_ACCOUNTS: BY_MERCHANT,
    c.ACCESS_LOG: BY_MERCHANT_AND_ID,
    c.CAMPAIGNS: BY_MERCHANT_AND_ID,
    c.CAMPAIGN_SENDS: BY_MERCHANT,
}


SHARD_KEYS: dict[str, tuple[str, ...]] = {name: s.key for name, s in SHARDING.items() if isinstance(s, Sharded)}

# Commands that visit every merchant on purpose, by collection and the fields of their filter: mongos sends them to
# every shard, which is right for a sweep that has to see every merchant's documents once a period.
CROSS_MERCHANT: dict[tuple[str, frozenset[str]], str] = {
    (c.COUPONS, frozenset({"status", "valid_to", "lock_until"})): "the hourly sweep storing lapsed coupons EXPIRED",
    (c.COUPONS, frozenset({"status", "forward_until"})): "the sweep returning forwards nobody accepted in 24 hours",
    (c.COMMISSIONS, frozenset({"status", "release_at"})): "the cron releasing commissions whose freeze has ended",
    (c.ORDERS, frozenset({"status", "expires_at"})): "the reconcile cron closing every merchant's expired orders",
    (c.PAYOUT_RUNS, frozenset({"status"})): "the worker advancing every merchant's payout runs still holding",
    (c.CAMPAIGNS, frozenset({"state", "due_at"})): "the worker taking every merchant's campaigns due to send",
}


def shard_script() -> str:
    """deploy/mongo/shard.js: run once with mongosh against a mongos, on the database `jike init-db` set up."""
    lines = [
        "// Generated from db/sharding.py by `jike export-shard-script`; edit that file, not this one.",
        "// Run against a mongos after `jike init-db` made the indexes, with the database in the URI:",
        '//   mongosh "mongodb://mongos:27017/jike" --file deploy/mongo/shard.js',
        "const name = db.getName();",
        "sh.enableSharding(name);",
    ]
    for collection, sharding in SHARDING.items():
        if isinstance(sharding, Sharded):
            key = ", ".join(f"{field}: 1" for field in sharding.key)
            lines.append(f"sh.shardCollection(`${{name}}.{collection}`, {{ {key} }});")
    lines.append("// Kept whole on the primary shard:")
    lines.extend(
        f"//   {collection}: {sharding.reason}"
        for collection, sharding in SHARDING.items()
        if isinstance(sharding, Unsharded)
    )
    return "\n".join(lines) + "\n"
