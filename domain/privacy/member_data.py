"""Where Jike holds something about a member, declared once for every collection (db/collections.py), like
domain/merchant_export/scope.py does for merchants: a collection is either member data, with the fields whose value
is the member's id in the member's own documents (`own`, copied into their 个人信息副本) and the fields that name
them in other people's documents (`others`, each with how the copy shows it or why it leaves it out), or it is
declared as never naming a member, with the reason. tests/privacy checks both against a real member's documents.
"""

from dataclasses import dataclass, field

from db import collections as c


@dataclass(frozen=True)
class MemberData:
    own: tuple[str, ...]
    others: dict[str, str] = field(default_factory=dict)


_EVENTS = "events relayed to the worker; what they did (ledger, notifications, commissions) is in the copy"

MEMBER_DATA: dict[str, MemberData] = {
    c.MEMBERS: MemberData(
        ("_id",),
        {
            "referrer_id": "their downline, by display name only (referrals.downline)",
            "ancestors": "their downline two levels down, by display name only (referrals.downline)",
        },
    ),
    c.CARDS: MemberData(("member_id",)),
    c.LEDGER: MemberData(("member_id",)),
    c.COUNT_CARDS: MemberData(("member_id",)),
    c.COUPONS: MemberData(
        ("owner_id", "claimed_by"),
        {
            "chain.from_id": "a coupon they handed over, now someone else's: their own hand-over, shown in coupons",
            "forward.from_id": "a coupon they are handing over: still theirs (owner_id) until accepted",
        },
    ),
    c.COUPON_PACKS: MemberData(("holder.member_id",)),
    c.COUPON_EVENTS: MemberData(("member_id",), {"sharer_id": "a friend's claim through their share: a count"}),
    c.BOOKINGS: MemberData(("member_id",)),
    c.QUEUE_TICKETS: MemberData(("member_id",)),
    c.NOTIFICATIONS: MemberData(("member_id",)),
    c.SUBSCRIPTIONS: MemberData(("member_id",)),
    c.BIRTHDAY_GIFTS: MemberData(("member_id",)),
    c.SHARE_CODES: MemberData(("member_id",)),
    c.REFERRAL_BINDINGS: MemberData(
        ("member_id",),
        {"referrer_id": "a friend bound under them: their downline, by display name only (referrals.downline)"},
    ),
    c.SHAREHOLDERS: MemberData(("member_id",)),
    c.COMMISSIONS: MemberData(
        ("beneficiary_id",),
        {
            "member_id": "what an upline earned on the member's spending is the upline's; the orders are in the copy",
            "upline": "the same commission seen from the payer's side: the upline's",
        },
    ),
    c.COMMISSION_ORDERS: MemberData((), {"member_id": "a marker that an order's commissions were accrued once"}),
    c.COMMISSION_ACCOUNTS: MemberData(("beneficiary_id",)),
    c.COMMISSION_LEDGER: MemberData(("beneficiary_id",)),
    c.ORDERS: MemberData(("member_id",)),
    c.PAYMENTS: MemberData(("member_id",)),
    c.PAY_REQUESTS: MemberData(("member_id",)),
    c.REFUNDS: MemberData(("member_id",)),
    c.PAYOUTS: MemberData(("beneficiary_id",)),
    c.PAYOUT_TRANSFERS: MemberData(("beneficiary_id",)),
    c.PRIVACY_CONSENTS: MemberData(("member_id",)),
    c.MEMBER_DATA_REQUESTS: MemberData(("member_id",)),
    c.MEMBER_DATA_FILES: MemberData(
        (), {"member_id": "the earlier copies themselves, kept 7 days; each is listed under member_data_requests"}
    ),
    c.OUTBOX: MemberData((), {"payload.member_id": _EVENTS}),
    c.DEAD_LETTERS: MemberData((), {"payload.member_id": _EVENTS}),
    c.AUDIT_LOG: MemberData(
        (), {"target_id": "staff's acts, the merchant's record of its staff (the access log is the merchant's)"}
    ),
    c.REPORT_MEMBER_MONTHS: MemberData((), {"member_id": "report rollups: which days they paid, from their orders"}),
    c.REPORT_MEMBER_LAST: MemberData((), {"member_id": "report rollups: their last paid days, from their orders"}),
    c.REFRESH_TOKENS: MemberData((), {"subject_id": "sign-in sessions: hashes of tokens, nothing they told us"}),
    c.MEMBER_FACTS: MemberData(
        (),
        {
            "member_id": "segment facts derived from their orders, card and staff's tags (all in the copy)",
            "brought_by": "a friend they brought: their downline, by display name only (referrals.downline)",
        },
    ),
    c.SEGMENTS: MemberData((), {"filter.brought_by": "a store's saved segment of the friends they brought"}),
    c.MARKETING_CONSENTS: MemberData(("member_id",)),
    c.MARKETING_TOUCHES: MemberData(("member_id",)),
    c.JOURNEY_SENDS: MemberData(("member_id",)),
    c.CAMPAIGN_SENDS: MemberData(("member_id",)),
    c.MARKETING_SLOTS: MemberData((), {"member_id": "how many marketing messages reached them this week: a count"}),
    c.ACCESS_LOG: MemberData((), {"member_id": "staff's acts on their data, the merchant's record of its staff"}),
}

NOT_MEMBER_DATA: dict[str, str] = {
    c.MERCHANTS: "the store's own record",
    c.STORES: "the store's own record",
    c.STAFF: "the store's staff",
    c.LOYALTY_PROGRAMS: "the store's rules",
    c.TOP_UP_PLANS: "the store's offers",
    c.COUPON_TEMPLATES: "the store's offers",
    c.BOOKING_POLICIES: "the store's rules",
    c.STORE_HOURS: "the store's calendar",
    c.STAFF_SCHEDULES: "the staff's calendar",
    c.SCHEDULE_EXCEPTIONS: "the staff's calendar",
    c.SERVICES: "the store's catalog",
    c.RESOURCES: "the store's chairs and rooms",
    c.BOOKING_CELLS: "a booking's slots of staff time, named by the booking (in the copy), not by the member",
    c.QUEUE_COUNTERS: "a store's ticket numbers",
    c.CRON_RUNS: "the platform's schedule",
    c.CRON_PERIODS: "the platform's schedule",
    c.BIRTHDAY_GIFT_SETTINGS: "the store's rules",
    c.SHAREHOLDER_PROGRAMS: "the store's programs",
    c.CATALOG_ITEMS: "the store's catalog",
    c.PAYMENT_NOTIFICATIONS: "the providers' words about a payment (in the copy), named by its trade number",
    c.PAYOUT_QUOTAS: "the platform's payout limits",
    c.PAYOUT_RUNS: "a payout round over many members",
    c.PAYOUT_SCHEDULES: "the store's payout calendar",
    c.ALERT_RULES: "the store's rules",
    c.JOURNEY_RULES: "the store's rules",
    c.CAMPAIGNS: "the store's campaigns: audience, offer and totals, naming no member",
    c.ALERTS: "staff alerts about stores and shareholders' totals, kept for staff",
    c.REPORT_STATE: "report bookkeeping",
    c.REPORT_APPLIED: "report bookkeeping",
    c.REPORT_DAYS: "a store's takings per day",
    c.REPORT_BALANCES: "the merchant's totals",
    c.PRIVACY_POLICIES: "the store's policy texts",
    c.MARKETING_EFFECTS: "a campaign's or journey's totals per group",
    c.CLOSED_ACCOUNTS: "keyed hashes of closed accounts' WeChat ids, naming no member: they stop a re-bind",
}

# Fields left out of every document of the copy: keys and hashes that tell the member nothing and would help
# whoever else got hold of the file. The card's phone_enc is decrypted into `phone` instead (data_copy).
HIDDEN = frozenset({"phone_enc", "phone_hash", "token", "device_id", "code_hash", "nonce"})
