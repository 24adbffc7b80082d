"""The merchant, its stores and its staff, as the signed-in staff member may see and change them."""

import strawberry

from domain import tenancy
from schema.admin.types import Merchant, StaffMember, StaffRole, Store
from schema.common import Connection, UserError, connection
from schema.context import Info, NotAuthenticated
from schema.ids import from_cursor, from_global_id
from schema.mutations import node_ids, user_errors_in


@strawberry.input
class CreateStoreInput:
    name: str
    timezone: str = "Asia/Shanghai"


@strawberry.type
class CreateStorePayload:
    store: Store | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddStaffInput:
    name: str
    phone: str
    password: str
    role: StaffRole
    all_stores: bool = False
    store_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.type
class AddStaffPayload:
    staff_member: StaffMember | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TenancyQuery:
    @strawberry.field(description="The signed-in staff member.")
    async def me(self, info: Info) -> StaffMember:
        return StaffMember.of(await info.context.staff())

    @strawberry.field
    async def merchant(self, info: Info) -> Merchant:
        staff = await info.context.staff()
        merchant = await tenancy.get_merchant(mongo=info.context.clients.mongo, merchant_id=staff.merchant_id)
        if merchant is None:
            raise NotAuthenticated()
        return Merchant.of(merchant)

    @strawberry.field(description="Stores within your scope.")
    async def stores(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Store]:
        page = await tenancy.list_stores(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            first=first,
            after=from_cursor(after),
        )
        return connection(page, Store.of)

    @strawberry.field
    async def store(self, info: Info, id: strawberry.ID) -> Store | None:
        actor = await info.context.staff()
        store_id = from_global_id("Store", id)
        if store_id is None:
            return None
        store = await tenancy.get_store(mongo=info.context.clients.mongo, actor=actor, store_id=store_id)
        return Store.of(store) if store else None

    @strawberry.field(description="Staff within your scope.")
    async def staff_members(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[StaffMember]:
        page = await tenancy.list_staff(
            mongo=info.context.clients.mongo,
            actor=await info.context.staff(),
            first=first,
            after=from_cursor(after),
        )
        return connection(page, StaffMember.of)

    @strawberry.field
    async def staff_member(self, info: Info, id: strawberry.ID) -> StaffMember | None:
        actor = await info.context.staff()
        staff_id = from_global_id("StaffMember", id)
        if staff_id is None:
            return None
        staff = await tenancy.get_staff(mongo=info.context.clients.mongo, actor=actor, staff_id=staff_id)
        return StaffMember.of(staff) if staff else None


@strawberry.type
class TenancyMutation:
    @strawberry.mutation(description="OWNER, or a MANAGER of all stores.")
    @user_errors_in(CreateStorePayload)
    async def create_store(self, info: Info, input: CreateStoreInput) -> CreateStorePayload:
        ctx = info.context
        store = await tenancy.create_store(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), name=input.name, timezone=input.timezone
        )
        return CreateStorePayload(store=Store.of(store))

    @strawberry.mutation(description="OWNER or MANAGER; a manager adds cashiers and technicians in their stores.")
    @user_errors_in(AddStaffPayload)
    async def add_staff(self, info: Info, input: AddStaffInput) -> AddStaffPayload:
        ctx = info.context
        staff = await tenancy.add_staff(
            mongo=ctx.clients.mongo,
            pii=ctx.clients.pii,
            passwords=ctx.clients.passwords,
            actor=await ctx.staff(),
            name=input.name,
            phone=input.phone,
            password=input.password,
            role=input.role,
            all_stores=input.all_stores,
            store_ids=node_ids("Store", input.store_ids, "storeIds"),
        )
        return AddStaffPayload(staff_member=StaffMember.of(staff))
