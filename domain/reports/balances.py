"""What the merchant owes right now (balanceReport) and how many members hold each level: running totals in one
document per merchant and generation, moved by the events the ledgers and the cards write (BALANCE_CHANGED,
COMMISSION_BALANCE_CHANGED, CARD_ISSUED, LEVEL_UP, CARD_CLOSED), each counted once per generation under its outbox
entry's marker (domain.reports.rollups.apply_once); the rebuild recomputes them from the balance documents.

Count-card uses lapse at their card's expiry without a ledger entry, so they are kept by the UTC hour their card
expires (`u.<YYYYMMDDHH>`) and a reader sums the hours not yet over: a lapsed card's uses stop counting within
the hour after its expiry, with no sweep and no event.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from db import collections as c
from db.mongo import Doc, Mongo
from domain.cards.ledger import CardStatus
from domain.cards.program import Level, load_program
from domain.errors import PermissionDenied
from domain.events import BalanceChanged, CardClosed, CardIssued, CommissionBalanceChanged, Event, LevelUp
from domain.outbox import OutboxStatus
from domain.reports.rollups import apply_once, generations, live_generation, upserting
from domain.tenancy import Role, Staff

# The events that move the totals; the rebuild marks those not yet handled as counted in what it sums.
KINDS = (BalanceChanged.KIND, CommissionBalanceChanged.KIND, CardIssued.KIND, LevelUp.KIND, CardClosed.KIND)
# An entry whose handlers may still run: marked by the rebuild, so its event does not count twice.
_UNHANDLED = [OutboxStatus.PENDING.value, OutboxStatus.RELAYED.value, OutboxStatus.DEAD.value]
_HOUR = "%Y%m%d%H"


@dataclass(frozen=True)
class Balances:
    stored_value_paid_fen: int
    stored_value_bonus_fen: int
    points: int
    count_card_uses: int
    commissions_pending_fen: int
    commissions_available_fen: int
    commissions_owed_back_fen: int


def _hour(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_HOUR)


def _marker(entry_id: ObjectId) -> str:
    return f"event:{entry_id}"


def _moves(event: Event) -> dict[str, int]:
    """The `$inc` one event makes on the totals."""
    found: dict[str, int] = {}
    if isinstance(event, BalanceChanged):
        found = {
            "sv_paid": event.stored_value_paid_fen,
            "sv_bonus": event.stored_value_bonus_fen,
            "points": event.points,
        }
        if event.count_uses and event.count_expires_at is not None:
            found[f"u.{_hour(event.count_expires_at)}"] = event.count_uses
    elif isinstance(event, CommissionBalanceChanged):
        found = {"c_pending": event.pending_fen, "c_available": event.available_fen, "c_owed": event.owed_fen}
    elif isinstance(event, CardIssued):
        found = {f"l.{event.level_id}": 1}
    elif isinstance(event, LevelUp):
        found = {f"l.{event.from_level_id}": -1, f"l.{event.to_level_id}": 1}
    elif isinstance(event, CardClosed):
        found = {f"l.{event.level_id}": -1}
    return {name: n for name, n in found.items() if n}


async def on_balance_event(*, mongo: Mongo, merchant_id: ObjectId, entry_id: ObjectId, event: Event) -> None:
    """One of KINDS, from outbox entry `entry_id`, counted once in each generation being kept."""
    inc = _moves(event)
    if not inc:
        return
    for generation in await generations(mongo=mongo, merchant_id=merchant_id):

        async def write(s: AsyncClientSession, generation: int = generation) -> None:
            await mongo.db[c.REPORT_BALANCES].update_one(
                {"merchant_id": merchant_id, "gen": generation}, {"$inc": inc}, upsert=True, session=s
            )

        await apply_once(
            mongo=mongo, merchant_id=merchant_id, generation=generation, key=_marker(entry_id), write=write
        )


async def _sums(mongo: Mongo, s: AsyncClientSession, collection: str, merchant_id: ObjectId, group: Doc) -> list[Doc]:
    pipeline: list[Doc] = [{"$match": {"merchant_id": merchant_id}}, {"$group": group}]
    return await (await mongo.db[collection].aggregate(pipeline, session=s)).to_list()


async def rebuild_balances(
    *, mongo: Mongo, merchant_id: ObjectId, generation: int, now: datetime | None = None
) -> None:
    """The totals of `generation` summed from the cards, count cards and commission accounts. One snapshot reads
    the sums and the events not yet handled, and marks those as counted: each event is then in the totals once,
    whether it committed before the snapshot (summed, marked) or after (its handler counts it)."""
    current = _hour(now or datetime.now(UTC))

    async def work(s: AsyncClientSession) -> None:
        totals: Doc = {"merchant_id": merchant_id, "gen": generation, "l": {}, "u": {}}
        cards = await _sums(
            mongo,
            s,
            c.CARDS,
            merchant_id,
            {
                "_id": "$level_id",
                # A closed account's card keeps its level but nobody holds it (CARD_CLOSED took it off).
                "members": {"$sum": {"$cond": [{"$eq": ["$status", CardStatus.CLOSED.value]}, 0, 1]}},
                "sv_paid": {"$sum": "$stored_paid"},
                "sv_bonus": {"$sum": "$stored_bonus"},
                "points": {"$sum": "$points"},
            },
        )
        for field in ("sv_paid", "sv_bonus", "points"):
            totals[field] = sum(int(row[field]) for row in cards)
        totals["l"] = {str(row["_id"]): int(row["members"]) for row in cards}
        count_cards = mongo.db[c.COUNT_CARDS].find(
            {"merchant_id": merchant_id, "remaining": {"$gt": 0}}, {"expires_at": 1, "remaining": 1}, session=s
        )
        async for doc in count_cards:
            hour = _hour(doc["expires_at"].replace(tzinfo=doc["expires_at"].tzinfo or UTC))
            if hour >= current:
                totals["u"][hour] = totals["u"].get(hour, 0) + int(doc["remaining"])
        group = {"_id": None, **{f: {"$sum": f"${f}"} for f in ("pending_fen", "available_fen", "owed_fen")}}
        rows = await _sums(mongo, s, c.COMMISSION_ACCOUNTS, merchant_id, group)
        row = rows[0] if rows else {}
        totals |= {
            "c_pending": int(row.get("pending_fen", 0)),
            "c_available": int(row.get("available_fen", 0)),
            "c_owed": int(row.get("owed_fen", 0)),
        }
        await mongo.db[c.REPORT_BALANCES].replace_one(
            {"merchant_id": merchant_id, "gen": generation}, totals, upsert=True, session=s
        )
        unhandled = mongo.db[c.OUTBOX].find(
            {"merchant_id": merchant_id, "status": {"$in": _UNHANDLED}, "kind": {"$in": list(KINDS)}},
            {"_id": 1},
            session=s,
        )
        markers = [
            UpdateOne(marker, {"$setOnInsert": marker}, upsert=True)
            async for entry in unhandled
            for marker in [{"merchant_id": merchant_id, "gen": generation, "key": _marker(entry["_id"])}]
        ]
        if markers:
            await mongo.db[c.REPORT_APPLIED].bulk_write(markers, ordered=False, session=s)

    await upserting(mongo, work)


async def _totals(mongo: Mongo, merchant_id: ObjectId, generation: int) -> Doc:
    return await mongo.db[c.REPORT_BALANCES].find_one({"merchant_id": merchant_id, "gen": generation}) or {}


async def stored_value(*, mongo: Mongo, merchant_id: ObjectId) -> tuple[int, int]:
    """Stored value the merchant owes now, (paid part, bonus part), from the live generation's totals."""
    generation = await live_generation(mongo=mongo, merchant_id=merchant_id)
    totals = await _totals(mongo, merchant_id, generation)
    return int(totals.get("sv_paid", 0)), int(totals.get("sv_bonus", 0))


async def balances(*, mongo: Mongo, actor: Staff, now: datetime | None = None) -> Balances:
    """OWNER or an all-stores MANAGER (else PermissionDenied): balances are merchant-wide money."""
    if not actor.has_role(Role.OWNER, Role.MANAGER) or not actor.all_stores:
        raise PermissionDenied()
    generation = await live_generation(mongo=mongo, merchant_id=actor.merchant_id)
    totals = await _totals(mongo, actor.merchant_id, generation)
    current = _hour(now or datetime.now(UTC))
    return Balances(
        stored_value_paid_fen=int(totals.get("sv_paid", 0)),
        stored_value_bonus_fen=int(totals.get("sv_bonus", 0)),
        points=int(totals.get("points", 0)),
        # An expired count card's uses can no longer be had: nothing is owed on them.
        count_card_uses=sum(int(n) for hour, n in (totals.get("u") or {}).items() if hour >= current),
        commissions_pending_fen=int(totals.get("c_pending", 0)),
        commissions_available_fen=int(totals.get("c_available", 0)),
        commissions_owed_back_fen=int(totals.get("c_owed", 0)),
    )


async def level_counts(*, mongo: Mongo, merchant_id: ObjectId, generation: int) -> tuple[tuple[Level, int], ...]:
    """Members holding each of the program's levels, lowest first."""
    program = await load_program(mongo=mongo, merchant_id=merchant_id)
    counts = (await _totals(mongo, merchant_id, generation)).get("l") or {}
    return tuple((level, int(counts.get(str(level.id), 0))) for level in program.levels)
