"""Order types both doors share: statuses and methods, an order's lines and price, a quote, its payments and
refunds, and the parameters the mini-program hands to `wx.requestPayment`.
"""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain import pricing
from domain.checkout import records
from domain.checkout.pay import PayResult
from domain.orders import create, model
from payments.wechatpay import RequestPaymentParams
from schema.ids import to_global_id

OrderStatus: TypeAlias = model.OrderStatus
strawberry.enum(OrderStatus, name="OrderStatus")
OrderKind: TypeAlias = model.OrderKind
strawberry.enum(
    OrderKind, name="OrderKind", description="CONSUMPTION: goods and services; TOP_UP: 充值; DEPOSIT: a booking's 定金."
)
OrderSource: TypeAlias = model.OrderSource
strawberry.enum(
    OrderSource,
    name="OrderSource",
    description="COUNTER: made by staff; SCAN: 扫码买单; BOOKING: paying for a booking; TOP_UP: 充值.",
)
PaymentMethod: TypeAlias = model.PayMethod
strawberry.enum(
    PaymentMethod,
    name="PaymentMethod",
    description="WECHAT_PAY and ALIPAY in the mini-program or as a code shown at the counter; CASH at the counter; "
    "STORED_VALUE at both.",
)
PaymentStatus: TypeAlias = records.PaymentStatus
strawberry.enum(PaymentStatus, name="PaymentStatus")
RefundStatus: TypeAlias = records.RefundStatus
strawberry.enum(RefundStatus, name="RefundStatus")
OrderLineKind: TypeAlias = pricing.LineKind
strawberry.enum(OrderLineKind, name="OrderLineKind")


@strawberry.type
class OrderLine:
    item_id: str = strawberry.field(description="The catalog item's couponItemId, a service id, or `amount`.")
    kind: OrderLineKind
    name: str
    unit_price_fen: int
    quantity: int

    @classmethod
    def of(cls, line: model.Line) -> "OrderLine":
        return cls(
            item_id=line.item_id,
            kind=line.kind,
            name=line.name,
            unit_price_fen=line.unit_price_fen,
            quantity=line.quantity,
        )


@strawberry.type(
    description="list = levelDiscount + couponDiscount + payable; payable = prepaid + points + due (all fen)."
)
class OrderPrice:
    list_fen: int
    level_discount_fen: int
    coupon_discount_fen: int
    payable_fen: int
    points_used: int
    points_fen: int = strawberry.field(description="What the points pay, in fen.")
    due_fen: int = strawberry.field(description="What is paid in money: WeChat Pay, Alipay, cash or stored value.")
    prepaid_fen: int = strawberry.field(description="Paid before: the booking's deposit, counted towards this order.")

    @classmethod
    def of(cls, price: model.Price) -> "OrderPrice":
        return cls(
            list_fen=price.list_fen,
            level_discount_fen=price.level_discount_fen,
            coupon_discount_fen=price.coupon_discount_fen,
            payable_fen=price.payable_fen,
            points_used=price.points_used,
            points_fen=price.points_fen,
            due_fen=price.due_fen,
            prepaid_fen=price.prepaid_fen,
        )


@strawberry.type(description="What an order made now of this cart would hold and cost; nothing is made or held.")
class OrderQuote:
    lines: list[OrderLine]
    price: OrderPrice

    @classmethod
    def of(cls, quote: create.Quote) -> "OrderQuote":
        return cls(lines=[OrderLine.of(line) for line in quote.lines], price=OrderPrice.of(quote.price))


@strawberry.type(description="One attempt to pay an order.")
class Payment:
    id: strawberry.ID
    method: PaymentMethod
    status: PaymentStatus
    amount_fen: int
    opened_at: datetime
    expires_at: datetime = strawberry.field(description="After this an unpaid WeChat Pay / Alipay payment closes.")
    paid_at: datetime | None

    @classmethod
    def of(cls, p: records.Payment) -> "Payment":
        return cls(
            id=to_global_id("Payment", p.id),
            method=p.method,
            status=p.status,
            amount_fen=p.amount_fen,
            opened_at=p.opened_at,
            expires_at=p.expires_at,
            paid_at=p.paid_at,
        )


@strawberry.type
class Refund:
    id: strawberry.ID
    amount_fen: int
    reason: str
    status: RefundStatus
    created_at: datetime
    settled_at: datetime | None
    points_taken_back: int = strawberry.field(description="Earned points clawed back.")
    points_returned: int = strawberry.field(description="Redeemed points given back.")
    stored_value_returned_fen: int

    @classmethod
    def of(cls, r: records.Refund) -> "Refund":
        return cls(
            id=to_global_id("Refund", r.id),
            amount_fen=r.amount_fen,
            reason=r.reason,
            status=r.status,
            created_at=r.created_at,
            settled_at=r.settled_at,
            points_taken_back=r.clawback.points_taken,
            points_returned=r.clawback.points_returned,
            stored_value_returned_fen=r.clawback.stored_value_returned,
        )


@strawberry.type(description="Hand these to `wx.requestPayment` as they are.")
class WeChatPayParams:
    app_id: str
    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str

    @classmethod
    def of(cls, p: RequestPaymentParams) -> "WeChatPayParams":
        return cls(
            app_id=p["appId"],
            time_stamp=p["timeStamp"],
            nonce_str=p["nonceStr"],
            package=p["package"],
            sign_type=p["signType"],
            pay_sign=p["paySign"],
        )


@strawberry.input
class PayOrderInput:
    order_id: strawberry.ID
    method: PaymentMethod
    idempotency_key: str = strawberry.field(description="Made once per tap; a retry returns the first result.")


@strawberry.input
class CloseOrderInput:
    order_id: strawberry.ID


def pay_parts(result: PayResult) -> tuple[Payment, WeChatPayParams | None, str | None]:
    wechat = WeChatPayParams.of(result.wechat_pay) if result.wechat_pay else None
    return Payment.of(result.payment), wechat, result.alipay_trade_no
