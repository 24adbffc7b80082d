"""Members as staff see them: search, detail with the ledger, lookup at the counter, manual adjustments,
LOST and reissue, count cards. Every member is read inside the staff member's own merchant.
"""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import Enum
from typing import TypeAlias

import strawberry
from bson import ObjectId

from domain.cards import adjustments, count_cards, ledger, lookup, member_code, status, views
from domain.cards.card import Card as CardRecord
from domain.marketing import consent
from domain.tenancy import Staff
from schema.cards import CardLevel, CardStatus, CountCard, LedgerAccount, LedgerEntryKind
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.mutations import node_id, user_errors_in


def _phones_shown(info: Info, viewer: Staff) -> Callable[[list[ObjectId]], Awaitable[list[None]]]:
    """Every phone a response shows, logged in one write (domain.access_log) however many members it lists."""

    async def load(member_ids: list[ObjectId]) -> list[None]:
        await views.log_phones_shown(mongo=info.context.clients.mongo, viewer=viewer, member_ids=member_ids)
        return [None] * len(member_ids)

    return load


@strawberry.type(name="Card")
class AdminCard:
    record: strawberry.Private[CardRecord]
    number: str
    status: CardStatus
    level: CardLevel
    points: int
    stored_value: int = strawberry.field(description="Fen, paid and bonus parts together.")
    stored_value_paid: int = strawberry.field(description="The member's own money (fen); refundable, spent first.")
    stored_value_bonus: int = strawberry.field(description="The merchant's bonus (fen); spent last.")
    lifetime_paid_fen: int
    count_cards: list[CountCard]
    birthday: date | None
    issued_at: datetime

    @classmethod
    def of(cls, view: views.CardView) -> "AdminCard":
        card = view.card
        return cls(
            record=card,
            number=card.number,
            status=card.status,
            level=CardLevel.of(view.level),
            points=card.points,
            stored_value=card.stored_value,
            stored_value_paid=card.stored_paid,
            stored_value_bonus=card.stored_bonus,
            lifetime_paid_fen=card.lifetime_paid_fen,
            count_cards=[CountCard.of(cc) for cc in view.count_cards],
            birthday=card.birthday,
            issued_at=card.issued_at,
        )

    @strawberry.field(description="In full for owners and managers, masked (138****1234) for other roles.")
    async def phone(self, info: Info) -> str | None:
        viewer = await info.context.staff()
        shown = views.staff_view_of_phone(self.record, pii=info.context.clients.pii, viewer=viewer)
        if shown is not None:
            await info.context.loader("phones_shown", _phones_shown(info, viewer)).load(self.record.member_id)
        return shown


@strawberry.type(name="LedgerEntry")
class AdminLedgerEntry:
    id: strawberry.ID
    account: LedgerAccount
    kind: LedgerEntryKind
    amount: int = strawberry.field(description="Signed: points, fen of stored value, or count-card uses.")
    paid_part: int = strawberry.field(description="Stored value: the part of `amount` in paid money.")
    bonus_part: int = strawberry.field(description="Stored value: the part of `amount` in bonus.")
    balance_after: int
    reference: str
    reason: str | None
    staff_member_id: strawberry.ID | None = strawberry.field(description="Who made it, for staff actions.")
    count_card_id: strawberry.ID | None
    at: datetime

    @classmethod
    def of(cls, entry: ledger.Entry) -> "AdminLedgerEntry":
        staff = entry.actor.id if entry.actor.kind is ledger.ActorKind.STAFF else None
        return cls(
            id=to_global_id("LedgerEntry", entry.id),
            account=entry.account,
            kind=entry.kind,
            amount=entry.amount,
            paid_part=entry.parts.paid,
            bonus_part=entry.parts.bonus,
            balance_after=entry.balance_after,
            reference=entry.reference,
            reason=entry.reason,
            staff_member_id=to_global_id("StaffMember", staff) if staff else None,
            count_card_id=to_global_id("CountCard", entry.count_card_id) if entry.count_card_id else None,
            at=entry.at,
        )


@strawberry.type(name="Member")
class AdminMember:
    record: strawberry.Private[views.MemberCard]
    id: strawberry.ID
    nickname: str | None
    joined_at: datetime
    card: AdminCard | None
    tags: list[str] = strawberry.field(description="Staff's tags on the member (tagMembers, untagMembers).")

    @classmethod
    def of(cls, found: views.MemberCard) -> "AdminMember":
        return cls(
            record=found,
            id=to_global_id("Member", found.member.id),
            nickname=found.member.nickname,
            joined_at=found.member.created_at,
            card=AdminCard.of(found.card) if found.card else None,
            tags=list(found.member.tags),
        )

    @strawberry.field(description="The member stopped marketing messages (mini-program switch or SMS 退订).")
    async def marketing_stopped(self, info: Info) -> bool:
        staff = await info.context.staff()

        async def load(ids: list[ObjectId]) -> list[bool]:
            found = await consent.consents_of(
                mongo=info.context.clients.mongo, merchant_id=staff.merchant_id, member_ids=ids
            )
            return [found[i].stopped for i in ids]

        return await info.context.loader("marketing_stopped", load).load(self.record.member.id)

    @strawberry.field(description="Every change to the member's balances, newest first.")
    async def ledger(
        self, info: Info, first: int | None = None, after: str | None = None, account: LedgerAccount | None = None
    ) -> Connection[AdminLedgerEntry]:
        staff = await info.context.staff()
        page = await ledger.list_entries(
            mongo=info.context.clients.mongo,
            merchant_id=staff.merchant_id,
            member_id=self.record.member.id,
            account=account,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, AdminLedgerEntry.of)


@strawberry.enum
class AdjustableAccount(Enum):
    POINTS = "POINTS"
    STORED_VALUE = "STORED_VALUE"


StoredValuePart: TypeAlias = adjustments.StoredValuePart
strawberry.enum(StoredValuePart, name="StoredValuePart")


@strawberry.input
class LookupMemberInput:
    code: str | None = strawberry.field(
        default=None,
        description="A scanned member code, used up by the scan: MBR- and 48 letters and digits (a coupon's redeem "
        "code starts CPN-, for couponByCode). MBR- may be left out when typed by hand.",
    )
    card_number: str | None = None
    phone: str | None = None


@strawberry.type
class MemberPayload:
    member: AdminMember | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AdjustBalanceInput:
    member_id: strawberry.ID
    account: AdjustableAccount
    amount: int = strawberry.field(description="Signed; may not take the balance below zero.")
    stored_value_part: StoredValuePart = strawberry.field(
        default=StoredValuePart.BONUS, description="Stored value only: which part changes."
    )
    reason: str
    idempotency_key: str


@strawberry.type
class LedgerEntryPayload:
    ledger_entry: AdminLedgerEntry | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CardStatusInput:
    member_id: strawberry.ID
    reason: str


@strawberry.type
class CardPayload:
    card: AdminCard | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class GrantCountCardInput:
    member_id: strawberry.ID
    name: str
    uses: int
    expires_at: datetime
    idempotency_key: str


@strawberry.input
class UseCountCardInput:
    count_card_id: strawberry.ID
    idempotency_key: str


@strawberry.type
class CountCardPayload:
    count_card: CountCard | None = None
    ledger_entry: AdminLedgerEntry | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MembersQuery:
    @strawberry.field(
        description="Search by one criterion: cardNumber (exact), else phone (exact), else nickname (prefix)."
    )
    async def members(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        card_number: str | None = None,
        phone: str | None = None,
        nickname: str | None = None,
    ) -> Connection[AdminMember]:
        ctx = info.context
        page = await lookup.search_members(
            mongo=ctx.clients.mongo,
            pii=ctx.clients.pii,
            actor=await ctx.staff(),
            card_number=card_number,
            phone=phone,
            nickname=nickname,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, AdminMember.of)

    @strawberry.field
    async def member(self, info: Info, id: strawberry.ID) -> AdminMember | None:
        actor = await info.context.staff()
        member_id = from_global_id("Member", id)
        if member_id is None:
            return None
        found = await lookup.get_member_card(mongo=info.context.clients.mongo, actor=actor, member_id=member_id)
        return AdminMember.of(found) if found else None


@strawberry.type
class MembersMutation:
    @strawberry.mutation(description="The member at the counter, by exactly one of member code, card number, phone.")
    @user_errors_in(MemberPayload)
    async def lookup_member(self, info: Info, input: LookupMemberInput) -> MemberPayload:
        ctx = info.context
        found = await lookup.lookup_member(
            mongo=ctx.clients.mongo,
            redis=ctx.clients.redis,
            pii=ctx.clients.pii,
            signer=member_code.signer_for(ctx.clients.keys),
            actor=await ctx.staff(),
            code=input.code,
            card_number=input.card_number,
            phone=input.phone,
        )
        return MemberPayload(member=AdminMember.of(found))

    @strawberry.mutation(description="OWNER or MANAGER. Appears in the ledger as ADJUSTMENT with your staff id.")
    @user_errors_in(LedgerEntryPayload)
    async def adjust_balance(self, info: Info, input: AdjustBalanceInput) -> LedgerEntryPayload:
        ctx = info.context
        entry = await adjustments.adjust_balance(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            account=ledger.Account(input.account.value),
            amount=input.amount,
            part=input.stored_value_part,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return LedgerEntryPayload(ledger_entry=AdminLedgerEntry.of(entry))

    @strawberry.mutation(description="OWNER, MANAGER or CASHIER (挂失): the card stops spending.")
    @user_errors_in(CardPayload)
    async def report_card_lost(self, info: Info, input: CardStatusInput) -> CardPayload:
        ctx = info.context
        view = await status.report_lost(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            reason=input.reason,
        )
        return CardPayload(card=AdminCard.of(view))

    @strawberry.mutation(description="OWNER or MANAGER (补卡): a new number, active, with the same balances.")
    @user_errors_in(CardPayload)
    async def reissue_card(self, info: Info, input: CardStatusInput) -> CardPayload:
        ctx = info.context
        view = await status.reissue(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            reason=input.reason,
        )
        return CardPayload(card=AdminCard.of(view))

    @strawberry.mutation(description="OWNER or MANAGER: a count card sold outside the app.")
    @user_errors_in(CountCardPayload)
    async def grant_count_card(self, info: Info, input: GrantCountCardInput) -> CountCardPayload:
        ctx = info.context
        change = await count_cards.staff_grant_count_card(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            name=input.name,
            uses=input.uses,
            expires_at=input.expires_at,
            idempotency_key=input.idempotency_key,
        )
        return CountCardPayload(
            count_card=CountCard.of(change.count_card), ledger_entry=AdminLedgerEntry.of(change.entry)
        )

    @strawberry.mutation(description="Any staff role: one use of a count card; a retry with the same key uses nothing.")
    @user_errors_in(CountCardPayload)
    async def use_count_card(self, info: Info, input: UseCountCardInput) -> CountCardPayload:
        ctx = info.context
        change = await count_cards.use_count_card(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            count_card_id=node_id("CountCard", input.count_card_id, "countCardId"),
            idempotency_key=input.idempotency_key,
        )
        return CountCardPayload(
            count_card=CountCard.of(change.count_card), ledger_entry=AdminLedgerEntry.of(change.entry)
        )
