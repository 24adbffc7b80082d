"""Card types both doors share: statuses, accounts and entry kinds, levels, count cards and top-up plans."""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain.cards import ledger
from domain.cards.count_cards import CountCard as CountCardRecord
from domain.cards.program import Level
from domain.cards.stored_value import TopUpPlan as TopUpPlanRecord
from schema.ids import to_global_id

CardStatus: TypeAlias = ledger.CardStatus
strawberry.enum(
    CardStatus, name="CardStatus", description="LOST (挂失) cards cannot spend points, stored value or count-card uses."
)
LedgerAccount: TypeAlias = ledger.Account
strawberry.enum(LedgerAccount, name="LedgerAccount")
LedgerEntryKind: TypeAlias = ledger.EntryKind
strawberry.enum(LedgerEntryKind, name="LedgerEntryKind")


@strawberry.type
class CardLevel:
    id: strawberry.ID
    name: str
    threshold_fen: int = strawberry.field(description="Lifetime paid (fen) at which a card reaches this level.")
    discount_bp: int = strawberry.field(description="Off the price, in basis points: 1000 = 10% off (九折).")
    points_multiplier_bp: int = strawberry.field(description="On earned points, in basis points: 10000 = ×1.")

    @classmethod
    def of(cls, level: Level) -> "CardLevel":
        return cls(
            id=to_global_id("Level", level.id),
            name=level.name,
            threshold_fen=level.threshold_fen,
            discount_bp=level.discount_bp,
            points_multiplier_bp=level.points_multiplier_bp,
        )


@strawberry.type(description="次卡/疗程卡: uses of a service, valid until `expiresAt`.")
class CountCard:
    id: strawberry.ID
    name: str
    total: int
    remaining: int
    expires_at: datetime

    @classmethod
    def of(cls, count_card: CountCardRecord) -> "CountCard":
        return cls(
            id=to_global_id("CountCard", count_card.id),
            name=count_card.name,
            total=count_card.total,
            remaining=count_card.remaining,
            expires_at=count_card.expires_at,
        )


@strawberry.type(description="充值方案, e.g. pay 50000 fen, get 5000 fen bonus (充500送50).")
class TopUpPlan:
    id: strawberry.ID
    name: str
    pay_fen: int
    bonus_fen: int
    active: bool

    @classmethod
    def of(cls, plan: TopUpPlanRecord) -> "TopUpPlan":
        return cls(
            id=to_global_id("TopUpPlan", plan.id),
            name=plan.name,
            pay_fen=plan.pay_fen,
            bonus_fen=plan.bonus_fen,
            active=plan.active,
        )
