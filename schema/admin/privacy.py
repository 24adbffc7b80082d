"""Privacy-policy versions for the OWNER to publish (never edited afterwards) and for owners and managers to list."""

from datetime import UTC, datetime

import strawberry

from domain.privacy import policy
from schema.common import UserError
from schema.context import Info
from schema.mutations import user_errors_in
from schema.privacy import PrivacyPolicy


@strawberry.input
class PublishPrivacyPolicyInput:
    version: str = strawberry.field(description="1–32 of A-Z a-z 0-9 . _ -, unique; v0 is the platform's.")
    title: str
    text: str | None = strawberry.field(default=None, description="The policy's text; this or url.")
    url: str | None = strawberry.field(default=None, description="An https link to the policy; this or text.")
    effective_at: datetime | None = strawberry.field(
        default=None, description="From when members are asked to agree to it; now when omitted, never in the past."
    )


@strawberry.type
class PublishPrivacyPolicyPayload:
    policy: PrivacyPolicy | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description="OWNER or MANAGER: the published privacy-policy versions, the latest effective first (without "
        "any, members are asked to agree to the platform's built-in v0)."
    )
    async def privacy_policies(self, info: Info) -> list[PrivacyPolicy]:
        ctx = info.context
        found = await policy.list_policies(mongo=ctx.clients.mongo, actor=await ctx.staff())
        return [PrivacyPolicy.of(p) for p in found]


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="OWNER: publish a privacy-policy version; once in effect, every member is asked to agree again. "
        "userErrors POLICY_VERSION_INVALID, POLICY_VERSION_TAKEN, POLICY_TITLE_INVALID, POLICY_CONTENT_INVALID, "
        "POLICY_EFFECTIVE_IN_PAST."
    )
    @user_errors_in(PublishPrivacyPolicyPayload)
    async def publish_privacy_policy(self, info: Info, input: PublishPrivacyPolicyInput) -> PublishPrivacyPolicyPayload:
        ctx = info.context
        published = await policy.publish(
            mongo=ctx.clients.mongo,
            actor=await ctx.staff(),
            version=input.version,
            title=input.title,
            text=input.text,
            url=input.url,
            effective_at=input.effective_at,
            now=datetime.now(UTC),
        )
        return PublishPrivacyPolicyPayload(policy=PrivacyPolicy.of(published))
