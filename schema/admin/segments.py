"""Segments (会员分群) in the admin schema: the live preview of a filter, saved segments (owners and managers) and
staff's tags on members, as domain.segments keeps them."""

from datetime import UTC, date, datetime

import strawberry
from bson import ObjectId

from domain.members import Member
from domain.pii import mask_phone
from domain.reports.report import MemberSource
from domain.segments import saved, selection, tags
from domain.segments.filters import SegmentFilter
from schema.common import UserError
from schema.context import Info
from schema.ids import from_global_id, to_global_id
from schema.mutations import InvalidId, node_id, node_ids, null_when_refused, user_errors_in

DAYS = "Days in the merchant's time zone (its first store's): a member who paid today has 0 days since."


def _brought_by(gid: strawberry.ID | None) -> ObjectId | None:
    """A member's upline or the staff member whose code they came through: either kind of ID."""
    if gid is None:
        return None
    found = from_global_id("Member", gid) or from_global_id("StaffMember", gid)
    if found is None:
        raise InvalidId("broughtById")
    return found


@strawberry.input(description="Members matching every field given; a field left null does not filter.")
class SegmentFilterInput:
    level_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Any of these card levels.")
    tags_all: list[str] | None = strawberry.field(default=None, description="Carrying every one of these tags.")
    days_since_paid_min: int | None = strawberry.field(
        default=None, description=f"No paid visit for at least N days (never paid counts). {DAYS}"
    )
    days_since_paid_max: int | None = strawberry.field(default=None, description=f"Paid within N days. {DAYS}")
    lifetime_paid_min_fen: int | None = strawberry.field(
        default=None, description="Lifetime paid (fen, after refunds, top-ups not counted) at least."
    )
    lifetime_paid_max_fen: int | None = strawberry.field(default=None, description="Lifetime paid (fen) at most.")
    visits_in_days: int | None = strawberry.field(
        default=None, description="The window for visitsMin: the last N days, today included (1-3660)."
    )
    visits_min: int | None = strawberry.field(
        default=None, description="At least K paid visits (distinct days) within visitsInDays (1-60)."
    )
    birthday_month: int | None = strawberry.field(default=None, description="1-12.")
    sources: list[MemberSource] | None = strawberry.field(default=None, description="Came any of these ways.")
    brought_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="The Member (upline) or StaffMember who brought them."
    )
    home_store_id: strawberry.ID | None = strawberry.field(
        default=None, description="The store of their first paid visit."
    )
    stored_value_min_fen: int | None = strawberry.field(default=None, description="Unused stored value at least.")
    count_uses_min: int | None = strawberry.field(default=None, description="Unused count-card uses at least.")
    rfm: list[str] | None = strawberry.field(
        default=None,
        description="Any of these RFM buckets, R, F and M each scored 1-5 by quintile (5 the most recent, frequent "
        "or spending), e.g. R5F1M3; set nightly, members who never paid have none.",
    )

    def domain(self) -> SegmentFilter:
        levels = None if self.level_ids is None else node_ids("Level", self.level_ids, "levelIds")
        return SegmentFilter(
            levels=None if levels is None else tuple(str(i) for i in levels),
            tags_all=None if self.tags_all is None else tuple(tags.check_tag(t) for t in self.tags_all),
            days_since_paid_min=self.days_since_paid_min,
            days_since_paid_max=self.days_since_paid_max,
            lifetime_paid_min_fen=self.lifetime_paid_min_fen,
            lifetime_paid_max_fen=self.lifetime_paid_max_fen,
            visits_in_days=self.visits_in_days,
            visits_min=self.visits_min,
            birthday_month=self.birthday_month,
            sources=None if self.sources is None else tuple(s.value for s in self.sources),
            brought_by=_brought_by(self.brought_by_id),
            home_store_id=node_id("Store", self.home_store_id, "homeStoreId"),
            stored_value_min_fen=self.stored_value_min_fen,
            count_uses_min=self.count_uses_min,
            rfm=None if self.rfm is None else tuple(self.rfm),
        )


@strawberry.type(description="A segment's filter as saved.")
class SegmentFilterView:
    level_ids: list[strawberry.ID] | None
    tags_all: list[str] | None
    days_since_paid_min: int | None
    days_since_paid_max: int | None
    lifetime_paid_min_fen: int | None
    lifetime_paid_max_fen: int | None
    visits_in_days: int | None
    visits_min: int | None
    birthday_month: int | None
    sources: list[MemberSource] | None
    brought_by_id: strawberry.ID | None = strawberry.field(description="A Member's or a StaffMember's ID.")
    home_store_id: strawberry.ID | None
    stored_value_min_fen: int | None
    count_uses_min: int | None
    rfm: list[str] | None

    @classmethod
    def of(cls, flt: SegmentFilter) -> "SegmentFilterView":
        return cls(
            level_ids=None if flt.levels is None else [to_global_id("Level", ObjectId(lv)) for lv in flt.levels],
            tags_all=None if flt.tags_all is None else list(flt.tags_all),
            days_since_paid_min=flt.days_since_paid_min,
            days_since_paid_max=flt.days_since_paid_max,
            lifetime_paid_min_fen=flt.lifetime_paid_min_fen,
            lifetime_paid_max_fen=flt.lifetime_paid_max_fen,
            visits_in_days=flt.visits_in_days,
            visits_min=flt.visits_min,
            birthday_month=flt.birthday_month,
            sources=None if flt.sources is None else [MemberSource(s) for s in flt.sources],
            brought_by_id=None if flt.brought_by is None else to_global_id("Member", flt.brought_by),
            home_store_id=None if flt.home_store_id is None else to_global_id("Store", flt.home_store_id),
            stored_value_min_fen=flt.stored_value_min_fen,
            count_uses_min=flt.count_uses_min,
            rfm=None if flt.rfm is None else list(flt.rfm),
        )


@strawberry.type(description="One member of a segment's preview.")
class SegmentMember:
    id: strawberry.ID = strawberry.field(description="The Member's ID.")
    name: str
    phone: str | None = strawberry.field(description="Masked: 138****0000.")
    level_id: strawberry.ID | None
    level_name: str | None
    tags: list[str]
    last_paid_on: date | None = strawberry.field(description="The day of their last paid visit, store time.")
    lifetime_paid_fen: int


@strawberry.type(description="How many members match, and the first of them by id; or why the filter was refused.")
class SegmentPreview:
    count: int = 0
    members: list[SegmentMember] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Segment:
    id: strawberry.ID
    name: str
    filter: SegmentFilterView
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, segment: saved.Segment) -> "Segment":
        return cls(
            id=to_global_id("Segment", segment.id),
            name=segment.name,
            filter=SegmentFilterView.of(segment.flt),
            created_at=segment.created_at,
            updated_at=segment.updated_at,
        )


@strawberry.type(description="A tag in use and how many members carry it.")
class MemberTag:
    tag: str
    members: int


@strawberry.type
class SegmentPayload:
    segment: Segment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A member's tags after the change.")
class TaggedMember:
    id: strawberry.ID
    tags: list[str]


@strawberry.type
class TagMembersPayload:
    members: list[TaggedMember] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateSegmentInput:
    name: str = strawberry.field(description="1-30 characters.")
    filter: SegmentFilterInput


@strawberry.input
class UpdateSegmentInput:
    id: strawberry.ID
    name: str | None = strawberry.field(default=None, description="A new name; null keeps it.")
    filter: SegmentFilterInput | None = strawberry.field(default=None, description="A new filter; null keeps it.")


@strawberry.input
class DeleteSegmentInput:
    id: strawberry.ID


@strawberry.input
class TagMembersInput:
    member_ids: list[strawberry.ID] = strawberry.field(description="1-100 of the merchant's members.")
    tags: list[str] = strawberry.field(
        description="1-10 tags, each 1-12 letters or digits (a few joiners - _ · & + inside); a member carries at "
        "most 20."
    )


def _preview(found: selection.SegmentPreview, info: Info) -> SegmentPreview:
    pii = info.context.clients.pii
    return SegmentPreview(
        count=found.count,
        members=[
            SegmentMember(
                id=to_global_id("Member", m.member_id),
                name=m.name,
                phone=mask_phone(pii.decrypt(m.phone_enc)) if m.phone_enc else None,
                level_id=to_global_id("Level", m.level_id) if m.level_id else None,
                level_name=m.level_name,
                tags=list(m.tags),
                last_paid_on=m.last_paid,
                lifetime_paid_fen=m.lifetime_paid_fen,
            )
            for m in found.members
        ],
    )


def _tagged(members: list[Member]) -> TagMembersPayload:
    return TagMembersPayload(
        members=[TaggedMember(id=to_global_id("Member", m.id), tags=list(m.tags)) for m in members]
    )


@strawberry.type
class SegmentsQuery:
    @strawberry.field(
        description="OWNER and MANAGER: how many members match the filter now and the first `first` (1-100) of "
        "them by id, read from indexed facts; a filter out of range answers userErrors naming its field."
    )
    @user_errors_in(SegmentPreview)
    async def segment_preview(self, info: Info, filter: SegmentFilterInput, first: int = 20) -> SegmentPreview:
        ctx = info.context
        actor = await ctx.staff()
        saved.require_manager(actor)
        found = await selection.preview(
            mongo=ctx.clients.mongo,
            merchant_id=actor.merchant_id,
            flt=filter.domain(),
            first=first,
            now=datetime.now(UTC),
        )
        return _preview(found, info)

    @strawberry.field(description="OWNER and MANAGER: the merchant's saved segments, oldest first.")
    async def segments(self, info: Info) -> list[Segment]:
        ctx = info.context
        return [Segment.of(s) for s in await saved.list_segments(mongo=ctx.clients.mongo, actor=await ctx.staff())]

    @strawberry.field(description="OWNER and MANAGER: one saved segment; null for an id not the merchant's.")
    @null_when_refused
    async def segment(self, info: Info, id: strawberry.ID) -> Segment | None:
        ctx = info.context
        actor = await ctx.staff()
        saved.require_manager(actor)
        segment_id = node_id("Segment", id, "id")
        found = await saved.get_segment(mongo=ctx.clients.mongo, merchant_id=actor.merchant_id, segment_id=segment_id)
        return Segment.of(found)

    @strawberry.field(description="Any staff role: the tags members carry, most used first, with how many carry each.")
    async def member_tags(self, info: Info) -> list[MemberTag]:
        ctx = info.context
        found = await tags.member_tags(mongo=ctx.clients.mongo, actor=await ctx.staff())
        return [MemberTag(tag=t.tag, members=t.members) for t in found]


@strawberry.type
class SegmentsMutation:
    @strawberry.mutation(description="OWNER and MANAGER: save a filter under a name.")
    @user_errors_in(SegmentPayload)
    async def create_segment(self, info: Info, input: CreateSegmentInput) -> SegmentPayload:
        ctx = info.context
        segment = await saved.create_segment(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            name=input.name,
            flt=input.filter.domain(),
            now=datetime.now(UTC),
        )
        return SegmentPayload(segment=Segment.of(segment))

    @strawberry.mutation(description="OWNER and MANAGER: rename a segment, change its filter, or both.")
    @user_errors_in(SegmentPayload)
    async def update_segment(self, info: Info, input: UpdateSegmentInput) -> SegmentPayload:
        ctx = info.context
        segment = await saved.update_segment(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            segment_id=node_id("Segment", input.id, "id"),
            name=input.name,
            flt=None if input.filter is None else input.filter.domain(),
            now=datetime.now(UTC),
        )
        return SegmentPayload(segment=Segment.of(segment))

    @strawberry.mutation(description="OWNER and MANAGER: delete a saved segment.")
    @user_errors_in(DeleteSegmentPayload)
    async def delete_segment(self, info: Info, input: DeleteSegmentInput) -> DeleteSegmentPayload:
        ctx = info.context
        segment_id = node_id("Segment", input.id, "id")
        await saved.delete_segment(mongo=ctx.clients.mongo, actor=await ctx.staff(), segment_id=segment_id)
        return DeleteSegmentPayload(deleted_id=input.id)

    @strawberry.mutation(description="Any staff role: add tags to members (a tag carried already stays once).")
    @user_errors_in(TagMembersPayload)
    async def tag_members(self, info: Info, input: TagMembersInput) -> TagMembersPayload:
        ctx = info.context
        members = await tags.tag_members(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_ids=node_ids("Member", input.member_ids, "memberIds"),
            tags=input.tags,
            now=datetime.now(UTC),
        )
        return _tagged(members)

    @strawberry.mutation(description="Any staff role: take tags off members (a tag not carried is no error).")
    @user_errors_in(TagMembersPayload)
    async def untag_members(self, info: Info, input: TagMembersInput) -> TagMembersPayload:
        ctx = info.context
        members = await tags.untag_members(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            member_ids=node_ids("Member", input.member_ids, "memberIds"),
            tags=input.tags,
            now=datetime.now(UTC),
        )
        return _tagged(members)
