"""The reconciliation export (对账): the orders paid, their payments and the refunds settled in a range of store-local
days, as CSV an accountant opens in Excel and matches line by line with WeChat Pay's and Alipay's statements.

An OWNER or MANAGER asks for it (`sign_export`) and gets a link signed for ten minutes, bound to the merchant and to
the stores they could see then; whoever holds the link downloads it (`open_export`, then `export_csv`), read through
indexes a batch at a time so memory stays the same whatever the range holds.
"""

import base64
import csv
import hashlib
import hmac
import io
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bson import ObjectId
from bson.errors import InvalidId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import access_log
from domain.access_log import AccessAction, Accessor
from domain.booking.wallclock import FIRST_DAY, LAST_DAY, Span, day_span
from domain.checkout.records import PaymentStatus, RefundStatus
from domain.errors import DomainError, PermissionDenied
from domain.keyring import Keyring, derive
from domain.orders.model import OrderKind, PayMethod
from domain.tenancy import Role, Staff, Store, TenancyCode, TenancyError, load_staff, store_from_doc

LINK_TTL = timedelta(minutes=10)
MAX_DAYS = 366
BATCH = 500
# The first window of time a sweep reads; it grows over quiet hours and shrinks to a batch's worth over busy ones.
FIRST_WINDOW = timedelta(hours=1)
MIN_WINDOW = timedelta(milliseconds=1)
# Excel reads a CSV as UTF-8 only when it starts with the byte order mark; without it Chinese turns to mojibake.
BOM = "\ufeff"


class ReconciliationCode(StrEnum):
    RANGE_INVALID = "RANGE_INVALID"
    LINK_INVALID = "LINK_INVALID"
    LINK_EXPIRED = "LINK_EXPIRED"


class ReconciliationError(DomainError):
    pass


@dataclass(frozen=True)
class Grant:
    """What a link allows: one merchant's stores as the staff member could see them when it was signed."""

    merchant_id: ObjectId
    staff_id: ObjectId
    store_ids: tuple[ObjectId, ...]
    first: date
    last: date
    expires_at: datetime

    def params(self) -> dict[str, str]:
        return {
            "merchant": str(self.merchant_id),
            "by": str(self.staff_id),
            "stores": ",".join(str(s) for s in self.store_ids),
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "expires": str(int(self.expires_at.timestamp())),
        }


_SIGNED = ("merchant", "by", "stores", "from", "to", "expires", "kid")
_PURPOSE = b"jike/reconciliation-export"


class ExportLinkSigner:
    def __init__(self, keys: Keyring) -> None:
        # Keys of their own, derived from the service secrets like the member and redeem codes': no new setting,
        # and no key shared with tokens or codes. A link names the key that signed it (`kid`).
        self._keys = keys
        self._current = derive(keys.current, _PURPOSE)

    @staticmethod
    def _mac(key: bytes, params: Mapping[str, str]) -> str:
        text = "\n".join(params[k] for k in _SIGNED)
        mac = hmac.new(key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def sign(self, grant: Grant) -> dict[str, str]:
        """The link's query parameters, its signature last."""
        params = {**grant.params(), "kid": self._keys.current_id}
        return {**params, "sig": self._mac(self._current, params)}

    def open(self, params: Mapping[str, str], now: datetime) -> Grant:
        """The grant a link's parameters carry; LINK_INVALID when anything was changed, LINK_EXPIRED after ten
        minutes (told only of a genuine link, so a forger learns nothing)."""
        try:
            signed = {k: params[k] for k in _SIGNED}
            secret = self._keys.secret(signed["kid"])
            if secret is None or not hmac.compare_digest(
                params["sig"].encode(), self._mac(derive(secret, _PURPOSE), signed).encode()
            ):
                raise ReconciliationError(ReconciliationCode.LINK_INVALID)
            grant = Grant(
                merchant_id=ObjectId(signed["merchant"]),
                staff_id=ObjectId(signed["by"]),
                store_ids=tuple(ObjectId(s) for s in signed["stores"].split(",")),
                first=date.fromisoformat(signed["from"]),
                last=date.fromisoformat(signed["to"]),
                expires_at=datetime.fromtimestamp(int(signed["expires"]), UTC),
            )
        except (KeyError, ValueError, InvalidId) as e:
            raise ReconciliationError(ReconciliationCode.LINK_INVALID) from e
        if now >= grant.expires_at:
            raise ReconciliationError(ReconciliationCode.LINK_EXPIRED)
        return grant


@lru_cache(maxsize=8)
def signer_for(keys: Keyring) -> ExportLinkSigner:
    return ExportLinkSigner(keys)


@dataclass(frozen=True)
class SignedExport:
    params: dict[str, str]
    expires_at: datetime


def check_range(first: date, last: date) -> None:
    if not FIRST_DAY <= first <= LAST_DAY:
        raise ReconciliationError(ReconciliationCode.RANGE_INVALID, "from")
    if not first <= last <= LAST_DAY or (last - first).days >= MAX_DAYS:
        raise ReconciliationError(ReconciliationCode.RANGE_INVALID, "to")


async def sign_export(
    *,
    mongo: Mongo,
    signer: ExportLinkSigner,
    actor: Staff,
    store_id: ObjectId | None,
    first: date,
    last: date,
    now: datetime,
) -> SignedExport:
    """OWNER or MANAGER: a link to one store's export (STORE_NOT_FOUND outside their scope or merchant) or, with no
    store, every store in their scope; `first` to `last` inclusive, at most 366 days."""
    if not actor.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    check_range(first, last)
    if store_id is not None:
        if not actor.can_see_store(store_id):
            raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
        scope = {"_id": store_id, "merchant_id": actor.merchant_id}
    else:
        scope = actor.store_filter()
    stores = await mongo.db[c.STORES].find(scope, {"_id": 1}).sort("_id", 1).to_list()
    if not stores:
        raise TenancyError(TenancyCode.STORE_NOT_FOUND, "storeId")
    grant = Grant(
        merchant_id=actor.merchant_id,
        staff_id=actor.id,
        store_ids=tuple(s["_id"] for s in stores),
        first=first,
        last=last,
        expires_at=now.replace(microsecond=0) + LINK_TTL,
    )
    return SignedExport(signer.sign(grant), grant.expires_at)


@dataclass(frozen=True)
class Export:
    grant: Grant
    # In the order the file lists them; each store's days are its own time zone's.
    stores: tuple[Store, ...]
    filename: str
    # For a client that cannot read a Chinese file name.
    ascii_filename: str


def _file_part(text: str) -> str:
    return "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in text).strip() or "_"


async def open_export(*, mongo: Mongo, signer: ExportLinkSigner, params: Mapping[str, str], now: datetime) -> Export:
    """The export a link names, while it lasts and while whoever signed it is still an active OWNER or MANAGER of
    the merchant (PermissionDenied once they are not: a link outlives no one's access)."""
    grant = signer.open(params, now)
    staff = await load_staff(mongo=mongo, staff_id=grant.staff_id, merchant_id=grant.merchant_id)
    if staff is None or not staff.has_role(Role.OWNER, Role.MANAGER):
        raise PermissionDenied()
    docs = (
        await mongo.db[c.STORES]
        .find({"merchant_id": grant.merchant_id, "_id": {"$in": list(grant.store_ids)}})
        .to_list()
    )
    stores = tuple(sorted((store_from_doc(d) for d in docs), key=lambda s: s.id))
    if not stores:
        raise ReconciliationError(ReconciliationCode.LINK_INVALID)
    who = _file_part(stores[0].name) if len(stores) == 1 else "全部门店"
    days = f"{grant.first.isoformat()}-{grant.last.isoformat()}"
    await access_log.record(
        mongo=mongo,
        merchant_id=grant.merchant_id,
        who=Accessor.of(staff),
        action=AccessAction.EXPORTED,
        export="reconciliation",
        days=days,
        stores=len(stores),
    )
    return Export(grant, stores, f"对账-{who}-{days}.csv", f"reconciliation-{days}.csv")


HEADER = (
    "类型",
    "时间",
    "门店",
    "订单号",
    "订单类型",
    "支付方式",
    "金额(元)",
    "原价(元)",
    "优惠(元)",
    "积分抵扣(元)",
    "定金抵扣(元)",
    "商户单号",
    "渠道交易号",
    "渠道退款号",
    "操作员",
    "备注",
)
Row = tuple[str, ...]

_KINDS = {OrderKind.CONSUMPTION: "消费", OrderKind.TOP_UP: "充值", OrderKind.DEPOSIT: "定金"}
_METHODS = {
    PayMethod.WECHAT_PAY: "微信支付",
    PayMethod.ALIPAY: "支付宝",
    PayMethod.STORED_VALUE: "储值",
    PayMethod.CASH: "现金",
}
# A cell starting with one of these is a formula to Excel: text a customer or staff member typed could run one.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ORDER_FIELDS = {"store_id": 1, "kind": 1, "paid_at": 1, "paid": 1, "price": 1, "created_by_staff_id": 1, "note": 1}


def yuan(fen: int) -> str:
    """Exact yuan with two decimals from integer fen: 1234 -> "12.34", -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def text(value: str) -> str:
    """Free text (names, notes, reasons) made inert: Excel shows it, never evaluates it."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def ref(value: str | None) -> str:
    """A reference number, kept as text: Excel would show WeChat Pay's 28-digit ids as 4.2E+27 and lose digits.
    The tab that keeps it text is one Excel does not show."""
    return "\t" + value if value else ""


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class _World:
    """What every row names by id, read once per export: the stores and the merchant's staff."""

    stores: dict[ObjectId, Store]
    zones: dict[ObjectId, ZoneInfo]
    spans: dict[ObjectId, Span]
    staff: dict[ObjectId, str]

    def staff_name(self, staff_id: ObjectId | None) -> str:
        return text(self.staff.get(staff_id, "")) if staff_id is not None else ""


def _order_columns(w: _World, o: Doc, record: str, at: datetime, method: str) -> Row:
    """The columns every row starts with: what it records, when in its store's zone, the store, and the order."""
    store_id = o["store_id"]
    return (
        record,
        _when(at, w.zones[store_id]),
        text(w.stores[store_id].name),
        ref(str(o["_id"])),
        _KINDS[OrderKind(o["kind"])],
        _METHODS[PayMethod(method)],
    )


def _order_row(w: _World, o: Doc) -> Row:
    p = o["price"]
    return (
        *_order_columns(w, o, "订单", o["paid_at"], o["paid"]["method"]),
        yuan(p["due_fen"]),
        yuan(p["list_fen"]),
        yuan(p["level_discount_fen"] + p["coupon_discount_fen"]),
        yuan(p["points_fen"]),
        yuan(p.get("prepaid_fen", 0)),
        "",
        "",
        "",
        w.staff_name(o.get("created_by_staff_id")),
        text(o.get("note", "")),
    )


def _payment_row(w: _World, o: Doc, pay: Doc) -> Row:
    return (
        *_order_columns(w, o, "收款", pay["paid_at"], pay["method"]),
        yuan(pay["amount_fen"]),
        "",
        "",
        "",
        "",
        ref(pay["out_trade_no"]),
        ref(pay.get("provider_trade_no")),
        "",
        w.staff_name(pay.get("staff_id")),
        "重复支付，待退款" if pay.get("duplicate") else "",
    )


def _refund_row(w: _World, o: Doc, r: Doc, pay: Doc | None) -> Row:
    return (
        *_order_columns(w, o, "退款", r["settled_at"], r["method"]),
        yuan(-r["amount_fen"]),
        "",
        "",
        "",
        "",
        ref(r["out_refund_no"]),
        ref(pay.get("provider_trade_no") if pay else None),
        ref(r.get("provider_refund_id")),
        w.staff_name(r.get("staff_id")),
        text(r.get("reason", "")),
    )


async def _sweep(
    mongo: Mongo, collection: str, base: Doc, field: str, span: Span, batch: int, fields: Doc | None = None
) -> AsyncIterator[list[Doc]]:
    """Documents matching `base` with `field` in `span`, in `field` order, about `batch` at a time, on an index
    ending with `field`. Each batch is a query of its own (no cursor left open while a slow download drains) over
    a window of time sized to hold about a batch: SecantusDB gathers a query's whole range before its limit, so
    one range to the end of the span would cost every batch all that is left. A full batch resumes at its last
    instant, skipping the documents at that very instant already given, however many share it."""
    lower, given, window = span.start, set[ObjectId](), FIRST_WINDOW
    while True:
        upper = min(lower + window, span.end)
        query = {**base, field: {"$gte": lower, "$lt": upper}}
        limit = batch + len(given)
        docs = await mongo.db[collection].find(query, fields).sort(field, 1).limit(limit).to_list()
        fresh = [d for d in docs if d["_id"] not in given]
        if fresh:
            yield fresh
        if len(docs) == limit:
            last = docs[-1][field]
            if last != lower:
                # A batch's worth of time at this density.
                window = max(last - lower, MIN_WINDOW)
                lower, given = last, set()
            given |= {d["_id"] for d in docs if d[field] == last}
        elif upper == span.end:
            return
        else:
            if len(docs) < batch // 2:
                window *= 2
            lower, given = upper, set()


async def _by_id(
    mongo: Mongo,
    collection: str,
    key: str,
    ids: Iterable[ObjectId],
    fields: Doc | None = None,
    scope: Doc | None = None,
) -> list[Doc]:
    # The ids come from this export's merchant-scoped reads, so they name nothing of another merchant's; `scope`
    # names the merchant where the collection is sharded by it (orders), so the read goes to its shard alone.
    return await mongo.db[collection].find({**(scope or {}), key: {"$in": list(set(ids))}}, fields).to_list()


async def _world(mongo: Mongo, export: Export) -> _World:
    staff = await mongo.db[c.STAFF].find({"merchant_id": export.grant.merchant_id}, {"name": 1}).to_list()
    zones = {s.id: ZoneInfo(s.timezone) for s in export.stores}
    spans = {
        s.id: Span(day_span(export.grant.first, zones[s.id]).start, day_span(export.grant.last, zones[s.id]).end)
        for s in export.stores
    }
    return _World({s.id: s for s in export.stores}, zones, spans, {d["_id"]: d["name"] for d in staff})


async def _orders_and_payments(mongo: Mongo, w: _World, merchant_id: ObjectId, batch: int) -> AsyncIterator[list[Row]]:
    """Each store's orders paid in its days, by paid time, each followed by the payments that paid it (the
    provider's transaction id; a duplicate payment too, marked, since its money came in and awaits a refund)."""
    for store_id, span in w.spans.items():
        base = {"merchant_id": merchant_id, "store_id": store_id}
        async for orders in _sweep(mongo, c.ORDERS, base, "paid_at", span, batch, _ORDER_FIELDS):
            payments: dict[ObjectId, list[Doc]] = {}
            for pay in await _by_id(mongo, c.PAYMENTS, "order_id", (o["_id"] for o in orders)):
                if pay["status"] == PaymentStatus.SUCCEEDED.value:
                    payments.setdefault(pay["order_id"], []).append(pay)
            rows: list[Row] = []
            for o in orders:
                rows.append(_order_row(w, o))
                rows.extend(
                    _payment_row(w, o, p) for p in sorted(payments.get(o["_id"], []), key=lambda p: p["paid_at"])
                )
            yield rows


async def _refunds(mongo: Mongo, w: _World, merchant_id: ObjectId, batch: int) -> AsyncIterator[list[Row]]:
    """Refunds settled in the stores' days (a refund counts on the day its money went back, whenever its order was
    paid), by settled time. Refunds name their order, not its store: each batch finds its orders, and keeps those
    of the export's stores within their own store's days."""
    every = Span(min(s.start for s in w.spans.values()), max(s.end for s in w.spans.values()))
    base = {"merchant_id": merchant_id, "status": RefundStatus.SUCCEEDED.value}
    async for refunds in _sweep(mongo, c.REFUNDS, base, "settled_at", every, batch):
        orders = {
            o["_id"]: o
            for o in await _by_id(
                mongo, c.ORDERS, "_id", (r["order_id"] for r in refunds), _ORDER_FIELDS, {"merchant_id": merchant_id}
            )
        }
        paid_by = [r["payment_id"] for r in refunds if r.get("payment_id") is not None]
        payments = {p["_id"]: p for p in await _by_id(mongo, c.PAYMENTS, "_id", paid_by, {"provider_trade_no": 1})}
        rows: list[Row] = []
        for r in refunds:
            o = orders.get(r["order_id"])
            span = w.spans.get(o["store_id"]) if o else None
            if o is not None and span is not None and span.start <= r["settled_at"] < span.end:
                rows.append(_refund_row(w, o, r, payments.get(r.get("payment_id"))))
        if rows:
            yield rows


async def export_rows(*, mongo: Mongo, export: Export, batch: int = BATCH) -> AsyncIterator[list[Row]]:
    """The header, then orders with their payments store by store, then refunds: a batch of rows at a time."""
    w = await _world(mongo, export)
    yield [HEADER]
    async for rows in _orders_and_payments(mongo, w, export.grant.merchant_id, batch):
        yield rows
    async for rows in _refunds(mongo, w, export.grant.merchant_id, batch):
        yield rows


async def export_csv(*, mongo: Mongo, export: Export, batch: int = BATCH) -> AsyncIterator[bytes]:
    """The file, a batch at a time: UTF-8 with its byte order mark, CRLF line ends (RFC 4180, and what Excel on
    Windows writes)."""
    first = True
    async for rows in export_rows(mongo=mongo, export=export, batch=batch):
        out = io.StringIO()
        if first:
            out.write(BOM)
            first = False
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        yield out.getvalue().encode()
