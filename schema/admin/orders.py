"""Orders at the counter: price a cart without making anything (the bill's live price), make one (catalog items
or a free amount, for a member or a walk-in), take cash or the member's stored value or show a WeChat Pay / Alipay
code to scan, close an unpaid one, refund (MANAGER and up), and the order list and detail screens.
"""

from datetime import datetime
from typing import Annotated

import strawberry

from domain.checkout import pay, refunds, views
from domain.orders import create, draft
from domain.orders.model import Flag
from domain.orders.views import OrderView, store_orders
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
    PaymentMethod,
    PayOrderInput,
    Refund,
    pay_parts,
)


@strawberry.type(description="Something staff should look at: a payment that did not match, a coupon not used up…")
class OrderFlag:
    code: str
    detail: str
    at: datetime

    @classmethod
    def of(cls, flag: Flag) -> "OrderFlag":
        return cls(code=flag.code.value, detail=flag.detail, at=flag.at)


@strawberry.type(name="Order")
class AdminOrder:
    id: strawberry.ID
    status: OrderStatus
    kind: OrderKind
    source: OrderSource
    store_id: strawberry.ID
    store_name: str
    member_id: strawberry.ID | None
    member_nickname: str | None
    lines: list[OrderLine]
    price: OrderPrice
    coupon_id: strawberry.ID | None
    booking_id: strawberry.ID | None
    paid_method: PaymentMethod | None
    refunded_fen: int
    note: str
    created_by_staff_member_id: strawberry.ID | None
    flags: list[OrderFlag]
    created_at: datetime
    paid_at: datetime | None

    @classmethod
    def of(cls, view: OrderView) -> "AdminOrder":
        o = view.order
        return cls(
            id=to_global_id("Order", o.id),
            status=o.status,
            kind=o.kind,
            source=o.source,
            store_id=to_global_id("Store", o.store_id),
            store_name=view.store_name,
            member_id=to_global_id("Member", o.member_id) if o.member_id else None,
            member_nickname=view.member_nickname,
            lines=[OrderLine.of(line) for line in o.lines],
            price=OrderPrice.of(o.price),
            coupon_id=to_global_id("Coupon", o.coupon_id) if o.coupon_id else None,
            booking_id=to_global_id("Booking", o.booking_id) if o.booking_id else None,
            paid_method=o.paid_method,
            refunded_fen=o.refunded_fen,
            note=o.note,
            created_by_staff_member_id=to_global_id("StaffMember", o.created_by_staff_id)
            if o.created_by_staff_id
            else None,
            flags=[OrderFlag.of(f) for f in o.flags],
            created_at=o.created_at,
            paid_at=o.paid_at,
        )


@strawberry.type(name="OrderDetail")
class AdminOrderDetail:
    order: AdminOrder
    payments: list[Payment] = strawberry.field(description="Every attempt to pay, oldest first.")
    refunds: list[Refund]


@strawberry.input
class CartItemInput:
    item_id: strawberry.ID
    quantity: int = 1


@strawberry.input(description="Either items or amountFen. Coupons and points need a member.")
class CreateOrderInput:
    store_id: strawberry.ID
    member_id: strawberry.ID | None = None
    items: list[CartItemInput] = strawberry.field(default_factory=list)
    amount_fen: int | None = None
    coupon_id: strawberry.ID | None = None
    use_points: bool = False
    note: str = ""
    idempotency_key: str = strawberry.field(description="Made once per order; a retry returns the same order.")


@strawberry.input(description="The cart createOrder would take, to price it: either items or amountFen.")
class QuoteOrderInput:
    store_id: strawberry.ID
    member_id: strawberry.ID | None = None
    items: list[CartItemInput] = strawberry.field(default_factory=list)
    amount_fen: int | None = None
    coupon_id: strawberry.ID | None = None
    use_points: bool = False


@strawberry.type
class QuoteOrderPayload:
    quote: OrderQuote | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RefundOrderInput:
    order_id: strawberry.ID
    amount_fen: int = strawberry.field(description="Up to what is left to refund; a top-up only in full.")
    reason: str
    idempotency_key: str


@strawberry.type
class OrderPayload:
    order: AdminOrder | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A code for whoever pays at the counter to scan with WeChat or Alipay.")
class PaymentCode:
    url: str = strawberry.field(description="Show it as a QR code, as it is.")
    provider: PaymentMethod = strawberry.field(description="WECHAT_PAY or ALIPAY: the app that scans it.")
    expires_at: datetime = strawberry.field(description="After this it can no longer be paid; tap again for a new one.")

    @classmethod
    def of(cls, code: pay.PaymentCode) -> "PaymentCode":
        return cls(url=code.url, provider=code.method, expires_at=code.expires_at)


@strawberry.type
class PayOrderPayload:
    order: AdminOrder | None = None
    payment: Payment | None = None
    payment_code: PaymentCode | None = strawberry.field(
        default=None, description="For WECHAT_PAY and ALIPAY: the order is paid once the payer scans and pays it."
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefundOrderPayload:
    order: AdminOrder | None = None
    refund: Refund | None = strawberry.field(
        default=None, description="PROCESSING until WeChat Pay confirms; others complete at once."
    )
    replayed: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _cart(items: list[CartItemInput]) -> list[create.CartItem]:
    return [
        create.CartItem(node_id("CatalogItem", item.item_id, f"items.{i}.itemId"), item.quantity)
        for i, item in enumerate(items)
    ]


@strawberry.type
class OrdersQuery:
    @strawberry.field(
        description="CASHIER and up, at a store in your scope: the price createOrder would give this cart now "
        "(level discount, coupon, points), refused as createOrder would refuse it; writes nothing."
    )
    @user_errors_in(QuoteOrderPayload)
    async def quote_order(self, info: Info, input: QuoteOrderInput) -> QuoteOrderPayload:
        ctx = info.context
        quote = await create.quote_counter_order(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", input.store_id, "storeId"),
            member_id=node_id("Member", input.member_id, "memberId"),
            items=_cart(input.items),
            amount_fen=input.amount_fen,
            discounts=draft.Discounts(
                coupon_id=node_id("Coupon", input.coupon_id, "couponId"), use_points=input.use_points
            ),
        )
        return QuoteOrderPayload(quote=OrderQuote.of(quote))

    @strawberry.field(description="Any role, newest first: a store's orders (null for a store not yours), or all.")
    @null_when_refused
    async def orders(
        self,
        info: Info,
        store_id: strawberry.ID | None = None,
        status: OrderStatus | None = None,
        first: int | None = None,
        after: str | None = None,
        refund_in_progress: Annotated[
            bool,
            strawberry.argument(
                description="Only orders with a refund the provider has not confirmed yet (退款中); the order "
                "itself stays PAID or PARTIALLY_REFUNDED meanwhile."
            ),
        ] = False,
    ) -> Connection[AdminOrder] | None:
        ctx = info.context
        page = await store_orders(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            store_id=node_id("Store", store_id, "storeId"),
            status=status,
            first=first,
            after=from_cursor(after),
            refund_in_progress=refund_in_progress,
        )
        return connection(page, AdminOrder.of)

    @strawberry.field(description="One order with its payments and refunds; null outside your stores.")
    @null_when_refused
    async def order(self, info: Info, id: strawberry.ID) -> AdminOrderDetail | None:
        ctx = info.context
        detail = await views.staff_order_detail(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), order_id=node_id("Order", id, "id")
        )
        return AdminOrderDetail(
            order=AdminOrder.of(detail.view),
            payments=[Payment.of(p) for p in detail.payments],
            refunds=[Refund.of(r) for r in detail.refunds],
        )


@strawberry.type
class OrdersMutation:
    @strawberry.mutation(description="CASHIER and up, at a store in your scope.")
    @user_errors_in(OrderPayload)
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderPayload:
        ctx = info.context
        actor = await ctx.staff()
        store_id = node_id("Store", input.store_id, "storeId")
        member_id = node_id("Member", input.member_id, "memberId")
        coupon_id = node_id("Coupon", input.coupon_id, "couponId")
        items = _cart(input.items)
        order = await create.create_counter_order(
            mongo=ctx.clients.mongo,
            actor=actor,
            store_id=store_id,
            member_id=member_id,
            items=items,
            amount_fen=input.amount_fen,
            discounts=draft.Discounts(coupon_id=coupon_id, use_points=input.use_points),
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        return OrderPayload(order=AdminOrder.of(order))

    @strawberry.mutation(
        description="CASHIER and up: CASH, or the member's STORED_VALUE, completes at once, audited; WECHAT_PAY or "
        "ALIPAY returns a paymentCode to show. Taking another method while a code is shown closes that code first."
    )
    @user_errors_in(PayOrderPayload)
    async def pay_order(self, info: Info, input: PayOrderInput) -> PayOrderPayload:
        ctx = info.context
        actor = await ctx.staff()
        result = await pay.pay_order(
            mongo=ctx.clients.mongo,
            providers=ctx.clients.payments,
            payer=pay.Payer(actor.merchant_id, staff=actor),
            order_id=node_id("Order", input.order_id, "orderId"),
            method=input.method,
            idempotency_key=input.idempotency_key,
        )
        payment, _, _ = pay_parts(result)
        return PayOrderPayload(
            order=AdminOrder.of(result.order),
            payment=payment,
            payment_code=PaymentCode.of(result.code) if result.code else None,
            replayed=result.replayed,
        )

    @strawberry.mutation(
        description="CASHIER and up: drop an unpaid order (a code shown for it is closed); its coupon is free again."
    )
    @user_errors_in(OrderPayload)
    async def close_order(self, info: Info, input: CloseOrderInput) -> OrderPayload:
        ctx = info.context
        actor = await ctx.staff()
        order = await pay.close_order(
            mongo=ctx.clients.mongo,
            providers=ctx.clients.payments,
            payer=pay.Payer(actor.merchant_id, staff=actor),
            order_id=node_id("Order", input.order_id, "orderId"),
        )
        return OrderPayload(order=AdminOrder.of(order))

    @strawberry.mutation(description="MANAGER or OWNER: refund part or all; points and top-up bonus are taken back.")
    @user_errors_in(RefundOrderPayload)
    async def refund_order(self, info: Info, input: RefundOrderInput) -> RefundOrderPayload:
        ctx = info.context
        result = await refunds.refund_order(
            mongo=ctx.clients.mongo,
            providers=ctx.clients.payments,
            actor=await ctx.staff(),
            order_id=node_id("Order", input.order_id, "orderId"),
            amount_fen=input.amount_fen,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return RefundOrderPayload(
            order=AdminOrder.of(result.order), refund=Refund.of(result.refund), replayed=result.replayed
        )
