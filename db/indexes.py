"""Index definitions for every collection; `ensure_indexes` is idempotent and runs at start and by `jike init-db`.

Unique indexes here are the last line of defence for rules that must hold under concurrency. On a collection
db/sharding.py shards, each starts with its shard key (tests/sharding checks it), or MongoDB would not enforce it.
"""

import asyncio
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure

from db import collections as c
from db.mongo import Doc, Mongo
from db.sharding import SHARD_KEYS, SHARDING


def _when_set(field: str) -> Doc:
    """A unique rule on a field set only sometimes: a compound index cannot be sparse for it (merchant_id is always
    there), so the index holds only the documents that have the field. SecantusDB enforces it but plans no query
    on it; MongoDB does both."""
    return {field: {"$exists": True}}


# A document by id within its merchant, as every lookup by id on a sharded collection names it. SecantusDB plans
# an index only when every field of the filter is in it, so the _id index alone does not serve these.
_BY_ID = IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])

_DEFINED: dict[str, list[IndexModel]] = {
    c.STORES: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.STAFF: [
        # Staff log in with a phone alone, so a phone names one staff account across merchants.
        IndexModel([("phone_hash", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.MEMBERS: [
        IndexModel([("merchant_id", ASCENDING), ("channel", ASCENDING), ("openid", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        # Staff search members by nickname prefix.
        IndexModel([("merchant_id", ASCENDING), ("nickname", ASCENDING)]),
        # A member's subtree (multikey): downline per level, counts, and the rewrite when it moves.
        IndexModel([("merchant_id", ASCENDING), ("ancestors", ASCENDING), ("_id", ASCENDING)]),
        # Members a staff member brought in, by when (the staff attribution report).
        IndexModel([("merchant_id", ASCENDING), ("acquired_by_staff_id", ASCENDING), ("bound_at", ASCENDING)]),
    ],
    c.REFRESH_TOKENS: [
        IndexModel([("family", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    c.AUDIT_LOG: [IndexModel([("merchant_id", ASCENDING), ("at", ASCENDING)])],
    c.CARDS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING)], unique=True),
        # Every number a card ever had (multikey), so a number is never handed out twice, even after a reissue.
        IndexModel([("merchant_id", ASCENDING), ("numbers", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("phone_hash", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("level_id", ASCENDING)]),
        # Birthday gifts look up one month-day as an $in over every birth year: point reads, no scan.
        IndexModel([("merchant_id", ASCENDING), ("birthday", ASCENDING)]),
    ],
    c.LEDGER: [
        # A replayed idempotency key finds the first entry instead of writing a second.
        IndexModel([("merchant_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.COUNT_CARDS: [IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("expires_at", ASCENDING)])],
    c.TOP_UP_PLANS: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.OUTBOX: [
        # The relay's two scans: PENDING entries now due, RELAYED ones whose job is due a check.
        IndexModel([("status", ASCENDING), ("relay_at", ASCENDING)]),
        # The admin's jobs in flight (newest first) and the count still waiting for the relay.
        IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("relay_at", ASCENDING)]),
        # An event written twice (a retried transaction, a replayed request) collides here. Sparse, since
        # entries written before `domain.outbox.record` existed carry no key.
        IndexModel([("dedupe_key", ASCENDING)], unique=True, sparse=True),
    ],
    c.COUPON_TEMPLATES: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.COUPONS: [
        _BY_ID,
        # Per-member limit and one-per-friend-per-pack: each first owner's origins (claim slot 0..limit-1 of a
        # template, or a pack) are unique. Every coupon has both fields, since SecantusDB plans no partial index.
        IndexModel([("merchant_id", ASCENDING), ("claimed_by", ASCENDING), ("origin", ASCENDING)], unique=True),
        # A claim's idempotency key: a concurrent retry collides here and returns the first coupon.
        IndexModel([("merchant_id", ASCENDING), ("claimed_by", ASCENDING), ("claim_key", ASCENDING)], unique=True),
        IndexModel([("owner_id", ASCENDING), ("_id", ASCENDING)]),
        # The funnel's claims made on the claim page, by when (None for every other coupon, outside any range).
        IndexModel([("merchant_id", ASCENDING), ("template_id", ASCENDING), ("claimed_at", ASCENDING)]),
        # The sweeps: live coupons about to expire or lapsed, and forwards past their 24 hours.
        IndexModel([("status", ASCENDING), ("valid_to", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("forward_until", ASCENDING)]),
        # The expiry reminder journey: a merchant's live coupons not yet looked at whose validity ends soon.
        IndexModel(
            [
                ("merchant_id", ASCENDING),
                ("expiry_noticed_at", ASCENDING),
                ("status", ASCENDING),
                ("valid_to", ASCENDING),
            ]
        ),
    ],
    c.COUPON_PACKS: [
        IndexModel([("merchant_id", ASCENDING), ("grant_key", ASCENDING)], unique=True),
        IndexModel([("holder.member_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("holder.staff_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    # The funnel's $match (merchant, template, time range) is this index's prefix.
    c.COUPON_EVENTS: [IndexModel([("merchant_id", ASCENDING), ("template_id", ASCENDING), ("at", ASCENDING)])],
    c.STAFF_SCHEDULES: [
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("staff_id", ASCENDING)], unique=True)
    ],
    c.SCHEDULE_EXCEPTIONS: [IndexModel([("store_id", ASCENDING), ("day", ASCENDING)])],
    c.SERVICES: [IndexModel([("store_id", ASCENDING), ("_id", ASCENDING)])],
    c.RESOURCES: [IndexModel([("store_id", ASCENDING), ("_id", ASCENDING)])],
    c.BOOKINGS: [
        _BY_ID,
        # A replayed booking request finds the first booking instead of making a second.
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("start", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("staff_id", ASCENDING), ("start", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("resource_id", ASCENDING), ("start", ASCENDING)]),
    ],
    # The no-double-booking guard: one cell per 5 minutes a staff member or resource unit is taken.
    c.BOOKING_CELLS: [
        IndexModel([("merchant_id", ASCENDING), ("key", ASCENDING), ("at", ASCENDING)], unique=True),
        IndexModel([("booking_id", ASCENDING)]),
    ],
    c.QUEUE_TICKETS: [
        _BY_ID,
        IndexModel(
            [("merchant_id", ASCENDING), ("store_id", ASCENDING), ("day", ASCENDING), ("number", ASCENDING)],
            unique=True,
        ),
        # Set only while a ticket waits: a member waits at most once per store and day.
        IndexModel(
            [("merchant_id", ASCENDING), ("waiting_key", ASCENDING)],
            unique=True,
            partialFilterExpression=_when_set("waiting_key"),
        ),
    ],
    c.DEAD_LETTERS: [IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)])],
    # A scheduled run's record, keyed (_id) by job and period: the record of a period is gone a week later.
    c.CRON_PERIODS: [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    c.NOTIFICATIONS: [
        _BY_ID,
        # A re-run of the event that caused a notification finds it instead of sending a second.
        IndexModel([("merchant_id", ASCENDING), ("dedupe_key", ASCENDING)], unique=True),
        IndexModel([("member_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("member_id", ASCENDING), ("read_at", ASCENDING)]),
    ],
    # One quota counter per member and subscribe-message template.
    c.SUBSCRIPTIONS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("template_id", ASCENDING)], unique=True)
    ],
    # A birthday gift is given once per member and year, however many sweeps race.
    c.BIRTHDAY_GIFTS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("year", ASCENDING)], unique=True),
        _BY_ID,
    ],
    # A code names one sharer for good: owner_key ("member:<id>" / "staff:<id>") is unique, the code is the _id.
    c.SHARE_CODES: [IndexModel([("owner_key", ASCENDING)], unique=True)],
    c.REFERRAL_BINDINGS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("at", ASCENDING)]),
        # New members per sharer and source (the coupon funnel), per staff member (attribution).
        IndexModel([("merchant_id", ASCENDING), ("referrer_id", ASCENDING), ("at", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("staff_id", ASCENDING), ("at", ASCENDING)]),
        # New members per coupon template (the coupon funnel).
        IndexModel([("template_id", ASCENDING), ("at", ASCENDING)]),
    ],
    c.SHAREHOLDER_PROGRAMS: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.SHAREHOLDERS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("program_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.COMMISSION_ORDERS: [
        # Network revenue of a member's downline (multikey over the two earning levels) by business day.
        IndexModel([("upline", ASCENDING), ("day", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("staff_id", ASCENDING), ("paid_at", ASCENDING)]),
    ],
    c.COMMISSIONS: [
        _BY_ID,
        # Exactly one commission per order, beneficiary and level, however often ORDER_PAID is handled.
        IndexModel(
            [("merchant_id", ASCENDING), ("order_id", ASCENDING), ("beneficiary_id", ASCENDING), ("level", ASCENDING)],
            unique=True,
        ),
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("paid_at", ASCENDING)]),
        # The marketing report: commissions paid out in a range (set when a payout holds them).
        IndexModel([("merchant_id", ASCENDING), ("paid_out_at", ASCENDING)]),
        # The release cron: PENDING commissions whose freeze has ended.
        IndexModel([("status", ASCENDING), ("release_at", ASCENDING)]),
        # Payouts: a beneficiary's AVAILABLE commissions (summed, then marked), and those a payout holds. One
        # index for both, since each extra index costs every status change (SecantusDB maintains them in Python).
        IndexModel(
            [("merchant_id", ASCENDING), ("status", ASCENDING), ("beneficiary_id", ASCENDING), ("payout_id", ASCENDING)]
        ),
    ],
    c.COMMISSION_ACCOUNTS: [
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING)], unique=True),
        # SecantusDB plans `post`'s guarded debit ({merchant, beneficiary, bucket: {$gte}}) only on an index
        # that continues with the bucket: the payout's debits of available and paid.
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING), ("available_fen", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING), ("paid_fen", ASCENDING)]),
    ],
    c.COMMISSION_LEDGER: [
        IndexModel([("merchant_id", ASCENDING), ("idempotency_key", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    # Sold at a store: `scope` holds "*" or the store ids, so the counter's list is one `$in` on this index.
    c.CATALOG_ITEMS: [IndexModel([("merchant_id", ASCENDING), ("scope", ASCENDING), ("_id", ASCENDING)])],
    c.ORDERS: [
        _BY_ID,
        # A replayed createOrder finds the first order (the key carries who made it).
        IndexModel([("merchant_id", ASCENDING), ("create_key", ASCENDING)], unique=True),
        # Set while a booking's order is not closed: one live order per booking.
        IndexModel(
            [("merchant_id", ASCENDING), ("booking_key", ASCENDING)],
            unique=True,
            partialFilterExpression=_when_set("booking_key"),
        ),
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
        # A store's orders paid within a day (the Home screen's takings and order count).
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("paid_at", ASCENDING)]),
        # A store's orders with a refund in progress (退款中): few at any time, whatever the number of orders.
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("refund_reserved_fen", ASCENDING)]),
        # Orders flagged since the alerts' last look (multikey over the flags' times).
        IndexModel([("merchant_id", ASCENDING), ("flags.at", ASCENDING)]),
    ],
    c.PAYMENTS: [
        IndexModel([("out_trade_no", ASCENDING)], unique=True),
        # Set only while a payment is open: at most one open payment per order, whatever the method.
        IndexModel([("open_key", ASCENDING)], unique=True, sparse=True),
        IndexModel([("order_id", ASCENDING), ("_id", ASCENDING)]),
        # The active query: payments open for longer than a few minutes, oldest first.
        IndexModel([("status", ASCENDING), ("opened_at", ASCENDING)]),
    ],
    # payOrder's idempotency keys: a replay returns the first result.
    c.PAY_REQUESTS: [IndexModel([("merchant_id", ASCENDING), ("key", ASCENDING)], unique=True)],
    c.REFUNDS: [
        IndexModel([("merchant_id", ASCENDING), ("idem_key", ASCENDING)], unique=True),
        IndexModel([("out_refund_no", ASCENDING)], unique=True),
        IndexModel([("order_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("payment_id", ASCENDING), ("status", ASCENDING)]),
        # Refunds completed within a day (the Home screen's takings are net of them).
        IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("settled_at", ASCENDING)]),
    ],
    c.PAYMENT_NOTIFICATIONS: [
        # Every delivery of one provider event finds the first one's record: the webhooks' dedupe.
        IndexModel([("provider", ASCENDING), ("event_id", ASCENDING)], unique=True),
        # Refund notifications kept until their payment is applied.
        IndexModel([("status", ASCENDING), ("out_trade_no", ASCENDING)]),
    ],
    c.PAYOUTS: [
        # A run holds a member's payout once; an owner's offline settlement is made once per idempotency key.
        IndexModel([("merchant_id", ASCENDING), ("hold_key", ASCENDING)], unique=True),
        # Set only while a payout is PROCESSING: at most one payout in flight per member.
        IndexModel(
            [("merchant_id", ASCENDING), ("open_key", ASCENDING)],
            unique=True,
            partialFilterExpression=_when_set("open_key"),
        ),
        # Unpaid rests of partly paid payouts, not yet carried into a later one.
        IndexModel(
            [
                ("merchant_id", ASCENDING),
                ("status", ASCENDING),
                ("carried_into", ASCENDING),
                ("beneficiary_id", ASCENDING),
            ]
        ),
        IndexModel([("run_id", ASCENDING), ("beneficiary_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("beneficiary_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.PAYOUT_TRANSFERS: [
        # WeChat Pay's idempotency key for the bill: made once, for good.
        IndexModel([("out_bill_no", ASCENDING)], unique=True),
        IndexModel([("payout_id", ASCENDING), ("status", ASCENDING)]),
        # The sender's scan: bills due a step (unset once final).
        IndexModel([("due_at", ASCENDING)]),
    ],
    c.PAYOUT_RUNS: [
        # A replayed runPayouts, or the schedule seen by two workers, finds the first run.
        IndexModel([("merchant_id", ASCENDING), ("key", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)]),
    ],
    c.ALERTS: [
        # An alert fires once per rule, subject and period, however many evaluations race.
        IndexModel(
            [("merchant_id", ASCENDING), ("kind", ASCENDING), ("subject", ASCENDING), ("period", ASCENDING)],
            unique=True,
        ),
        # Newest first: the OWNER's (and an all-stores MANAGER's) list, and a MANAGER's stores plus merchant-wide.
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("store_id", ASCENDING), ("_id", ASCENDING)]),
        # The badge: a staff member's unread alerts (multikey), within their stores.
        IndexModel([("merchant_id", ASCENDING), ("unread_by", ASCENDING), ("store_id", ASCENDING)]),
    ],
    # One state per merchant: the generation reports read, and the one a rebuild writes (its lock).
    c.REPORT_STATE: [IndexModel([("merchant_id", ASCENDING)], unique=True)],
    # An order's payment or a refund counts once per generation, however often its event runs.
    c.REPORT_APPLIED: [IndexModel([("merchant_id", ASCENDING), ("gen", ASCENDING), ("key", ASCENDING)], unique=True)],
    # What the merchant owes and its members by level: one running-total document per merchant and generation.
    c.REPORT_BALANCES: [IndexModel([("merchant_id", ASCENDING), ("gen", ASCENDING)], unique=True)],
    # A report reads a range of days of the stores it covers: one document per store and day.
    c.REPORT_DAYS: [
        IndexModel(
            [("merchant_id", ASCENDING), ("gen", ASCENDING), ("store_id", ASCENDING), ("day", ASCENDING)], unique=True
        )
    ],
    # A member's paid days: one document per scope (a store, or the merchant: store_id null), member and month,
    # read by the months a range touches when the day markers do not answer it.
    c.REPORT_MEMBER_MONTHS: [
        IndexModel(
            [
                ("merchant_id", ASCENDING),
                ("gen", ASCENDING),
                ("store_id", ASCENDING),
                ("month", ASCENDING),
                ("member_id", ASCENDING),
            ],
            unique=True,
        )
    ],
    # A journey reaches a member at most once per rule and period, however many evaluations race.
    c.JOURNEY_SENDS: [
        IndexModel(
            [("merchant_id", ASCENDING), ("kind", ASCENDING), ("member_id", ASCENDING), ("period", ASCENDING)],
            unique=True,
        ),
    ],
    # A closed WeChat or Alipay account, by the keyed hash of its openid: one record however often it closes.
    c.CLOSED_ACCOUNTS: [
        IndexModel([("merchant_id", ASCENDING), ("channel", ASCENDING), ("openid_hash", ASCENDING)], unique=True)
    ],
    # The OWNER's access log, newest first, whole or by staff member, member or store.
    c.ACCESS_LOG: [
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("staff_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    # A member's two latest paid days per scope, which the `l1`/`l2` day markers follow.
    c.REPORT_MEMBER_LAST: [
        IndexModel(
            [("merchant_id", ASCENDING), ("gen", ASCENDING), ("store_id", ASCENDING), ("member_id", ASCENDING)],
            unique=True,
        )
    ],
    # One marketing consent per member, with its history (domain.marketing.consent).
    c.MARKETING_CONSENTS: [IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING)], unique=True)],
    # One frequency-cap counter per member and week; gone a few weeks after its week.
    c.MARKETING_SLOTS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("week", ASCENDING)], unique=True),
        # Taking a slot names the count too (`n` below the cap); SecantusDB plans an index only when it holds every
        # field of the filter, and without this one each take scanned every member's counter (a campaign's send
        # slowed page by page).
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("week", ASCENDING), ("n", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    # A campaign or journey touches a member once; a paid order finds the member's open windows; a redeemed
    # coupon and a delivered or read notification find their touch.
    c.MARKETING_TOUCHES: [
        IndexModel([("merchant_id", ASCENDING), ("source_id", ASCENDING), ("member_id", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("until", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("coupon_id", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("notification_id", ASCENDING)]),
    ],
    # A source's figures: one rollup per group.
    c.MARKETING_EFFECTS: [
        IndexModel([("merchant_id", ASCENDING), ("source_id", ASCENDING), ("group", ASCENDING)], unique=True)
    ],
    # One facts document per member; segments filter on it, a page of members sorted by member id. SecantusDB
    # plans an index only when every field of the filter is in it, so the common filters have their own.
    c.MEMBER_FACTS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("last_paid_day", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("tags", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("level", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("lifetime_paid_fen", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("visits", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("birthday_month", ASCENDING)]),
        IndexModel([("merchant_id", ASCENDING), ("rfm", ASCENDING)]),
    ],
    # A merchant's saved segments, listed by id.
    c.SEGMENTS: [IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)])],
    c.PRIVACY_POLICIES: [
        # A version is published once and never changed: its string names it for good.
        IndexModel([("merchant_id", ASCENDING), ("version", ASCENDING)], unique=True),
        # The current version: the latest already in effect.
        IndexModel([("merchant_id", ASCENDING), ("effective_at", ASCENDING), ("published_at", ASCENDING)]),
    ],
    # A member agrees to a version once; agreeing again keeps the first agreement.
    c.PRIVACY_CONSENTS: [
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("version", ASCENDING)], unique=True)
    ],
    c.MEMBER_DATA_REQUESTS: [
        # At most one request per member and China day, however many taps race.
        IndexModel([("merchant_id", ASCENDING), ("member_id", ASCENDING), ("day", ASCENDING)], unique=True),
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
    ],
    # A prepared copy is personal data at rest: MongoDB deletes it once its download window closes.
    c.MEMBER_DATA_FILES: [
        IndexModel([("merchant_id", ASCENDING), ("_id", ASCENDING)]),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0),
    ],
    c.CAMPAIGNS: [
        # Newest first, a merchant's list.
        _BY_ID,
        # The worker's sweep for campaigns due (send time come, or a dead run's lease lapsed), every merchant's.
        IndexModel([("state", ASCENDING), ("due_at", ASCENDING)]),
    ],
    c.CAMPAIGN_SENDS: [
        # Exactly once per member and campaign, however often a send is killed and resumed.
        IndexModel([("merchant_id", ASCENDING), ("campaign_id", ASCENDING), ("member_id", ASCENDING)], unique=True),
        # What a killed run left owed (message, touch), finished first by the next.
        IndexModel([("merchant_id", ASCENDING), ("campaign_id", ASCENDING), ("state", ASCENDING)]),
    ],
}


def key_fields(model: IndexModel) -> tuple[str, ...]:
    return tuple(model.document["key"])


def _with_shard_key_index(name: str, models: list[IndexModel]) -> list[IndexModel]:
    """sh.shardCollection needs an index that starts with the shard key on a collection that holds documents."""
    key = SHARD_KEYS.get(name)
    if key is None or any(key_fields(m)[: len(key)] == key for m in models):
        return models
    return [*models, IndexModel([(field, ASCENDING) for field in key])]


INDEXES: dict[str, list[IndexModel]] = {
    name: indexes for name in SHARDING if (indexes := _with_shard_key_index(name, _DEFINED.get(name, [])))
}

_INDEX_NOT_FOUND = 27


def _options(index: Doc) -> tuple[Any, ...]:
    partial = index.get("partialFilterExpression")
    return (
        bool(index.get("unique")),
        bool(index.get("sparse")),
        index.get("expireAfterSeconds"),
        partial and dict(partial),
    )


async def _drop(collection: AsyncCollection[Doc], index: str) -> None:
    try:
        await collection.drop_index(index)
    except OperationFailure as e:
        # Another process starting at the same time dropped it first.
        if e.code != _INDEX_NOT_FOUND:
            raise


async def ensure_indexes(mongo: Mongo) -> None:
    """Also retires what an earlier release defined. An index whose options changed keeps its name, which MongoDB
    will not create twice, so it is dropped and rebuilt; one no longer defined is dropped only after the new ones
    exist, so a unique rule moving to a new index (a merchant_id prefix added for sharding) is never unguarded.
    An index made by hand outside this file is dropped too: this file is the whole truth."""
    existing = set(await mongo.db.list_collection_names())
    # Collections are independent: checked at once, an API start waits for the slowest, not for the sum.
    await asyncio.gather(
        *(_ensure_collection(mongo.db[name], models, name in existing) for name, models in INDEXES.items())
    )


async def _ensure_collection(collection: AsyncCollection[Doc], models: list[IndexModel], exists: bool) -> None:
    present = await collection.index_information() if exists else {}
    wanted = {m.document["name"]: m.document for m in models}
    changed = {i for i in wanted.keys() & present.keys() if _options(present[i]) != _options(wanted[i])}
    for index in changed:
        await _drop(collection, index)
    # Every API process runs this at start: on a database already right it only reads.
    if changed or not wanted.keys() <= present.keys():
        await collection.create_indexes(models)
    for index in present.keys() - wanted.keys() - {"_id_"}:
        await _drop(collection, index)
