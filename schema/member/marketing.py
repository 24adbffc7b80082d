"""The member's marketing consent: whether they receive marketing messages at all, and SMS among them."""

from datetime import UTC, datetime

import strawberry

from domain.marketing import consent
from schema.common import UserError
from schema.context import Info
from schema.mutations import user_errors_in


@strawberry.type(name="MarketingConsent")
class MarketingConsentType:
    stopped: bool = strawberry.field(description="The member stopped all marketing messages (接收营销消息 off).")
    sms_agreed: bool = strawberry.field(description="The member agreed to marketing by SMS.")

    @classmethod
    def of(cls, found: consent.MarketingConsent) -> "MarketingConsentType":
        return cls(stopped=found.stopped, sms_agreed=found.sms_agreed)


@strawberry.input
class SetMarketingConsentInput:
    stopped: bool | None = strawberry.field(default=None, description="True stops every marketing message.")
    sms_agreed: bool | None = strawberry.field(default=None, description="True agrees to marketing SMS.")


@strawberry.type
class SetMarketingConsentPayload:
    marketing_consent: MarketingConsentType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MarketingMutation:
    @strawberry.mutation(description="Changes what is named; each change is kept with its time, revocable any time.")
    @user_errors_in(SetMarketingConsentPayload)
    async def set_marketing_consent(self, info: Info, input: SetMarketingConsentInput) -> SetMarketingConsentPayload:
        principal = info.context.need_principal()
        found = await consent.set_marketing(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            stopped=input.stopped,
            sms_agreed=input.sms_agreed,
            channel=consent.ConsentChannel.MINI_PROGRAM,
            now=datetime.now(UTC),
        )
        return SetMarketingConsentPayload(marketing_consent=MarketingConsentType.of(found))
