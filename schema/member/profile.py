"""The signed-in member's own profile."""

import strawberry

from domain import members
from schema.context import Info, NotAuthenticated
from schema.member.types import MemberType


@strawberry.type
class ProfileQuery:
    @strawberry.field(description="The signed-in member.")
    async def me(self, info: Info) -> MemberType:
        principal = info.context.need_principal()
        member = await members.get_member(
            mongo=info.context.clients.mongo, member_id=principal.subject_id, merchant_id=principal.merchant_id
        )
        if member is None:
            raise NotAuthenticated()
        return MemberType.of(member)
