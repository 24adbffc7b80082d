"""Read models for the card screens: a card with its level and live count cards, for one member or a page
of members, in the same few reads whatever the page size.
"""

from dataclasses import dataclass

from bson import ObjectId

from db import collections as c
from db.mongo import Doc, Mongo
from domain import access_log
from domain.access_log import AccessAction, Accessor
from domain.cards.card import Card, card_from_doc
from domain.cards.count_cards import CountCard, live_count_cards
from domain.cards.program import Level, load_program
from domain.members import Member, member_from_doc
from domain.pii import PiiCipher, mask_phone
from domain.tenancy import Role, Staff


@dataclass(frozen=True)
class CardView:
    card: Card
    level: Level
    count_cards: tuple[CountCard, ...]


@dataclass(frozen=True)
class MemberCard:
    member: Member
    card: CardView | None


async def card_views(*, mongo: Mongo, merchant_id: ObjectId, member_ids: list[ObjectId]) -> dict[ObjectId, CardView]:
    docs = await mongo.db[c.CARDS].find({"merchant_id": merchant_id, "member_id": {"$in": member_ids}}).to_list()
    if not docs:
        return {}
    cards = [card_from_doc(d) for d in docs]
    program = await load_program(mongo=mongo, merchant_id=merchant_id)
    count_cards = await live_count_cards(mongo=mongo, merchant_id=merchant_id, member_ids=[k.member_id for k in cards])
    return {
        card.member_id: CardView(
            card=card,
            level=program.level(card.level_id, card.lifetime_paid_fen),
            count_cards=tuple(cc for cc in count_cards if cc.member_id == card.member_id),
        )
        for card in cards
    }


async def card_view(*, mongo: Mongo, merchant_id: ObjectId, member_id: ObjectId) -> CardView | None:
    views = await card_views(mongo=mongo, merchant_id=merchant_id, member_ids=[member_id])
    return views.get(member_id)


async def member_cards(*, mongo: Mongo, merchant_id: ObjectId, member_docs: list[Doc]) -> list[MemberCard]:
    views = await card_views(mongo=mongo, merchant_id=merchant_id, member_ids=[d["_id"] for d in member_docs])
    return [MemberCard(member_from_doc(d), views.get(d["_id"])) for d in member_docs]


def member_phone(card: Card, *, pii: PiiCipher) -> str | None:
    """What a member sees of their own bound phone: masked, as on every screen someone may glance at."""
    return mask_phone(pii.decrypt(card.phone_enc)) if card.phone_enc else None


def shows_phone_in_full(viewer: Staff) -> bool:
    return viewer.has_role(Role.OWNER, Role.MANAGER)


def staff_view_of_phone(card: Card, *, pii: PiiCipher, viewer: Staff) -> str | None:
    """In full for owners and managers, masked for the roles that do not need it."""
    if card.phone_enc is None:
        return None
    phone = pii.decrypt(card.phone_enc)
    return phone if shows_phone_in_full(viewer) else mask_phone(phone)


async def log_phones_shown(*, mongo: Mongo, viewer: Staff, member_ids: list[ObjectId]) -> None:
    """The access log's PHONE_VIEWED for the members whose phones a response shows in full: one write per response."""
    if shows_phone_in_full(viewer):
        await access_log.record_many(
            mongo=mongo,
            merchant_id=viewer.merchant_id,
            who=Accessor.of(viewer),
            action=AccessAction.PHONE_VIEWED,
            member_ids=member_ids,
        )
