"""Campaigns (营销活动) in the admin app: the list with state and progress, one campaign with its effect (both
groups' figures and the uplift), and making, editing, scheduling and cancelling one, as domain.campaigns does."""

from datetime import UTC, datetime
from typing import TypeAlias

import strawberry
from bson import ObjectId

from domain.campaigns import editing
from domain.campaigns.model import (
    DEFAULT_CONTROL_PERCENT,
    DEFAULT_WEEK_CAP,
    DEFAULT_WINDOW_DAYS,
    Message,
)
from domain.campaigns.model import Campaign as CampaignRecord
from domain.campaigns.model import CampaignState as DomainCampaignState
from domain.marketing import effect as marketing_effect
from domain.marketing.touches import TouchSource
from schema.common import Connection, UserError, connection
from schema.context import Info
from schema.ids import from_cursor, to_global_id
from schema.mutations import node_id, null_when_refused, user_errors_in

CampaignState: TypeAlias = DomainCampaignState
strawberry.enum(
    CampaignState,
    name="CampaignState",
    description="DRAFT (editable) → SCHEDULED (waits for its send time) → SENDING (the worker is on it) → SENT; "
    "CANCELLED from DRAFT or SCHEDULED.",
)


@strawberry.type(description="Every member the send reached is in exactly one of control, sent and the skipped.")
class CampaignProgress:
    targeted: int = strawberry.field(description="Members of the segment the send has reached so far.")
    sent: int = strawberry.field(description="Treatment members given the coupon and/or the message.")
    control: int = strawberry.field(description="The control group: given nothing, measured the same way.")
    coupons: int
    skipped_opted_out: int = strawberry.field(description="Members who stopped marketing messages.")
    skipped_capped: int = strawberry.field(description="Members already at the weekly cap of marketing messages.")
    skipped_out_of_stock: int = strawberry.field(description="Members past the coupon's stock: given nothing.")


@strawberry.type
class CampaignMessage:
    title: str
    body: str


@strawberry.type(description="One group's figures within the effect window.")
class CampaignGroupFigures:
    members: int
    sent: int
    delivered: int
    opened: int = strawberry.field(description="Inbox messages read.")
    redeemed: int = strawberry.field(description="Coupons of the campaign redeemed.")
    paid_members: int = strawberry.field(
        description="Members who paid within the window and were not refunded all of it."
    )
    revenue_fen: int = strawberry.field(description="What they paid within the window, net of refunds.")


@strawberry.type(description="Treatment minus control, each with its 95% confidence interval.")
class CampaignUplift:
    rate_diff: float = strawberry.field(description="Paid-member rate difference (0.05 = 5 points).")
    rate_low: float
    rate_high: float
    revenue_per_member_diff_fen: float
    revenue_low_fen: float
    revenue_high_fen: float


@strawberry.type
class CampaignEffect:
    treatment: CampaignGroupFigures
    control: CampaignGroupFigures
    uplift: CampaignUplift | None = strawberry.field(description="Null while a group is empty.")


def _figures(g: marketing_effect.GroupFigures) -> CampaignGroupFigures:
    return CampaignGroupFigures(
        members=g.members,
        sent=g.sent,
        delivered=g.delivered,
        opened=g.opened,
        redeemed=g.redeemed,
        paid_members=g.paid_members,
        revenue_fen=g.revenue_fen,
    )


@strawberry.type(description="A campaign to a saved segment: a coupon and/or a message, at a send time.")
class Campaign:
    id: strawberry.ID
    name: str
    segment_id: strawberry.ID
    segment_name: str = strawberry.field(description="As it was named when the campaign was last saved or scheduled.")
    coupon_template_id: strawberry.ID | None
    message: CampaignMessage | None
    sms: bool = strawberry.field(description="The message goes by SMS too, to members who agreed to marketing SMS.")
    send_at: datetime | None = strawberry.field(description="Null: as soon as it is scheduled.")
    control_percent: int
    week_cap: int
    window_days: int
    state: CampaignState
    progress: CampaignProgress
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    record: strawberry.Private[CampaignRecord]

    @strawberry.field(
        description="What it earned, the treatment group against the control group (rollups: the same "
        "few reads however many members)."
    )
    async def effect(self, info: Info) -> CampaignEffect:
        found = await marketing_effect.effect(
            mongo=info.context.clients.mongo,
            merchant_id=self.record.merchant_id,
            source=TouchSource.CAMPAIGN,
            source_id=self.record.id,
        )
        u = found.uplift
        return CampaignEffect(
            treatment=_figures(found.treatment),
            control=_figures(found.control),
            uplift=None
            if u is None
            else CampaignUplift(
                rate_diff=u.rate_diff,
                rate_low=u.rate_low,
                rate_high=u.rate_high,
                revenue_per_member_diff_fen=u.revenue_per_member_diff_fen,
                revenue_low_fen=u.revenue_low_fen,
                revenue_high_fen=u.revenue_high_fen,
            ),
        )

    @classmethod
    def of(cls, c: CampaignRecord) -> "Campaign":
        p = c.progress
        return cls(
            id=to_global_id("Campaign", c.id),
            name=c.name,
            segment_id=to_global_id("Segment", c.segment_id),
            segment_name=c.segment_name,
            coupon_template_id=to_global_id("CouponTemplate", c.template_id) if c.template_id else None,
            message=CampaignMessage(title=c.message.title, body=c.message.body) if c.message else None,
            sms=c.sms,
            send_at=c.send_at,
            control_percent=c.control_percent,
            week_cap=c.week_cap,
            window_days=c.window_days,
            state=c.state,
            progress=CampaignProgress(
                targeted=p.targeted,
                sent=p.sent,
                control=p.control,
                coupons=p.coupons,
                skipped_opted_out=p.skipped_opted_out,
                skipped_capped=p.skipped_capped,
                skipped_out_of_stock=p.skipped_out_of_stock,
            ),
            created_at=c.created_at,
            scheduled_at=c.scheduled_at,
            started_at=c.started_at,
            finished_at=c.finished_at,
            cancelled_at=c.cancelled_at,
            record=c,
        )


@strawberry.input
class CampaignMessageInput:
    title: str = strawberry.field(description="1-20 characters.")
    body: str = strawberry.field(description="1-200 characters.")


@strawberry.input(description="A coupon template, a message, or both.")
class CampaignInput:
    name: str = strawberry.field(description="1-40 characters.")
    segment_id: strawberry.ID = strawberry.field(description="A saved segment; its filter is kept when scheduled.")
    coupon_template_id: strawberry.ID | None = strawberry.field(
        default=None, description="An active template; the members past its stock are counted, not given."
    )
    message: CampaignMessageInput | None = None
    sms: bool = False
    send_at: datetime | None = strawberry.field(default=None, description="Null: as soon as it is scheduled.")
    control_percent: int = strawberry.field(default=DEFAULT_CONTROL_PERCENT, description="0-50.")
    week_cap: int = strawberry.field(
        default=DEFAULT_WEEK_CAP, description="Marketing messages a member gets per week across campaigns, 1-14."
    )
    window_days: int = strawberry.field(default=DEFAULT_WINDOW_DAYS, description="The effect window, 1-90 days.")

    def draft(self) -> editing.CampaignDraft:
        return editing.CampaignDraft(
            name=self.name,
            segment_id=node_id("Segment", self.segment_id, "segmentId"),
            template_id=node_id("CouponTemplate", self.coupon_template_id, "couponTemplateId"),
            message=Message(self.message.title, self.message.body) if self.message else None,
            sms=self.sms,
            send_at=self.send_at,
            control_percent=self.control_percent,
            week_cap=self.week_cap,
            window_days=self.window_days,
        )


@strawberry.input
class UpdateCampaignInput:
    id: strawberry.ID
    campaign: CampaignInput


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _id(gid: strawberry.ID) -> ObjectId:
    return node_id("Campaign", gid, "id")


@strawberry.type
class CampaignsQuery:
    @strawberry.field(description="OWNER or MANAGER: the merchant's campaigns, newest first.")
    async def campaigns(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Campaign]:
        ctx = info.context
        page = await editing.list_campaigns(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), first=first, after=from_cursor(after)
        )
        return connection(page, Campaign.of)

    @strawberry.field(
        description="OWNER or MANAGER: how many members the saved segment holds now (a campaign to it reaches them, "
        "less its control group); null when it is not the merchant's."
    )
    @null_when_refused
    async def campaign_audience(self, info: Info, segment_id: strawberry.ID) -> int | None:
        ctx = info.context
        return await editing.audience(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            segment_id=node_id("Segment", segment_id, "segmentId"),
            now=datetime.now(UTC),
        )

    @strawberry.field(description="OWNER or MANAGER: one campaign; null when it is not the merchant's.")
    @null_when_refused
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        ctx = info.context
        found = await editing.get_campaign(mongo=ctx.clients.mongo, actor=await ctx.staff(), campaign_id=_id(id))
        return Campaign.of(found)


_INPUT_ERRORS = (
    "CAMPAIGN_NAME_REQUIRED, CAMPAIGN_SEGMENT_NOT_FOUND, CAMPAIGN_ACTION_REQUIRED, CAMPAIGN_TEMPLATE_NOT_ACTIVE, "
    "CAMPAIGN_MESSAGE_INVALID, CAMPAIGN_SEND_TIME_PAST, CAMPAIGN_CONTROL_SHARE_INVALID, CAMPAIGN_WEEK_CAP_INVALID, "
    "CAMPAIGN_WINDOW_INVALID"
)


@strawberry.type
class CampaignsMutation:
    @strawberry.mutation(description=f"OWNER or MANAGER, audited: a DRAFT. Refusals: {_INPUT_ERRORS}.")
    @user_errors_in(CampaignPayload)
    async def create_campaign(self, info: Info, input: CampaignInput) -> CampaignPayload:
        ctx = info.context
        made = await editing.create_campaign(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), draft=input.draft(), now=datetime.now(UTC)
        )
        return CampaignPayload(campaign=Campaign.of(made))

    @strawberry.mutation(
        description=f"OWNER or MANAGER, audited: a DRAFT's settings replaced; else CAMPAIGN_STATE_INVALID. Refusals: "
        f"{_INPUT_ERRORS}, CAMPAIGN_NOT_FOUND."
    )
    @user_errors_in(CampaignPayload)
    async def update_campaign(self, info: Info, input: UpdateCampaignInput) -> CampaignPayload:
        ctx = info.context
        changed = await editing.update_campaign(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            campaign_id=_id(input.id),
            draft=input.campaign.draft(),
            now=datetime.now(UTC),
        )
        return CampaignPayload(campaign=Campaign.of(changed))

    @strawberry.mutation(
        description="OWNER or MANAGER, audited: a DRAFT becomes SCHEDULED, its segment's filter kept as it is now. "
        "Refusals: CAMPAIGN_STATE_INVALID, CAMPAIGN_SEND_TIME_PAST, CAMPAIGN_SEGMENT_NOT_FOUND, "
        "CAMPAIGN_TEMPLATE_NOT_ACTIVE, CAMPAIGN_NOT_FOUND."
    )
    @user_errors_in(CampaignPayload)
    async def schedule_campaign(self, info: Info, id: strawberry.ID) -> CampaignPayload:
        ctx = info.context
        scheduled = await editing.schedule_campaign(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), campaign_id=_id(id), now=datetime.now(UTC)
        )
        return CampaignPayload(campaign=Campaign.of(scheduled))

    @strawberry.mutation(
        description="OWNER or MANAGER, audited: a DRAFT or SCHEDULED campaign is CANCELLED; once sending, "
        "CAMPAIGN_STATE_INVALID."
    )
    @user_errors_in(CampaignPayload)
    async def cancel_campaign(self, info: Info, id: strawberry.ID) -> CampaignPayload:
        ctx = info.context
        cancelled = await editing.cancel_campaign(
            mongo=ctx.clients.mongo, actor=await ctx.staff(), campaign_id=_id(id), now=datetime.now(UTC)
        )
        return CampaignPayload(campaign=Campaign.of(cancelled))
