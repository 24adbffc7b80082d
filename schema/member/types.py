"""Member-facing object types."""

from datetime import datetime

import strawberry

from domain.members import Member as MemberRecord
from schema.ids import to_global_id


@strawberry.type(name="Member")
class MemberType:
    id: strawberry.ID
    nickname: str | None
    joined_at: datetime

    @classmethod
    def of(cls, member: MemberRecord) -> "MemberType":
        return cls(id=to_global_id("Member", member.id), nickname=member.nickname, joined_at=member.created_at)
