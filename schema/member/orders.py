"""The member's orders: 扫码买单 (a free amount at a store), paying for a booking, buying a top-up plan; paying
with WeChat Pay / Alipay / stored value; the order list and one order with its payments and refunds.
"""

from datetime import datetime

import strawberry
from bson import ObjectId

from domain.checkout import pay, views
from domain.errors import DomainError
from domain.orders import create, draft
from domain.orders.views import OrderView, member_orders
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, from_global_id, to_global_id
from schema.orders import (
    CloseOrderInput,
    OrderKind,
    OrderLine,
    OrderPrice,
    OrderSource,
    OrderStatus,
    Payment,
    PayOrderInput,
    Refund,
    WeChatPayParams,
    pay_parts,
)


@strawberry.type(name="Order")
class MemberOrder:
    id: strawberry.ID
    status: OrderStatus
    kind: OrderKind
    source: OrderSource
    store_id: strawberry.ID
    store_name: str
    lines: list[OrderLine]
    price: OrderPrice
    coupon_id: strawberry.ID | None
    booking_id: strawberry.ID | None
    refunded_fen: int
    created_at: datetime
    paid_at: datetime | None

    @classmethod
    def of(cls, view: OrderView) -> "MemberOrder":
        o = view.order
        return cls(
            id=to_global_id("Order", o.id),
            status=o.status,
            kind=o.kind,
            source=o.source,
            store_id=to_global_id("Store", o.store_id),
            store_name=view.store_name,
            lines=[OrderLine.of(line) for line in o.lines],
            price=OrderPrice.of(o.price),
            coupon_id=to_global_id("Coupon", o.coupon_id) if o.coupon_id else None,
            booking_id=to_global_id("Booking", o.booking_id) if o.booking_id else None,
            refunded_fen=o.refunded_fen,
            created_at=o.created_at,
            paid_at=o.paid_at,
        )


@strawberry.type(name="OrderDetail")
class MemberOrderDetail:
    order: MemberOrder
    payments: list[Payment]
    refunds: list[Refund]


@strawberry.input(description="Exactly one of amountFen (with storeId), bookingId or topUpPlanId.")
class CreateOrderInput:
    store_id: strawberry.ID | None = strawberry.field(default=None, description="The store scanned (扫码买单).")
    amount_fen: int | None = None
    booking_id: strawberry.ID | None = None
    top_up_plan_id: strawberry.ID | None = None
    coupon_id: strawberry.ID | None = None
    use_points: bool = strawberry.field(default=False, description="Pay what points may (at most half).")
    idempotency_key: str = strawberry.field(description="Made once per tap; a retry returns the same order.")


@strawberry.type
class OrderPayload:
    order: MemberOrder | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PayOrderPayload:
    order: MemberOrder | None = None
    payment: Payment | None = None
    wechat_pay: WeChatPayParams | None = strawberry.field(default=None, description="For WECHAT_PAY.")
    alipay_trade_no: str | None = strawberry.field(default=None, description="For ALIPAY: my.tradePay's tradeNO.")
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _ids(input: CreateOrderInput) -> dict[str, ObjectId | None] | str:
    """The input's ids parsed, or the name of the first invalid one."""
    wanted = {
        "storeId": ("Store", input.store_id),
        "bookingId": ("Booking", input.booking_id),
        "topUpPlanId": ("TopUpPlan", input.top_up_plan_id),
        "couponId": ("Coupon", input.coupon_id),
    }
    parsed: dict[str, ObjectId | None] = {}
    for field, (kind, gid) in wanted.items():
        parsed[field] = from_global_id(kind, gid) if gid is not None else None
        if gid is not None and parsed[field] is None:
            return field
    return parsed


@strawberry.type
class OrdersQuery:
    @strawberry.field(description="The member's orders, newest first.")
    async def my_orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[MemberOrder]:
        principal = info.context.need_principal()
        page = await member_orders(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            first=first,
            after=from_cursor(after),
        )
        return connection(page, MemberOrder.of)

    @strawberry.field(description="One of the member's orders with its payments and refunds.")
    async def order(self, info: Info, id: strawberry.ID) -> MemberOrderDetail | None:
        principal = info.context.need_principal()
        order_id = from_global_id("Order", id)
        if order_id is None:
            return None
        try:
            detail = await views.member_order_detail(
                mongo=info.context.clients.mongo,
                merchant_id=principal.merchant_id,
                member_id=principal.subject_id,
                order_id=order_id,
            )
        except DomainError:
            return None
        return MemberOrderDetail(
            order=MemberOrder.of(detail.view),
            payments=[Payment.of(p) for p in detail.payments],
            refunds=[Refund.of(r) for r in detail.refunds],
        )


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(description="An order to pay: 扫码买单, a booking, or a top-up plan.")
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        ids = _ids(input)
        if isinstance(ids, str):
            return OrderPayload(user_errors=ctx.invalid_id(ids))
        try:
            order = await create.create_member_order(
                mongo=ctx.clients.mongo,
                merchant_id=principal.merchant_id,
                member_id=principal.subject_id,
                request=create.MemberRequest(
                    store_id=ids["storeId"],
                    amount_fen=input.amount_fen,
                    booking_id=ids["bookingId"],
                    top_up_plan_id=ids["topUpPlanId"],
                ),
                discounts=draft.Discounts(coupon_id=ids["couponId"], use_points=input.use_points),
                idempotency_key=input.idempotency_key,
            )
        except DomainError as e:
            return OrderPayload(user_errors=ctx.user_errors(e))
        return OrderPayload(order=MemberOrder.of(order))

    @strawberry.mutation(description="WECHAT_PAY (wx.requestPayment), ALIPAY (my.tradePay) or STORED_VALUE (at once).")
    async def pay_order(self, info: Info, input: PayOrderInput) -> PayOrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        order_id = from_global_id("Order", input.order_id)
        if order_id is None:
            return PayOrderPayload(user_errors=ctx.invalid_id("orderId"))
        try:
            result = await pay.pay_order(
                mongo=ctx.clients.mongo,
                providers=ctx.clients.payments,
                payer=pay.Payer(principal.merchant_id, member_id=principal.subject_id),
                order_id=order_id,
                method=input.method,
                idempotency_key=input.idempotency_key,
            )
        except DomainError as e:
            return PayOrderPayload(user_errors=ctx.user_errors(e))
        payment, wechat, alipay = pay_parts(result)
        return PayOrderPayload(
            order=MemberOrder.of(result.order),
            payment=payment,
            wechat_pay=wechat,
            alipay_trade_no=alipay,
            replayed=result.replayed,
        )

    @strawberry.mutation(description="Drop an unpaid order; its coupon is free again.")
    async def close_order(self, info: Info, input: CloseOrderInput) -> OrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        order_id = from_global_id("Order", input.order_id)
        if order_id is None:
            return OrderPayload(user_errors=ctx.invalid_id("orderId"))
        try:
            order = await pay.close_order(
                mongo=ctx.clients.mongo,
                providers=ctx.clients.payments,
                payer=pay.Payer(principal.merchant_id, member_id=principal.subject_id),
                order_id=order_id,
            )
        except DomainError as e:
            return OrderPayload(user_errors=ctx.user_errors(e))
        return OrderPayload(order=MemberOrder.of(order))
