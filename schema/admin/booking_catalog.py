"""The store's booking catalog as owners and managers change it: services (a catalog service item made
bookable: duration, buffer, deposit, qualified staff, the resource they need) and resources with their capacity.
"""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain.booking import catalog
from schema.common import UserError
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations import node_id, node_ids, user_errors_in

ResourceKind: TypeAlias = catalog.ResourceKind
strawberry.enum(ResourceKind, name="ResourceKind")


@strawberry.type(description="Identical units (chairs, beds, rooms, car bays) a service may need one of.")
class Resource:
    id: strawberry.ID
    name: str
    kind: ResourceKind
    capacity: int
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, r: catalog.Resource) -> "Resource":
        return cls(
            id=to_global_id("Resource", r.id),
            name=r.name,
            kind=r.kind,
            capacity=r.capacity,
            active=r.active,
            created_at=r.created_at,
        )


@strawberry.type(description="A catalog item of kind SERVICE made bookable at one store.")
class Service:
    id: strawberry.ID
    item_id: strawberry.ID = strawberry.field(description="The CatalogItem: its name and price are the service's.")
    name: str
    duration_min: int
    buffer_after_min: int = strawberry.field(description="Clean-up time after each booking, kept free too.")
    price_fen: int
    deposit_fen: int = strawberry.field(description="Never more than the item's price.")
    staff_member_ids: list[strawberry.ID] = strawberry.field(description="The staff qualified to perform it.")
    resource_id: strawberry.ID | None
    active: bool = strawberry.field(description="Bookable: not archived, and its item still sold at the store.")
    created_at: datetime

    @classmethod
    def of(cls, s: catalog.Service) -> "Service":
        spec = s.spec
        return cls(
            id=to_global_id("Service", s.id),
            item_id=to_global_id("CatalogItem", spec.item_id),
            name=s.name,
            duration_min=spec.duration_min,
            buffer_after_min=spec.buffer_after_min,
            price_fen=s.price_fen,
            deposit_fen=s.deposit_fen,
            staff_member_ids=[to_global_id("StaffMember", i) for i in spec.staff_ids],
            resource_id=to_global_id("Resource", spec.resource_id) if spec.resource_id else None,
            active=s.bookable,
            created_at=s.created_at,
        )


@strawberry.input
class CreateServiceInput:
    store_id: strawberry.ID
    item_id: strawberry.ID = strawberry.field(description="A SERVICE catalog item sold at the store.")
    duration_min: int
    buffer_after_min: int = 0
    deposit_fen: int = 0
    staff_ids: list[strawberry.ID]
    resource_id: strawberry.ID | None = None


@strawberry.input
class UpdateServiceInput:
    id: strawberry.ID
    item_id: strawberry.ID
    duration_min: int
    buffer_after_min: int = 0
    deposit_fen: int = 0
    staff_ids: list[strawberry.ID]
    resource_id: strawberry.ID | None = None
    active: bool = True


@strawberry.input
class CreateResourceInput:
    store_id: strawberry.ID
    name: str
    kind: ResourceKind
    capacity: int = 1


@strawberry.input
class UpdateResourceInput:
    id: strawberry.ID
    name: str
    capacity: int
    active: bool = True


@strawberry.type
class ServicePayload:
    service: Service | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ResourcePayload:
    resource: Resource | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _spec(input: CreateServiceInput | UpdateServiceInput) -> catalog.ServiceSpec:
    return catalog.ServiceSpec(
        item_id=node_id("CatalogItem", input.item_id, "itemId"),
        duration_min=input.duration_min,
        buffer_after_min=input.buffer_after_min,
        deposit_fen=input.deposit_fen,
        staff_ids=tuple(node_ids("StaffMember", input.staff_ids, "staffIds")),
        resource_id=node_id("Resource", input.resource_id, "resourceId"),
    )


@strawberry.type
class BookingCatalogMutation:
    @strawberry.mutation(description="OWNER or MANAGER of the store.")
    @user_errors_in(ServicePayload)
    async def create_service(self, info: Info, input: CreateServiceInput) -> ServicePayload:
        ctx = info.context
        made = await catalog.create_service(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            spec=_spec(input),
        )
        return ServicePayload(service=Service.of(made))

    @strawberry.mutation(description="OWNER or MANAGER of the store; active: false archives it.")
    @user_errors_in(ServicePayload)
    async def update_service(self, info: Info, input: UpdateServiceInput) -> ServicePayload:
        ctx = info.context
        updated = await catalog.update_service(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            service_id=node_id("Service", input.id, "id"),
            spec=_spec(input),
            active=input.active,
        )
        return ServicePayload(service=Service.of(updated))

    @strawberry.mutation(description="OWNER or MANAGER of the store.")
    @user_errors_in(ResourcePayload)
    async def create_resource(self, info: Info, input: CreateResourceInput) -> ResourcePayload:
        ctx = info.context
        made = await catalog.create_resource(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            name=input.name,
            kind=input.kind,
            capacity=input.capacity,
        )
        return ResourcePayload(resource=Resource.of(made))

    @strawberry.mutation(description="OWNER or MANAGER of the store; active: false archives it.")
    @user_errors_in(ResourcePayload)
    async def update_resource(self, info: Info, input: UpdateResourceInput) -> ResourcePayload:
        ctx = info.context
        updated = await catalog.update_resource(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            resource_id=node_id("Resource", input.id, "id"),
            name=input.name,
            capacity=input.capacity,
            active=input.active,
        )
        return ResourcePayload(resource=Resource.of(updated))
