"""Coupon types both doors share: kinds and statuses, a template's benefit and validity, share links."""

from datetime import datetime
from typing import TypeAlias

import strawberry

from domain import pricing
from domain.coupons import coupon, templates
from domain.coupons.touch import ShareLink

CouponKind: TypeAlias = pricing.CouponKind
strawberry.enum(
    CouponKind,
    name="CouponKind",
    description="AMOUNT_OFF 满减券, PERCENT_OFF 折扣券, GIFT 赠品券, EXPERIENCE 体验卡 (a service at a fixed price).",
)
CouponStatus: TypeAlias = coupon.CouponStatus
strawberry.enum(
    CouponStatus,
    name="CouponStatus",
    description="As of now: EXPIRED past validTo, and a forward unaccepted for 24 hours is ACTIVE again.",
)


@strawberry.type(description="What the coupon gives; fields its kind does not use are 0 or null.")
class CouponBenefit:
    kind: CouponKind
    value_fen: int = strawberry.field(description="AMOUNT_OFF: fen off. EXPERIENCE: the price (fen) of the service.")
    percent_off_bp: int = strawberry.field(description="PERCENT_OFF: basis points off (1500 = 15% off, 八五折).")
    cap_fen: int | None = strawberry.field(description="PERCENT_OFF: the most it takes off (fen); null for no cap.")
    minimum_spend_fen: int = strawberry.field(description="The order must come to at least this (满减门槛).")
    item_id: str | None = strawberry.field(description="GIFT / EXPERIENCE: the catalog item.")
    item_name: str | None

    @classmethod
    def of(cls, b: templates.Benefit) -> "CouponBenefit":
        return cls(
            kind=b.kind,
            value_fen=b.value_fen,
            percent_off_bp=b.percent_off_bp,
            cap_fen=b.cap_fen,
            minimum_spend_fen=b.minimum_spend_fen,
            item_id=b.item_id,
            item_name=b.item_name,
        )


@strawberry.type(description="Either a fixed window (startsAt..endsAt) or `days` from when the member receives it.")
class CouponValidity:
    starts_at: datetime | None
    ends_at: datetime | None
    days: int | None

    @classmethod
    def of(cls, v: templates.Validity) -> "CouponValidity":
        return cls(starts_at=v.starts_at, ends_at=v.ends_at, days=v.days)


@strawberry.type(description="Put `path` in the WeChat share card; whoever opens it lands on the claim screen.")
class CouponShare:
    token: str
    path: str
    expires_at: datetime | None = strawberry.field(description="When a forward lapses back to the sender.")

    @classmethod
    def of(cls, link: ShareLink) -> "CouponShare":
        return cls(token=link.token, path=link.path, expires_at=link.expires_at)
