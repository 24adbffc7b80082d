"""What a campaign or journey earned (营销效果), as domain.marketing.effect reckons it: each group's figures and the
uplift of the treatment group over the control group with its 95% intervals."""

import strawberry

from domain.marketing import effect as figures


@strawberry.type(description="One group's figures: members touched and what they did within their window.")
class MarketingGroupFigures:
    members: int
    sent: int = strawberry.field(description="Members sent a message.")
    delivered: int = strawberry.field(description="Messages a channel delivered (a push or an SMS).")
    opened: int = strawberry.field(description="Messages read in the inbox.")
    redeemed: int = strawberry.field(description="Touched coupons used in store.")
    paid_members: int = strawberry.field(
        description="Members who paid within their window and were not refunded all of it."
    )
    revenue_fen: int = strawberry.field(description="What they paid within their window, net of refunds.")

    @classmethod
    def of(cls, g: figures.GroupFigures) -> "MarketingGroupFigures":
        return cls(
            members=g.members,
            sent=g.sent,
            delivered=g.delivered,
            opened=g.opened,
            redeemed=g.redeemed,
            paid_members=g.paid_members,
            revenue_fen=g.revenue_fen,
        )


@strawberry.type(description="Treatment minus control, with 95% intervals.")
class MarketingUplift:
    rate_diff: float = strawberry.field(description="Paid rate difference, a fraction (0.05 is 5 points).")
    rate_low: float
    rate_high: float
    revenue_per_member_diff_fen: float
    revenue_low_fen: float
    revenue_high_fen: float

    @classmethod
    def of(cls, u: figures.Uplift) -> "MarketingUplift":
        return cls(
            rate_diff=u.rate_diff,
            rate_low=u.rate_low,
            rate_high=u.rate_high,
            revenue_per_member_diff_fen=u.revenue_per_member_diff_fen,
            revenue_low_fen=u.revenue_low_fen,
            revenue_high_fen=u.revenue_high_fen,
        )


@strawberry.type
class MarketingEffect:
    treatment: MarketingGroupFigures
    control: MarketingGroupFigures
    uplift: MarketingUplift | None = strawberry.field(description="Null while either group has no member.")

    @classmethod
    def of(cls, e: figures.Effect) -> "MarketingEffect":
        return cls(
            treatment=MarketingGroupFigures.of(e.treatment),
            control=MarketingGroupFigures.of(e.control),
            uplift=MarketingUplift.of(e.uplift) if e.uplift else None,
        )
