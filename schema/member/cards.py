"""The member's card screen: the card with its level, balances and count cards, the ledger, the member code
to show at the counter, and the top-up plans on offer.
"""

from datetime import date, datetime

import strawberry

from domain.cards import ledger, member_code, stored_value, views
from domain.members import Member
from schema.cards import CardLevel, CardStatus, CountCard, LedgerAccount, LedgerEntryKind, TopUpPlan
from schema.common import Connection, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id


@strawberry.type(name="MemberCard")
class MemberCard:
    number: str
    status: CardStatus
    level: CardLevel
    points: int
    stored_value: int = strawberry.field(description="Stored value in fen, paid and bonus parts together.")
    stored_value_bonus: int = strawberry.field(description="The bonus part of `storedValue` (fen); spent last.")
    lifetime_paid_fen: int = strawberry.field(description="What the member has paid in all, toward the next level.")
    count_cards: list[CountCard] = strawberry.field(description="Count cards with uses and time left.")
    birthday: date | None
    phone: str | None = strawberry.field(description="The bound phone, masked (138****1234).")

    @classmethod
    def of(cls, view: views.CardView, phone: str | None) -> "MemberCard":
        card = view.card
        return cls(
            number=card.number,
            status=card.status,
            level=CardLevel.of(view.level),
            points=card.points,
            stored_value=card.stored_value,
            stored_value_bonus=card.stored_bonus,
            lifetime_paid_fen=card.lifetime_paid_fen,
            count_cards=[CountCard.of(cc) for cc in view.count_cards],
            birthday=card.birthday,
            phone=phone,
        )


@strawberry.type(description="One change to one of the member's balances.")
class LedgerEntry:
    id: strawberry.ID
    account: LedgerAccount
    kind: LedgerEntryKind
    amount: int = strawberry.field(description="Signed: points, fen of stored value, or count-card uses.")
    balance_after: int
    count_card_id: strawberry.ID | None
    at: datetime

    @classmethod
    def of(cls, entry: ledger.Entry) -> "LedgerEntry":
        return cls(
            id=to_global_id("LedgerEntry", entry.id),
            account=entry.account,
            kind=entry.kind,
            amount=entry.amount,
            balance_after=entry.balance_after,
            count_card_id=to_global_id("CountCard", entry.count_card_id) if entry.count_card_id else None,
            at=entry.at,
        )


@strawberry.type(name="MemberCode", description="Show as a QR code; ask for a new one at `expiresAt` or after a scan.")
class MemberCodeType:
    code: str = strawberry.field(description="MBR- and 48 letters and digits, so staff's scanner knows it as a member.")
    expires_at: datetime


async def member_card(info: Info, member: Member) -> MemberCard | None:
    clients = info.context.clients
    view = await views.card_view(mongo=clients.mongo, merchant_id=member.merchant_id, member_id=member.id)
    return MemberCard.of(view, views.member_phone(view.card, pii=clients.pii)) if view else None


async def member_ledger(
    info: Info, member: Member, first: int | None, after: str | None, account: LedgerAccount | None
) -> Connection[LedgerEntry]:
    page = await ledger.list_entries(
        mongo=info.context.clients.mongo,
        merchant_id=member.merchant_id,
        member_id=member.id,
        account=account,
        first=first,
        after=from_cursor(after),
    )
    return connection(page, LedgerEntry.of)


@strawberry.type
class CardsQuery:
    @strawberry.field(description="A fresh member code (会员码) for staff to scan; each code works once.")
    async def member_code(self, info: Info) -> MemberCodeType:
        ctx = info.context
        principal = ctx.need_principal()
        issued = member_code.issue_member_code(
            signer=member_code.signer_for(ctx.clients.keys),
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
        )
        return MemberCodeType(code=issued.code, expires_at=issued.expires_at)

    @strawberry.field(description="Top-up plans on offer (充值方案).")
    async def top_up_plans(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[TopUpPlan]:
        principal = info.context.need_principal()
        page = await stored_value.list_plans(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            include_archived=False,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, TopUpPlan.of)
