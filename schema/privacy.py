"""Privacy-policy types both doors share: a published version (or the platform's built-in v0)."""

from datetime import datetime

import strawberry

from domain.privacy.policy import Policy


@strawberry.type
class PrivacyPolicy:
    version: str = strawberry.field(
        description="Unique per merchant and never changed once published; v0 is the platform's built-in default."
    )
    title: str
    text: str | None = strawberry.field(description="The policy's text, when it was published as text.")
    url: str | None = strawberry.field(description="An https link to the policy, when it was published as one.")
    effective_at: datetime = strawberry.field(description="From when it is the version members are asked to agree to.")
    published_at: datetime | None = strawberry.field(description="Null for the built-in v0.")

    @classmethod
    def of(cls, policy: Policy) -> "PrivacyPolicy":
        return cls(
            version=policy.version,
            title=policy.title,
            text=policy.text,
            url=policy.url,
            effective_at=policy.effective_at,
            published_at=policy.published_at,
        )
