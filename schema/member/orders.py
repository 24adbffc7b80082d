"""The member's orders: 扫码买单 (a free amount at a store, priced first by a quote that makes nothing), paying
for a booking, buying a top-up plan; paying with WeChat Pay / Alipay / stored value; the order list and one order
with its payments and refunds.
"""

from datetime import datetime

import strawberry

from domain.checkout import pay, views
from domain.orders import create, draft
from domain.orders.views import OrderView, member_orders
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, null_when_refused, user_errors_in
from schema.orders import (
    CloseOrderInput,
    OrderKind,
    OrderLine,
    OrderPrice,
    OrderQuote,
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


@strawberry.input(description="The 扫码买单 createOrder would take, to price it before the member pays.")
class QuoteOrderInput:
    store_id: strawberry.ID = strawberry.field(description="The store scanned.")
    amount_fen: int
    coupon_id: strawberry.ID | None = None
    use_points: bool = strawberry.field(default=False, description="Pay what points may (at most half).")


@strawberry.type
class QuoteOrderPayload:
    quote: OrderQuote | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


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


@strawberry.type
class OrdersQuery:
    @strawberry.field(
        description="扫码买单 for yourself: the price createOrder would give this amount now (level discount, one of "
        "your coupons, points), refused as createOrder would refuse it; writes nothing and holds no coupon."
    )
    @user_errors_in(QuoteOrderPayload)
    async def quote_order(self, info: Info, input: QuoteOrderInput) -> QuoteOrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        quote = await create.quote_scan_order(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            store_id=node_id("Store", input.store_id, "storeId"),
            amount_fen=input.amount_fen,
            discounts=draft.Discounts(
                coupon_id=node_id("Coupon", input.coupon_id, "couponId"), use_points=input.use_points
            ),
        )
        return QuoteOrderPayload(quote=OrderQuote.of(quote))

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
    @null_when_refused
    async def order(self, info: Info, id: strawberry.ID) -> MemberOrderDetail | None:
        principal = info.context.need_principal()
        detail = await views.member_order_detail(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            order_id=node_id("Order", id, "id"),
        )
        return MemberOrderDetail(
            order=MemberOrder.of(detail.view),
            payments=[Payment.of(p) for p in detail.payments],
            refunds=[Refund.of(r) for r in detail.refunds],
        )


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(description="An order to pay: 扫码买单, a booking, or a top-up plan.")
    @user_errors_in(OrderPayload)
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        request = create.MemberRequest(
            store_id=node_id("Store", input.store_id, "storeId"),
            amount_fen=input.amount_fen,
            booking_id=node_id("Booking", input.booking_id, "bookingId"),
            top_up_plan_id=node_id("TopUpPlan", input.top_up_plan_id, "topUpPlanId"),
        )
        discounts = draft.Discounts(
            coupon_id=node_id("Coupon", input.coupon_id, "couponId"), use_points=input.use_points
        )
        order = await create.create_member_order(
            mongo=ctx.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            request=request,
            discounts=discounts,
            idempotency_key=input.idempotency_key,
        )
        return OrderPayload(order=MemberOrder.of(order))

    @strawberry.mutation(description="WECHAT_PAY (wx.requestPayment), ALIPAY (my.tradePay) or STORED_VALUE (at once).")
    @user_errors_in(PayOrderPayload)
    async def pay_order(self, info: Info, input: PayOrderInput) -> PayOrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        result = await pay.pay_order(
            mongo=ctx.clients.mongo,
            providers=ctx.clients.payments,
            payer=pay.Payer(principal.merchant_id, member_id=principal.subject_id),
            order_id=node_id("Order", input.order_id, "orderId"),
            method=input.method,
            idempotency_key=input.idempotency_key,
        )
        payment, wechat, alipay = pay_parts(result)
        return PayOrderPayload(
            order=MemberOrder.of(result.order),
            payment=payment,
            wechat_pay=wechat,
            alipay_trade_no=alipay,
            replayed=result.replayed,
        )

    @strawberry.mutation(description="Drop an unpaid order; its coupon is free again.")
    @user_errors_in(OrderPayload)
    async def close_order(self, info: Info, input: CloseOrderInput) -> OrderPayload:
        ctx = info.context
        principal = ctx.need_principal()
        order = await pay.close_order(
            mongo=ctx.clients.mongo,
            providers=ctx.clients.payments,
            payer=pay.Payer(principal.merchant_id, member_id=principal.subject_id),
            order_id=node_id("Order", input.order_id, "orderId"),
        )
        return OrderPayload(order=MemberOrder.of(order))
