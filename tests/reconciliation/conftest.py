"""Givens for the reconciliation export: sales made through checkout's own functions, then dated to a fixed
store-local moment (checkout stamps its own clock, and an exact file needs exact times)."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.checkout import pay, provider_refunds, settle
from domain.checkout.providers import Providers
from domain.checkout.records import SettledBy
from domain.orders import create, draft
from domain.orders.model import PayMethod
from domain.tenancy import Staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    """`"2024-05-10 23:59"` on the store's wall clock, as the instant it names."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


async def _order(
    mongo: Mongo, staff: Staff, store_id: ObjectId, fen: int, member_id: ObjectId | None, note: str
) -> ObjectId:
    made = await create.create_counter_order(
        mongo=mongo,
        actor=staff,
        store_id=store_id,
        member_id=member_id,
        items=[],
        amount_fen=fen,
        discounts=draft.Discounts(),
        note=note,
        idempotency_key=uuid.uuid4().hex,
    )
    return made.order.id


async def _dated(mongo: Mongo, order_id: ObjectId, when: datetime) -> None:
    await mongo.db[c.ORDERS].update_one({"_id": order_id}, {"$set": {"paid_at": when}})
    await mongo.db[c.PAYMENTS].update_many({"order_id": order_id, "status": "SUCCEEDED"}, {"$set": {"paid_at": when}})


async def counter_sale_at(
    mongo: Mongo,
    staff: Staff,
    store_id: ObjectId,
    fen: int,
    when: datetime,
    method: PayMethod = PayMethod.CASH,
    member_id: ObjectId | None = None,
    note: str = "",
) -> ObjectId:
    """Rung up and paid at once at the counter (cash or stored value) by `staff`, at `when`."""
    order_id = await _order(mongo, staff, store_id, fen, member_id, note)
    await pay.pay_order(
        mongo=mongo,
        providers=Providers(None, None, "", ""),
        payer=pay.Payer(staff.merchant_id, staff=staff),
        order_id=order_id,
        method=method,
        idempotency_key=uuid.uuid4().hex,
    )
    await _dated(mongo, order_id, when)
    return order_id


async def provider_sale_at(
    mongo: Mongo, staff: Staff, store_id: ObjectId, fen: int, when: datetime, method: PayMethod, trade_no: str
) -> tuple[ObjectId, str]:
    """A code shown at the counter and paid through WeChat Pay or Alipay, whose notification names `trade_no`:
    (the order, its out_trade_no). The payment is opened as payOrder opens one (asking the provider for the code
    is the sandbox's business, not this export's) and settled by the notification's own path."""
    order_id = await _order(mongo, staff, store_id, fen, None, "")
    payment_id = ObjectId()
    await mongo.db[c.PAYMENTS].insert_one(
        {
            "_id": payment_id,
            "merchant_id": staff.merchant_id,
            "order_id": order_id,
            "method": method.value,
            "amount_fen": fen,
            "status": "OPEN",
            "out_trade_no": str(payment_id),
            "open_key": str(order_id),
            "opened_at": when,
            "expires_at": when,
            "staff_id": staff.id,
        }
    )
    paid = settle.ProviderPayment(method, str(payment_id), fen, trade_no, when)
    done = await settle.mark_paid(mongo=mongo, paid=paid, settled_by=SettledBy.NOTIFICATION)
    assert done.outcome is settle.Outcome.APPLIED
    await _dated(mongo, order_id, when)
    return order_id, str(payment_id)


async def provider_refund_at(
    mongo: Mongo, method: PayMethod, out_trade_no: str, fen: int, out_refund_no: str, refund_id: str, when: datetime
) -> None:
    """A part refunded from the provider's merchant dashboard, which its notification tells us of."""
    refund = provider_refunds.ProviderRefund(method, out_trade_no, out_refund_no, refund_id, fen, None, None)
    await provider_refunds.apply_provider_refund(mongo=mongo, refund=refund)
    await mongo.db[c.REFUNDS].update_one({"out_refund_no": out_refund_no}, {"$set": {"settled_at": when}})
