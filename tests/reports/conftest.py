"""Givens for the reports: run the outbox's order events through the report handlers (as the worker does), and
move a payment or a refund to a chosen instant before it is counted; WeChat Pay and Alipay through the sandbox."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from db import collections as c
from db.mongo import Mongo
from domain.events import EVENTS, Event, MemberBound, MemberJoined, OrderPaid, OrderRefunded
from domain.reports import balances, joins, rollups
from domain.sessions import Audience, Principal
from tests.checkout.conftest import app_port, client, payments_sandbox, sandbox_keys, settings
from tests.conftest import Shop
from tests.coupons.conftest import SIGNER

# The app served for real beside the payments sandbox, whose notifications pay the world's online orders.
__all__ = ["app_port", "client", "payments_sandbox", "sandbox_keys", "settings"]

REPORT = """
query($store: ID, $from: Date!, $to: Date!, $period: ReportPeriod! = DAY) {
  report(storeId: $store, from: $from, to: $to, period: $period) {
    report {
      from to period
      stores { name }
      takings { grossFen refundsFen netFen orders averageTicketFen }
      trend { start grossFen refundsFen netFen orders }
      byPaymentMethod { method grossFen refundsFen netFen }
      byStaff { staffMember { name } takings { grossFen refundsFen netFen orders } }
      byStore { store { name } takings { netFen orders } }
      topItems(first: 5) { name quantity netFen }
      members { newMembers bySource { source members } payingMembers repeatMembers levels { members } }
      memberGrowth { start newMembers }
    }
    userErrors { field code }
  }
}
"""

BALANCES = """
{
  balanceReport {
    balances {
      storedValuePaidFen storedValueBonusFen points countCardUses
      commissionsPendingFen commissionsAvailableFen commissionsOwedBackFen
    }
    userErrors { code }
  }
}
"""


def owner_token(shop: Shop) -> str:
    owner = shop.merchant.owner
    return SIGNER.sign(Principal(Audience.ADMIN, owner.id, owner.merchant_id), datetime.now(UTC))[0]


BALANCE_EVENTS: dict[str, type[Event]] = {kind.KIND: kind for kind in EVENTS if kind.KIND in balances.KINDS}
MEMBER_EVENTS = (MemberJoined.KIND, MemberBound.KIND)


async def count_events(mongo: Mongo) -> None:
    """Every event the reports count (ORDER_PAID, ORDER_REFUNDED, the member and the balance events) in the outbox,
    counted by the report handlers in the order written (a redelivery counts nothing, so running them again is
    harmless)."""
    kinds = [OrderPaid.KIND, OrderRefunded.KIND, *MEMBER_EVENTS, *BALANCE_EVENTS]
    async for entry in mongo.db[c.OUTBOX].find({"kind": {"$in": kinds}}).sort("_id", 1):
        if entry["kind"] == OrderPaid.KIND:
            await rollups.on_order_paid(mongo=mongo, event=OrderPaid.from_payload(entry["payload"]))
        elif entry["kind"] == OrderRefunded.KIND:
            await rollups.on_order_refunded(mongo=mongo, event=OrderRefunded.from_payload(entry["payload"]))
        elif entry["kind"] in MEMBER_EVENTS:
            await count_member_entry(mongo, entry)
        else:
            await count_balance_entry(mongo, entry)


async def count_member_entry(mongo: Mongo, entry: dict[str, Any]) -> None:
    """One MEMBER_JOINED or MEMBER_BOUND outbox entry through the report handler, as the worker runs it."""
    merchant_id = entry["merchant_id"]
    if entry["kind"] == MemberJoined.KIND:
        joined = MemberJoined.from_payload(entry["payload"])
        await joins.on_member_joined(mongo=mongo, merchant_id=merchant_id, event=joined)
    else:
        bound = MemberBound.from_payload(entry["payload"])
        await joins.on_member_bound(mongo=mongo, merchant_id=merchant_id, event=bound)


async def count_balance_entry(mongo: Mongo, entry: dict[str, Any]) -> None:
    """One balance event's outbox entry through the report handler, as the worker runs it."""
    event = BALANCE_EVENTS[entry["kind"]].from_payload(entry["payload"])
    await balances.on_balance_event(mongo=mongo, merchant_id=entry["merchant_id"], entry_id=entry["_id"], event=event)


async def paid_at(mongo: Mongo, order_id: ObjectId, moment: datetime) -> None:
    """The order paid at `moment` instead of now (a sale at 23:59 store time, say)."""
    await mongo.db[c.ORDERS].update_one({"_id": order_id}, {"$set": {"paid_at": moment}})


async def refund_settled_at(mongo: Mongo, order_id: ObjectId, moment: datetime) -> None:
    await mongo.db[c.REFUNDS].update_many({"order_id": order_id}, {"$set": {"settled_at": moment}})


def rows(report: dict[str, Any], key: str) -> list[Any]:
    found: list[Any] = report[key]
    return found


def paid_order_docs(shop: Shop, n: int, since: datetime, members: list[ObjectId]) -> list[dict[str, Any]]:
    """`n` cash orders paid a minute apart from `since`, each by one of `members` in turn (bulk-inserted: what the
    rollups read of a paid order, not the whole checkout)."""
    merchant_id, store_id = shop.merchant.merchant.id, shop.merchant.store.id
    docs = []
    for i in range(n):
        fen = 1_000 + i % 97
        oid = ObjectId()
        docs.append(
            {
                "_id": oid,
                "create_key": str(oid),
                "merchant_id": merchant_id,
                "store_id": store_id,
                "member_id": members[i % len(members)] if members else None,
                "kind": "CONSUMPTION",
                "source": "COUNTER",
                "lines": [
                    {"item_id": "amount", "kind": "AMOUNT", "name": "金额", "unit_price_fen": fen, "quantity": 1}
                ],
                "price": {"due_fen": fen},
                "status": "PAID",
                "created_by_staff_id": shop.merchant.owner.id,
                "paid_at": since + timedelta(minutes=i),
                "paid": {"method": "CASH"},
            }
        )
    return docs
