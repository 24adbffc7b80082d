"""Member-facing object types."""

from datetime import datetime

import strawberry

from domain.marketing import consent
from domain.members import Member as MemberRecord
from schema.cards import LedgerAccount
from schema.common import Connection
from schema.context import Info
from schema.ids import to_global_id
from schema.member.cards import LedgerEntry, MemberCard, member_card, member_ledger
from schema.member.marketing import MarketingConsentType


@strawberry.type(name="Member")
class MemberType:
    record: strawberry.Private[MemberRecord]
    id: strawberry.ID
    nickname: str | None
    joined_at: datetime

    @classmethod
    def of(cls, member: MemberRecord) -> "MemberType":
        return cls(
            record=member, id=to_global_id("Member", member.id), nickname=member.nickname, joined_at=member.created_at
        )

    @strawberry.field(description="The member card (会员卡): level, points, stored value, count cards.")
    async def card(self, info: Info) -> MemberCard | None:
        return await member_card(info, self.record)

    @strawberry.field(description="Every change to the member's balances, newest first.")
    async def ledger(
        self, info: Info, first: int | None = None, after: str | None = None, account: LedgerAccount | None = None
    ) -> Connection[LedgerEntry]:
        return await member_ledger(info, self.record, first, after, account)

    @strawberry.field(description="Whether the member receives marketing messages, and SMS among them.")
    async def marketing_consent(self, info: Info) -> MarketingConsentType:
        found = await consent.consents_of(
            mongo=info.context.clients.mongo, merchant_id=self.record.merchant_id, member_ids=[self.record.id]
        )
        return MarketingConsentType.of(found[self.record.id])
