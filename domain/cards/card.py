"""The member card: issued once per member on first login, with a check-digit number and the lowest level.

Balances live on the card document and change only through the ledger; every number the card ever had
stays reserved (a unique multikey index), so a number is never handed to someone else.
"""

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from db import collections as c
from db.mongo import Doc, Mongo, transaction
from domain import outbox
from domain.cards.ledger import CardStatus
from domain.cards.program import load_program
from domain.events import CardIssued

NUMBER_BODY_DIGITS = 11
NUMBER_ATTEMPTS = 8


@dataclass(frozen=True)
class Card:
    id: ObjectId
    merchant_id: ObjectId
    member_id: ObjectId
    number: str
    status: CardStatus
    level_id: ObjectId
    lifetime_paid_fen: int
    points: int
    stored_paid: int
    stored_bonus: int
    birthday: date | None
    phone_enc: str | None
    issued_at: datetime

    @property
    def stored_value(self) -> int:
        return self.stored_paid + self.stored_bonus


def card_from_doc(doc: Doc) -> Card:
    birthday = doc.get("birthday")
    return Card(
        id=doc["_id"],
        merchant_id=doc["merchant_id"],
        member_id=doc["member_id"],
        number=doc["number"],
        status=CardStatus(doc["status"]),
        level_id=doc["level_id"],
        lifetime_paid_fen=doc["lifetime_paid_fen"],
        points=doc["points"],
        stored_paid=doc["stored_paid"],
        stored_bonus=doc["stored_bonus"],
        birthday=date.fromisoformat(birthday) if birthday else None,
        phone_enc=doc.get("phone_enc"),
        issued_at=doc["issued_at"],
    )


def luhn_digit(body: str) -> str:
    """The Luhn check digit for `body`, so a mistyped digit or swapped pair is caught before any lookup."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def is_card_number(number: str) -> bool:
    # isascii(): str.isdigit() also takes "²", which int() refuses.
    digits = number.isascii() and number.isdigit()
    return len(number) == NUMBER_BODY_DIGITS + 1 and digits and luhn_digit(number[:-1]) == number[-1]


def new_card_number() -> str:
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(NUMBER_BODY_DIGITS - 1))
    return body + luhn_digit(body)


def number_taken(error: DuplicateKeyError) -> bool:
    return "numbers" in ((error.details or {}).get("keyPattern") or {})


async def get_card(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> Card | None:
    doc = await mongo.db[c.CARDS].find_one({"merchant_id": merchant_id, "member_id": member_id})
    return card_from_doc(doc) if doc else None


async def issue_card(
    *, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId, numbers: Callable[[], str] = new_card_number
) -> Card:
    """The member's card, issued now if they have none. Safe to call on every login and under races:
    (merchant, member) is unique, and a number clash draws a new number.
    """
    existing = await get_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
    if existing is not None:
        return existing
    program = await load_program(mongo=mongo, merchant_id=merchant_id)
    for _ in range(NUMBER_ATTEMPTS):
        number = numbers()
        doc: Doc = {
            "_id": ObjectId(),
            "merchant_id": merchant_id,
            "member_id": member_id,
            "number": number,
            "numbers": [number],
            "status": CardStatus.ACTIVE.value,
            "level_id": program.lowest.id,
            "lifetime_paid_fen": 0,
            "points": 0,
            "stored_paid": 0,
            "stored_bonus": 0,
            "birthday": None,
            "phone_enc": None,
            "phone_hash": None,
            "issued_at": datetime.now(UTC),
        }
        try:
            await transaction(mongo, _issuing(mongo, doc))
            return card_from_doc(doc)
        except DuplicateKeyError as e:
            if not number_taken(e):
                # A concurrent first login issued this member's card first; theirs is the card.
                card = await get_card(mongo=mongo, merchant_id=merchant_id, member_id=member_id)
                if card is not None:
                    return card
                raise
    raise RuntimeError("no free card number after several draws")


def _issuing(mongo: Mongo, doc: Doc) -> Callable[[AsyncClientSession], Awaitable[None]]:
    """The card and its CARD_ISSUED together: the reports count members by level from the event."""

    async def work(s: AsyncClientSession) -> None:
        await mongo.db[c.CARDS].insert_one(doc, session=s)
        await outbox.record(
            mongo=mongo,
            session=s,
            merchant_id=doc["merchant_id"],
            event=CardIssued(member_id=doc["member_id"], card_id=doc["_id"], level_id=doc["level_id"]),
            dedupe_key=f"card_issued:{doc['_id']}",
        )

    return work
