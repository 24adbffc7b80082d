"""Closing a member's account (注销), by the member or by staff on their written request, and the same erasure for
retention: refused while anything must settle first; otherwise, in one transaction, every copy of the member's
personal data erased or replaced, the card closed and emptied, coupons voided, shareholder status ended.

What stays: orders, ledgers and commissions, keyed by the member's id alone, so the merchant's takings and every
balance still add up to the fen; downline members keep their bindings (the closed member reads as 已注销 through
`domain.members.display_name`); and in `closed_accounts` only keyed hashes of the openid and unionid, so the same
WeChat account signing in again becomes a new member that no share link can bind under an upline.

The program's rule for commissions (DESIGN: shareholders are paid in batches after a freeze): whatever the closing
member has not been paid yet (pending, available or in review) is forfeited with a commission-ledger entry; what
they owe back from refunds after a payout is written off with the account, since no later payout can net it.
Points and the bonus part of stored value are forfeited the same way (ledger entries); the paid part must be
refunded first, since it is the member's own money.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from redis.asyncio import Redis
from redis.exceptions import RedisError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import access_log, outbox
from domain.access_log import MEMBER_SELF, AccessAction, Accessor
from domain.booking.model import BookingStatus
from domain.cards import ledger
from domain.cards.ledger import SYSTEM, Account, CardStatus, EntryKind, Parts, Posting
from domain.commissions import ledger as commission_ledger
from domain.commissions.commission import CommissionStatus
from domain.commissions.ledger import Bucket
from domain.coupons.coupon import CouponStatus
from domain.errors import DomainError, PermissionDenied
from domain.events import CardClosed
from domain.members import CLOSED
from domain.notifications.topics import TEMPLATES, Topic
from domain.orders.model import OrderStatus
from domain.payouts.model import PayoutStatus
from domain.pii import PiiCipher
from domain.sessions import Audience, Principal, TokenSigner, end_access
from domain.tenancy import Role, Staff

log = logging.getLogger(__name__)

MAX_REASON = 200
MAX_REQUEST_REF = 64
_FORFEITED = "账户注销，余额作废"
_UNPAID = (CommissionStatus.PENDING, CommissionStatus.AVAILABLE, CommissionStatus.REVIEW)
_UNPAID_BUCKETS = (Bucket.PENDING, Bucket.AVAILABLE, Bucket.REVIEW)


class ErasureCode(StrEnum):
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    STORED_VALUE_NOT_REFUNDED = "STORED_VALUE_NOT_REFUNDED"
    PAYOUT_IN_FLIGHT = "PAYOUT_IN_FLIGHT"
    OPEN_ORDER = "OPEN_ORDER"
    UPCOMING_BOOKING = "UPCOMING_BOOKING"
    CLOSING_REASON_REQUIRED = "CLOSING_REASON_REQUIRED"
    CLOSING_REQUEST_REF_REQUIRED = "CLOSING_REQUEST_REF_REQUIRED"


class ErasureError(DomainError):
    pass


@dataclass(frozen=True)
class Forfeits:
    """What closing gives up: points, the bonus part of stored value (fen), unpaid commissions (fen)."""

    points: int
    stored_value_bonus: int
    commissions_fen: int


@dataclass(frozen=True)
class ClosingCheck:
    """What stands in the way of closing now (empty: it can close), and what closing would forfeit."""

    blockers: tuple[ErasureCode, ...]
    forfeits: Forfeits


@dataclass(frozen=True)
class Closed:
    member_id: ObjectId
    closed_at: datetime
    forfeits: Forfeits


async def _blockers(
    mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime, session: AsyncClientSession | None
) -> tuple[ErasureCode, ...]:
    db, mine = mongo.db, {"merchant_id": merchant_id, "member_id": member_id}
    found: list[ErasureCode] = []
    card = await db[c.CARDS].find_one(mine, {"stored_paid": 1}, session=session)
    if card is not None and card.get("stored_paid", 0) > 0:
        found.append(ErasureCode.STORED_VALUE_NOT_REFUNDED)
    payout = {"merchant_id": merchant_id, "beneficiary_id": member_id, "status": PayoutStatus.PROCESSING.value}
    if await db[c.PAYOUTS].find_one(payout, {"_id": 1}, session=session) is not None:
        found.append(ErasureCode.PAYOUT_IN_FLIGHT)
    # Unpaid, or paid with a refund the provider has not confirmed yet.
    orders = {**mine, "$or": [{"status": OrderStatus.PENDING.value}, {"refund_reserved_fen": {"$gt": 0}}]}
    if await db[c.ORDERS].find_one(orders, {"_id": 1}, session=session) is not None:
        found.append(ErasureCode.OPEN_ORDER)
    upcoming = {
        **mine,
        "$or": [
            {"status": {"$in": [BookingStatus.BOOKED.value, BookingStatus.CHECKED_IN.value]}, "end": {"$gt": now}},
            {"status": BookingStatus.HELD.value, "hold_expires_at": {"$gt": now}},
        ],
    }
    if await db[c.BOOKINGS].find_one(upcoming, {"_id": 1}, session=session) is not None:
        found.append(ErasureCode.UPCOMING_BOOKING)
    return tuple(found)


async def _forfeits(
    mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, session: AsyncClientSession | None
) -> Forfeits:
    card = await mongo.db[c.CARDS].find_one(
        {"merchant_id": merchant_id, "member_id": member_id}, {"points": 1, "stored_bonus": 1}, session=session
    )
    account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one(
        {"merchant_id": merchant_id, "beneficiary_id": member_id}, session=session
    )
    totals = commission_ledger.totals_from_doc(account)
    return Forfeits(
        points=int((card or {}).get("points", 0)),
        stored_value_bonus=int((card or {}).get("stored_bonus", 0)),
        commissions_fen=totals.pending_fen + totals.available_fen + totals.review_fen,
    )


async def closing_check(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, now: datetime | None = None
) -> ClosingCheck:
    """For the 注销 page: every reason it cannot close yet, and what it would give up."""
    member = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id}, {"closed_at": 1})
    if member is None:
        raise ErasureError(ErasureCode.MEMBER_NOT_FOUND, "memberId")
    if member.get("closed_at") is not None:
        raise ErasureError(ErasureCode.ACCOUNT_CLOSED, "memberId")
    at = now or datetime.now(UTC)
    return ClosingCheck(
        await _blockers(mongo, merchant_id, member_id, at, None), await _forfeits(mongo, merchant_id, member_id, None)
    )


def check_request(reason: str, request_ref: str) -> tuple[str, str]:
    """A staff closing names why and the member's written request it carries out."""
    reason, request_ref = reason.strip(), request_ref.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ErasureError(ErasureCode.CLOSING_REASON_REQUIRED, "reason", max_length=MAX_REASON)
    if not request_ref or len(request_ref) > MAX_REQUEST_REF:
        raise ErasureError(ErasureCode.CLOSING_REQUEST_REF_REQUIRED, "requestRef", max_length=MAX_REQUEST_REF)
    return reason, request_ref


async def close_account(
    *,
    mongo: Mongo,
    pii: PiiCipher,
    merchant_id: ObjectId,
    member_id: ObjectId,
    who: Accessor,
    detail: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Closed:
    """Closes the account, or raises ErasureError with the first thing that must settle first (ACCOUNT_CLOSED for
    one already closed, however many closings race: the member's conditional update lets exactly one through)."""
    at = now or datetime.now(UTC)

    async def work(s: AsyncClientSession) -> Closed:
        member = await mongo.db[c.MEMBERS].find_one({"merchant_id": merchant_id, "_id": member_id}, session=s)
        if member is None:
            raise ErasureError(ErasureCode.MEMBER_NOT_FOUND, "memberId")
        if member.get("closed_at") is not None:
            raise ErasureError(ErasureCode.ACCOUNT_CLOSED, "memberId")
        blockers = await _blockers(mongo, merchant_id, member_id, at, s)
        if blockers:
            raise ErasureError(blockers[0], "memberId")
        forfeits = await _forfeits(mongo, merchant_id, member_id, s)
        await _close_member(mongo, s, pii, member, at)
        await _close_card(mongo, s, merchant_id, member_id, forfeits, at)
        await _end_shareholding(mongo, s, merchant_id, member_id, forfeits, at)
        await _erase_copies(mongo, s, merchant_id, member_id, member.get("nickname"))
        await access_log.record(
            mongo=mongo,
            session=s,
            merchant_id=merchant_id,
            who=who,
            action=AccessAction.ACCOUNT_CLOSED,
            member_id=member_id,
            **(detail or {}),
        )
        return Closed(member_id, at, forfeits)

    return await transaction(mongo, work)


async def _close_member(mongo: Mongo, s: AsyncClientSession, pii: PiiCipher, member: Doc, at: datetime) -> None:
    merchant_id, member_id = member["merchant_id"], member["_id"]
    won = await mongo.db[c.MEMBERS].update_one(
        {"merchant_id": merchant_id, "_id": member_id, "closed_at": None},
        {
            "$set": {
                "nickname": CLOSED,
                # Unique per merchant and channel like an openid, and names nobody.
                "openid": f"closed:{member_id}",
                "unionid": None,
                "closed_at": at,
            },
            "$unset": {"device_ids": "", "first_touch": "", "avatar_url": "", "tags": ""},
        },
        session=s,
    )
    if won.modified_count != 1:
        raise ErasureError(ErasureCode.ACCOUNT_CLOSED, "memberId")
    unionid = member.get("unionid")
    await mongo.db[c.CLOSED_ACCOUNTS].update_one(
        {"merchant_id": merchant_id, "channel": member["channel"], "openid_hash": pii.lookup_hash(member["openid"])},
        {
            "$set": {"closed_at": at},
            "$setOnInsert": {"unionid_hash": pii.lookup_hash(unionid) if unionid else None},
        },
        upsert=True,
        session=s,
    )


async def _close_card(
    mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, member_id: ObjectId, forfeits: Forfeits, at: datetime
) -> None:
    postings: list[tuple[Account, int, Parts | None, str]] = []
    if forfeits.points:
        postings.append((Account.POINTS, -forfeits.points, None, "points"))
    if forfeits.stored_value_bonus:
        postings.append(
            (Account.STORED_VALUE, -forfeits.stored_value_bonus, Parts(0, -forfeits.stored_value_bonus), "bonus")
        )
    for account, amount, parts, part in postings:
        await ledger.post(
            mongo=mongo,
            session=s,
            posting=Posting(
                merchant_id=merchant_id,
                member_id=member_id,
                account=account,
                kind=EntryKind.ADJUSTMENT,
                amount=amount,
                parts=parts,
                reference=f"closing:{member_id}",
                actor=SYSTEM,
                reason=_FORFEITED,
                idempotency_key=f"closing:{member_id}:{part}",
            ),
        )
    card = await mongo.db[c.CARDS].find_one_and_update(
        {"merchant_id": merchant_id, "member_id": member_id, "status": {"$ne": CardStatus.CLOSED.value}},
        {
            "$set": {"status": CardStatus.CLOSED.value, "closed_at": at, "phone_enc": None, "phone_hash": None},
            "$unset": {"birthday": ""},
        },
        projection={"level_id": 1},
        session=s,
    )
    if card is not None:
        # The reports' members by level count holders; a closed account holds none.
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=merchant_id,
            event=CardClosed(member_id=member_id, card_id=card["_id"], level_id=card["level_id"]),
            dedupe_key=f"card_closed:{card['_id']}",
        )
    await mongo.db[c.COUPONS].update_many(
        {
            "merchant_id": merchant_id,
            "owner_id": member_id,
            "status": {"$in": [CouponStatus.ACTIVE.value, CouponStatus.FORWARDING.value]},
        },
        # Voided coupons read as expired everywhere: nobody can use or pass them on any more.
        {"$set": {"status": CouponStatus.EXPIRED.value, "voided_at": at, "valid_to": at}},
        session=s,
    )


async def _end_shareholding(
    mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, member_id: ObjectId, forfeits: Forfeits, at: datetime
) -> None:
    await mongo.db[c.SHAREHOLDERS].update_many(
        {"merchant_id": merchant_id, "member_id": member_id, "active": True},
        {"$set": {"active": False, "revoked_at": at, "revoked_by": None, "ended_by_closing": True}},
        session=s,
    )
    if not forfeits.commissions_fen:
        return
    account = await mongo.db[c.COMMISSION_ACCOUNTS].find_one(
        {"merchant_id": merchant_id, "beneficiary_id": member_id}, session=s
    )
    totals = commission_ledger.totals_from_doc(account)
    await mongo.db[c.COMMISSIONS].update_many(
        {"merchant_id": merchant_id, "beneficiary_id": member_id, "status": {"$in": [st.value for st in _UNPAID]}},
        {"$set": {"status": CommissionStatus.CANCELLED.value, "forfeited_at": at}},
        session=s,
    )
    await commission_ledger.post(
        mongo,
        s,
        merchant_id=merchant_id,
        beneficiary_id=member_id,
        kind=commission_ledger.EntryKind.FORFEIT,
        deltas={b: -getattr(totals, b.value) for b in _UNPAID_BUCKETS},
        idempotency_key=f"closing:{member_id}",
    )


async def _erase_copies(
    mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, member_id: ObjectId, nickname: str | None
) -> None:
    """The copies of personal data outside the member and card: where it goes out to be paid (openids on payouts
    and their bills), what they wrote (booking notes), their own inbox, sessions and message grants, and the
    uplines' 分红到账 messages that named them."""
    db, mine = mongo.db, {"merchant_id": merchant_id, "member_id": member_id}
    paid_to = {"merchant_id": merchant_id, "beneficiary_id": member_id}
    await db[c.PAYOUTS].update_many(paid_to, {"$unset": {"openid": ""}}, session=s)
    await db[c.PAYOUT_TRANSFERS].update_many(paid_to, {"$unset": {"openid": ""}}, session=s)
    await db[c.BOOKINGS].update_many({**mine, "note": {"$nin": [None, ""]}}, {"$set": {"note": None}}, session=s)
    await db[c.NOTIFICATIONS].delete_many(mine, session=s)
    await db[c.SUBSCRIPTIONS].delete_many(mine, session=s)
    await db[c.REFRESH_TOKENS].delete_many({"merchant_id": merchant_id, "subject_id": member_id}, session=s)
    # Segment facts carry staff's tags and their birthday month; a closed account is in no segment.
    await db[c.MEMBER_FACTS].delete_one(mine, session=s)
    if nickname:
        await _rename_in_messages(mongo, s, merchant_id, nickname)


async def _rename_in_messages(mongo: Mongo, s: AsyncClientSession, merchant_id: ObjectId, nickname: str) -> None:
    """A 分红到账 message names whose spending earned it: rendered again with the closed member's new name. Matched
    by the name it was rendered with, which is exactly the field the template put in."""
    notes = mongo.db[c.NOTIFICATIONS]
    topic = Topic.COMMISSION_ACCRUED
    query = {"merchant_id": merchant_id, "topic": topic.value, "fields.source": nickname}
    async for note in notes.find(query, {"fields": 1}, session=s):
        fields = {**note["fields"], "source": CLOSED}
        body, _ = TEMPLATES[topic].render(fields)
        await notes.update_one(
            {"merchant_id": merchant_id, "_id": note["_id"]}, {"$set": {"fields": fields, "body": body}}, session=s
        )


async def close_my_account(
    *,
    mongo: Mongo,
    redis: Redis,
    pii: PiiCipher,
    signer: TokenSigner,
    merchant_id: ObjectId,
    member_id: ObjectId,
    reason: str | None,
) -> Closed:
    """The member closes their own account from the mini-program; the phone that did it is signed out with every
    other one."""
    detail = {"reason": reason.strip()[:MAX_REASON]} if reason and reason.strip() else {}
    closed = await close_account(
        mongo=mongo, pii=pii, merchant_id=merchant_id, member_id=member_id, who=MEMBER_SELF, detail=detail
    )
    await _sign_out(redis, signer, merchant_id, member_id)
    return closed


async def close_member_account(
    *,
    mongo: Mongo,
    redis: Redis,
    pii: PiiCipher,
    signer: TokenSigner,
    actor: Staff,
    member_id: ObjectId,
    reason: str,
    request_ref: str,
) -> Closed:
    """OWNER or MANAGER, carrying out the member's written request (its reference kept in the access log); the
    member's phones are signed out at once."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    reason, request_ref = check_request(reason, request_ref)
    closed = await close_account(
        mongo=mongo,
        pii=pii,
        merchant_id=actor.merchant_id,
        member_id=member_id,
        who=Accessor.of(actor),
        detail={"reason": reason, "request_ref": request_ref},
    )
    await _sign_out(redis, signer, actor.merchant_id, member_id)
    return closed


async def _sign_out(redis: Redis, signer: TokenSigner, merchant_id: ObjectId, member_id: ObjectId) -> None:
    # The refresh tokens went with the closing; an access token already handed out would otherwise keep claiming
    # coupons and booking as the closed account until it expires. The account is closed either way: without Redis
    # the closing is still answered as done, and those tokens lapse on their own within minutes.
    try:
        await end_access(redis=redis, signer=signer, principal=Principal(Audience.MEMBER, member_id, merchant_id))
    except RedisError as e:
        log.warning("closed %s, but could not refuse its access tokens at once: %s", member_id, e)
