"""Personal information in the admin app: closing a member's account on their written request (OWNER, MANAGER),
the merchant's retention setting (OWNER), and the append-only access log (OWNER), as domain.privacy and
domain.access_log keep them.
"""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain import access_log
from domain.account_closing import erasure, retention
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, null_when_refused, user_errors_in

AccessAction: TypeAlias = access_log.AccessAction
strawberry.enum(
    AccessAction,
    name="AccessAction",
    description="PHONE_VIEWED: a member's phone shown in full. EXPORTED: a reconciliation CSV or a merchant export. "
    "BALANCE_ADJUSTED: a staff adjustment of points or stored value. ACCOUNT_CLOSED: a member account closed (by "
    "the member, by staff on the member's written request, or by the retention sweep).",
)


@strawberry.type(description="One fact about the act: a reason, a request reference, an account, an amount.")
class AccessDetail:
    key: str
    value: str


@strawberry.type
class AccessLogEntry:
    id: strawberry.ID
    action: AccessAction
    staff_member_id: strawberry.ID | None = strawberry.field(description="Null when the member or the platform acted.")
    staff_name: str | None
    member_name: str | None = strawberry.field(description="The member's display name (已注销 once closed).")
    role: str = strawberry.field(description="OWNER, MANAGER, CASHIER, TECHNICIAN, MEMBER or SYSTEM.")
    member_id: strawberry.ID | None
    store_id: strawberry.ID | None = strawberry.field(description="The store acted from, when the staff has one.")
    detail: list[AccessDetail]
    at: datetime

    @classmethod
    def of(cls, e: access_log.AccessEntry) -> "AccessLogEntry":
        return cls(
            id=to_global_id("AccessLogEntry", e.id),
            action=e.action,
            staff_member_id=to_global_id("StaffMember", e.staff_id) if e.staff_id else None,
            staff_name=e.staff_name,
            member_name=e.member_name,
            role=e.role,
            member_id=to_global_id("Member", e.member_id) if e.member_id else None,
            store_id=to_global_id("Store", e.store_id) if e.store_id else None,
            detail=[AccessDetail(key=k, value=str(v)) for k, v in sorted(e.detail.items())],
            at=e.at,
        )


@strawberry.input
class AccessLogFilter:
    action: AccessAction | None = None
    staff_member_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None
    store_id: strawberry.ID | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None


@strawberry.type
class Retention:
    retention_years: int = strawberry.field(
        description="Members with no paid order, sign-in or booking for this many years are anonymized monthly."
    )


@strawberry.input
class CloseMemberAccountInput:
    member_id: strawberry.ID
    reason: str
    request_ref: str = strawberry.field(description="The reference of the member's written request (申请编号).")


@strawberry.type
class CloseMemberAccountPayload:
    closed_at: datetime | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetRetentionInput:
    retention_years: int = strawberry.field(description=f"{retention.MIN_YEARS}-{retention.MAX_YEARS}.")


@strawberry.type
class SetRetentionPayload:
    retention: Retention | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PersonalDataQuery:
    @strawberry.field(description="OWNER: who saw, exported, adjusted or closed what, newest first.")
    @null_when_refused
    async def access_log(
        self, info: Info, filter: AccessLogFilter | None = None, first: int | None = None, after: str | None = None
    ) -> Connection[AccessLogEntry] | None:
        actor = await info.context.staff()
        f = filter or AccessLogFilter()
        page = await access_log.list_entries(
            mongo=info.context.clients.mongo,
            actor=actor,
            where=access_log.AccessFilter(
                action=f.action,
                staff_id=node_id("StaffMember", f.staff_member_id, "staffMemberId"),
                member_id=node_id("Member", f.member_id, "memberId"),
                store_id=node_id("Store", f.store_id, "storeId"),
                since=f.from_,
                until=f.to,
            ),
            first=first,
            before=from_cursor(after),
        )
        return connection(page, AccessLogEntry.of)

    @strawberry.field(description="The merchant's retention of inactive members' personal data.")
    async def retention(self, info: Info) -> Retention:
        actor = await info.context.staff()
        found = await retention.retention_of(mongo=info.context.clients.mongo, merchant_id=actor.merchant_id)
        return Retention(retention_years=found.years)


@strawberry.type
class PersonalDataMutation:
    @strawberry.mutation(description="OWNER or MANAGER, on the member's written request: close their account (注销).")
    @user_errors_in(CloseMemberAccountPayload)
    async def close_member_account(self, info: Info, input: CloseMemberAccountInput) -> CloseMemberAccountPayload:
        closed = await erasure.close_member_account(
            mongo=info.context.clients.mongo,
            redis=info.context.clients.redis,
            pii=info.context.clients.pii,
            signer=info.context.clients.signer,
            actor=await info.context.staff(),
            member_id=node_id("Member", input.member_id, "memberId"),
            reason=input.reason,
            request_ref=input.request_ref,
        )
        return CloseMemberAccountPayload(closed_at=closed.closed_at)

    @strawberry.mutation(description="OWNER: how many years inactive members' personal data is kept.")
    @user_errors_in(SetRetentionPayload)
    async def set_retention(self, info: Info, input: SetRetentionInput) -> SetRetentionPayload:
        found = await retention.set_retention(
            mongo=info.context.clients.mongo, actor=await info.context.staff(), years=input.retention_years
        )
        return SetRetentionPayload(retention=Retention(retention_years=found.years))
