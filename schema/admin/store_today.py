"""The staff app's Home (工作台): one store's day so far and its to-do counters, as domain.store_today works
them out."""

from datetime import UTC, date, datetime

import strawberry

from domain import store_today
from schema.admin.types import Store
from schema.context import Info
from schema.mutations import node_id, null_when_refused


@strawberry.type(description="What waits for someone at the store now.")
class StoreToDo:
    arrivals_due: int = strawberry.field(
        description="待到店: today's BOOKED bookings (a technician's own) starting within the hour, or late already, "
        "not checked in yet; they stay until checked in, cancelled or marked no-show."
    )
    refunds_in_progress: int = strawberry.field(
        description="退款中: orders at the store with a refund the provider has not confirmed yet; "
        "orders(storeId, refundInProgress: true) lists them."
    )
    dead_letters: int | None = strawberry.field(
        description="OWNER only (null for other roles): events whose handling failed for good, merchant-wide; "
        "deadLetters lists them."
    )


@strawberry.type(description="One store's day so far, in the store's time zone.")
class StoreToday:
    store: Store
    day: date = strawberry.field(name="date", description="Today at the store.")
    takings_fen: int = strawberry.field(
        description="实收 (fen): money that came in at the store today, net: WeChat Pay, Alipay and cash paid for "
        "orders paid today (top-ups and deposits included; paying with stored value is not money in, its top-up "
        "was), less such money refunded today, whenever its order was paid. Negative on a day of refunds."
    )
    paid_orders: int = strawberry.field(
        description="Orders paid at the store today, whatever they were paid with (top-ups and deposits included)."
    )
    new_members: int = strawberry.field(
        description="Members who joined today, merchant-wide: members belong to the merchant, not to a store."
    )
    upcoming_bookings: int = strawberry.field(
        description="BOOKED bookings from now to the end of the day (a technician's own)."
    )
    to_do: StoreToDo

    @classmethod
    def of(cls, today: store_today.StoreToday) -> "StoreToday":
        todo = today.to_do
        return cls(
            store=Store.of(today.store),
            day=today.day,
            takings_fen=today.takings_fen,
            paid_orders=today.paid_orders,
            new_members=today.new_members,
            upcoming_bookings=today.upcoming_bookings,
            to_do=StoreToDo(
                arrivals_due=todo.arrivals_due,
                refunds_in_progress=todo.refunds_in_progress,
                dead_letters=todo.dead_letters,
            ),
        )


@strawberry.type
class StoreTodayQuery:
    @strawberry.field(
        description="Any staff role: the Home (工作台) of a store in your scope, today; null for a store not yours."
    )
    @null_when_refused
    async def store_today(self, info: Info, store_id: strawberry.ID) -> StoreToday | None:
        ctx = info.context
        today = await store_today.store_today(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            now=datetime.now(UTC),
        )
        return StoreToday.of(today)
