"""What a payout is: one beneficiary's available commissions (less what they owe, plus any unpaid rest of an
earlier payout) held in one go, and the transfer bills that carry the money, each within the provider's limits.
The states of both, and how an amount is split into bills.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bson import ObjectId

from db.mongo import Doc
from domain.commissions.commission import BeneficiaryKind

# WeChat Pay's day, for its daily limits, is Beijing's.
PROVIDER_ZONE = ZoneInfo("Asia/Shanghai")


class PayoutStatus(StrEnum):
    # Commissions held; its bills are being made, wait for the payee, or wait for a day with quota left.
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    # Some bills paid, the others failed: the unpaid rest is available again and joins the next payout.
    PARTIALLY_PAID = "PARTIALLY_PAID"
    # Nothing paid: the commissions are AVAILABLE again.
    FAILED = "FAILED"


class PayoutMethod(StrEnum):
    WECHAT_TRANSFER = "WECHAT_TRANSFER"
    # Staff commissions, settled through payroll and marked so by the owner.
    OFFLINE = "OFFLINE"


class TransferStatus(StrEnum):
    """Ours before the provider has the bill (PLANNED, REQUESTED), the provider's while it does, then ours again
    for bills that never reached it (REFUSED, ABANDONED)."""

    PLANNED = "PLANNED"
    # Sent, or about to be: until an answer is recorded the outcome is unknown, and only a query settles it.
    REQUESTED = "REQUESTED"
    ACCEPTED = "ACCEPTED"
    PROCESSING = "PROCESSING"
    WAIT_USER_CONFIRM = "WAIT_USER_CONFIRM"
    TRANSFERING = "TRANSFERING"
    CANCELING = "CANCELING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    CANCELLED = "CANCELLED"
    # The provider refused to create it (never to be sent again).
    REFUSED = "REFUSED"
    # Never sent: another bill of its payout failed first.
    ABANDONED = "ABANDONED"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def failed(self) -> bool:
        return self.final and self is not TransferStatus.SUCCESS


FINAL = frozenset(
    {
        TransferStatus.SUCCESS,
        TransferStatus.FAIL,
        TransferStatus.CANCELLED,
        TransferStatus.REFUSED,
        TransferStatus.ABANDONED,
    }
)


@dataclass(frozen=True)
class TransferLimits:
    """The merchant account's transfer limits as configured at WeChat Pay (0: none). The provider enforces them;
    we split and pace within them so that it never has to."""

    single_fen: int = 20_000
    per_payee_daily_fen: int = 100_000
    daily_fen: int = 0
    min_fen: int = 10

    @property
    def bill_cap_fen(self) -> int:
        caps = [cap for cap in (self.single_fen, self.per_payee_daily_fen, self.daily_fen) if cap > 0]
        return min(caps) if caps else 0

    def split(self, amount_fen: int) -> list[int]:
        """As few bills as the caps allow, as even as whole fen allow (so none falls under the minimum)."""
        cap = self.bill_cap_fen
        count = -(-amount_fen // cap) if cap else 1
        base, extra = divmod(amount_fen, count)
        return [base + 1] * extra + [base] * (count - extra)


def provider_day(moment: datetime) -> date:
    return moment.astimezone(PROVIDER_ZONE).date()


def next_provider_day(moment: datetime) -> datetime:
    """The first instant of the provider's next day, when its daily quotas start again."""
    tomorrow = provider_day(moment) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0, 0), PROVIDER_ZONE)


def out_bill_no(payout_id: ObjectId, seq: int) -> str:
    """27 letters and digits, unique for good: the payout's id and the bill's place in it."""
    return f"P{payout_id}{seq:02d}"


@dataclass(frozen=True)
class Payout:
    id: ObjectId
    merchant_id: ObjectId
    run_id: ObjectId | None
    beneficiary_id: ObjectId
    beneficiary_kind: BeneficiaryKind
    method: PayoutMethod
    status: PayoutStatus
    # What the beneficiary receives: gross + carried − netted.
    amount_fen: int
    # The held commissions' worth at the hold.
    gross_fen: int
    # Clawbacks of earlier payouts taken off this one.
    netted_fen: int
    # Unpaid rests of earlier partly paid payouts added to this one.
    carried_fen: int
    commissions: int
    paid_fen: int
    unpaid_fen: int
    failure_reason: str | None
    reference: str | None
    created_at: datetime
    settled_at: datetime | None


def payout_from_doc(doc: Doc) -> Payout:
    return Payout(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        run_id=doc.get("run_id"),
        beneficiary_id=doc["beneficiary_id"],
        beneficiary_kind=BeneficiaryKind(doc["beneficiary_kind"]),
        method=PayoutMethod(doc["method"]),
        status=PayoutStatus(doc["status"]),
        amount_fen=doc["amount_fen"],
        gross_fen=doc["gross_fen"],
        netted_fen=doc["netted_fen"],
        carried_fen=doc["carried_fen"],
        commissions=doc["commissions"],
        paid_fen=doc.get("paid_fen", 0),
        unpaid_fen=doc.get("unpaid_fen", 0),
        failure_reason=doc.get("failure_reason"),
        reference=doc.get("reference"),
        created_at=doc["created_at"],
        settled_at=doc.get("settled_at"),
    )


@dataclass(frozen=True)
class Transfer:
    id: ObjectId
    payout_id: ObjectId
    seq: int
    out_bill_no: str
    amount_fen: int
    status: TransferStatus
    package_info: str | None
    fail_reason: str | None
    created_at: datetime
    settled_at: datetime | None


def transfer_from_doc(doc: Doc) -> Transfer:
    return Transfer(
        id=doc["_id"],
        payout_id=doc["payout_id"],
        seq=doc["seq"],
        out_bill_no=doc["out_bill_no"],
        amount_fen=doc["amount_fen"],
        status=TransferStatus(doc["status"]),
        package_info=doc.get("package_info"),
        fail_reason=doc.get("fail_reason"),
        created_at=doc["created_at"],
        settled_at=doc.get("settled_at"),
    )
