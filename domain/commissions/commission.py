"""One commission: what one beneficiary earns on one order at one level, its state, and the arithmetic every
accrual and reversal shares, so that accrued − reversed is always floor(rate × net paid base).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bson import ObjectId

from db.mongo import Doc
from domain.commissions.ledger import Bucket
from domain.commissions.programs import BP
from domain.referrals.identity import Overlap


class CommissionStatus(StrEnum):
    PENDING = "PENDING"
    AVAILABLE = "AVAILABLE"
    PAID = "PAID"
    # A staff commission paid through payroll, marked so by the owner (domain.payouts.offline).
    PAID_OFFLINE = "PAID_OFFLINE"
    CANCELLED = "CANCELLED"
    # Payer and beneficiary look like one person: held until the owner approves or rejects it.
    REVIEW = "REVIEW"
    REJECTED = "REJECTED"


# Where a commission's net amount sits while it is in each state; CANCELLED and REJECTED hold nothing.
BUCKETS = {
    CommissionStatus.PENDING: Bucket.PENDING,
    CommissionStatus.AVAILABLE: Bucket.AVAILABLE,
    CommissionStatus.REVIEW: Bucket.REVIEW,
    CommissionStatus.PAID: Bucket.PAID,
    CommissionStatus.PAID_OFFLINE: Bucket.PAID,
}


class BeneficiaryKind(StrEnum):
    MEMBER = "MEMBER"
    STAFF = "STAFF"


@dataclass(frozen=True)
class Commission:
    id: ObjectId
    merchant_id: ObjectId
    order_id: ObjectId
    store_id: ObjectId
    payer_id: ObjectId
    beneficiary_id: ObjectId
    beneficiary_kind: BeneficiaryKind
    level: int
    program_id: ObjectId
    rate_bp: int
    base_fen: int
    amount_fen: int
    reversed_fen: int
    status: CommissionStatus
    flags: tuple[Overlap, ...]
    paid_at: datetime
    release_at: datetime
    created_at: datetime

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.reversed_fen


def commission_from_doc(doc: Doc) -> Commission:
    return Commission(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        order_id=doc["order_id"],
        store_id=doc["store_id"],
        payer_id=doc["payer_id"],
        beneficiary_id=doc["beneficiary_id"],
        beneficiary_kind=BeneficiaryKind(doc["beneficiary_kind"]),
        level=doc["level"],
        program_id=doc["program_id"],
        rate_bp=doc["rate_bp"],
        base_fen=doc["base_fen"],
        amount_fen=doc["amount_fen"],
        reversed_fen=doc["reversed_fen"],
        status=CommissionStatus(doc["status"]),
        flags=tuple(Overlap(f) for f in doc.get("flags") or ()),
        paid_at=doc["paid_at"],
        release_at=doc["release_at"],
        created_at=doc["created_at"],
    )


def amount_of(rate_bp: int, base_fen: int) -> int:
    return rate_bp * base_fen // BP


def amount_after_refunds(rate_bp: int, base_fen: int, order_paid_fen: int, refunded_fen: int) -> int:
    """floor(rate × base × kept share), in one integer division so that refunds in any number of steps
    end exactly where one refund of the same total would."""
    if order_paid_fen <= 0:
        return amount_of(rate_bp, base_fen)
    kept = order_paid_fen - min(refunded_fen, order_paid_fen)
    return rate_bp * base_fen * kept // (BP * order_paid_fen)
