"""Referral and commission types both doors share: share codes (link + mini-program code image) and the
states of a commission."""

import base64
from typing import TypeAlias

import strawberry

from domain.commissions import commission
from domain.referrals.share_codes import ShareCode as ShareCodeRecord
from schema.common import UserError


@strawberry.type(description="A sharer's code: share `path` in a WeChat card, print or show the image.")
class ShareCode:
    code: str
    path: str = strawberry.field(description="The mini-program page with the share link's query (r=… or s=…).")
    scene: str = strawberry.field(description="The scene inside the image (m=… or s=…), at most 32 characters.")
    image_data_url: str = strawberry.field(description="The mini-program code (wxacode) as a PNG data URL.")
    qr_link: str | None = strawberry.field(
        description="The text for a plain QR code an app draws itself: the link registered for the mini-program "
        "(扫普通链接二维码打开小程序) with the scene as its query; scanned in WeChat it opens the mini-program with "
        "this code. Null until JIKE_SHARE_QR_LINK_BASE is set: show imageDataUrl instead. (A QR code of `path` "
        "would open nothing.)"
    )

    @classmethod
    def of(cls, code: ShareCodeRecord) -> "ShareCode":
        image = base64.b64encode(code.image_png).decode()
        return cls(
            code=code.code,
            path=code.path,
            scene=code.scene,
            image_data_url=f"data:image/png;base64,{image}",
            qr_link=code.qr_link,
        )


@strawberry.type
class ShareCodePayload:
    share_code: ShareCode | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


CommissionStatus: TypeAlias = commission.CommissionStatus
strawberry.enum(
    CommissionStatus,
    name="CommissionStatus",
    description="PENDING until the freeze ends, then AVAILABLE, then PAID (in a payout; AVAILABLE again if the "
    "payout fails), or PAID_OFFLINE for staff paid through payroll; CANCELLED when refunds took it all; "
    "REVIEW while payer and beneficiary look like one person, then REJECTED or back on its way.",
)
