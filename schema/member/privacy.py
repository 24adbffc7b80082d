"""The member's side of privacy: the policy in effect and their agreement to it, and their copy of their data
(个人信息副本), downloaded from /exports/my-data (api/exports.py) with a short-lived link and their own token."""

from datetime import UTC, datetime

import strawberry

from domain.privacy import consent, data_copy
from domain.privacy.consent import ConsentStatus
from domain.privacy.data_copy import DataRequest
from schema.common import UserError
from schema.context import Info
from schema.ids import to_global_id
from schema.mutations import user_errors_in
from schema.privacy import PrivacyPolicy

# The download route's name in the app (api/exports.py): the link is made from the request the query came in on.
MY_DATA_ROUTE = "my_data_download"

DataRequestStatus = strawberry.enum(data_copy.RequestStatus, name="DataRequestStatus")


@strawberry.type
class PrivacyConsent:
    policy: PrivacyPolicy = strawberry.field(description="The version in effect now.")
    agreed: bool = strawberry.field(
        description="False: show the policy and ask; until then phone, birthday and nickname are refused "
        "with PRIVACY_CONSENT_REQUIRED. A new version makes it false again."
    )
    agreed_at: datetime | None

    @classmethod
    def of(cls, status: ConsentStatus) -> "PrivacyConsent":
        return cls(policy=PrivacyPolicy.of(status.policy), agreed=status.agreed, agreed_at=status.agreed_at)


@strawberry.type
class MyDataRequest:
    id: strawberry.ID
    status: DataRequestStatus  # type: ignore[valid-type]
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None = strawberry.field(description="When the prepared copy is deleted.")
    download_url: str | None = strawberry.field(
        description="While READY: GET it within 10 minutes with the member's own bearer token (wx.downloadFile's "
        "header) for the JSON file; anyone else's token, or none, is refused. Ask again for a fresh link."
    )
    download_url_expires_at: datetime | None

    @classmethod
    def of(cls, info: Info, request: DataRequest, link: tuple[dict[str, str], datetime] | None) -> "MyDataRequest":
        url = None
        if link is not None:
            url = str(info.context.request.url_for(MY_DATA_ROUTE).include_query_params(**link[0]))
        return cls(
            id=to_global_id("MyDataRequest", request.id),
            status=request.status,
            requested_at=request.requested_at,
            ready_at=request.ready_at,
            expires_at=request.expires_at,
            download_url=url,
            download_url_expires_at=link[1] if link else None,
        )


@strawberry.input
class AgreePrivacyPolicyInput:
    version: str = strawberry.field(description="The version shown, which must be privacyConsent's current one.")


@strawberry.type
class AgreePrivacyPolicyPayload:
    privacy: PrivacyConsent | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RequestMyDataPayload:
    request: MyDataRequest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PrivacyQuery:
    @strawberry.field(description="The privacy policy in effect and whether the member agreed to it.")
    async def privacy_consent(self, info: Info) -> PrivacyConsent:
        principal = info.context.need_principal()
        status = await consent.status(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            now=datetime.now(UTC),
        )
        return PrivacyConsent.of(status)

    @strawberry.field(
        description="The member's latest request for their copy of their data, with a fresh link once READY."
    )
    async def my_data_request(self, info: Info) -> MyDataRequest | None:
        ctx = info.context
        principal = ctx.need_principal()
        view = await data_copy.view_latest(
            mongo=ctx.clients.mongo,
            signer=data_copy.signer_for(ctx.clients.keys),
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            now=datetime.now(UTC),
        )
        return MyDataRequest.of(info, view.request, view.link) if view else None


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(description="Agree to the privacy policy in effect. userErrors POLICY_VERSION_NOT_CURRENT.")
    @user_errors_in(AgreePrivacyPolicyPayload)
    async def agree_privacy_policy(self, info: Info, input: AgreePrivacyPolicyInput) -> AgreePrivacyPolicyPayload:
        principal = info.context.need_principal()
        status = await consent.agree(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            version=input.version,
            now=datetime.now(UTC),
        )
        return AgreePrivacyPolicyPayload(privacy=PrivacyConsent.of(status))

    @strawberry.mutation(
        description="Ask for a copy of everything the store holds about you (个人信息副本), prepared in the "
        "background: follow myDataRequest until READY. At most once a day (China time): DATA_REQUEST_TOO_SOON."
    )
    @user_errors_in(RequestMyDataPayload)
    async def request_my_data(self, info: Info) -> RequestMyDataPayload:
        principal = info.context.need_principal()
        request = await data_copy.request_copy(
            mongo=info.context.clients.mongo,
            merchant_id=principal.merchant_id,
            member_id=principal.subject_id,
            now=datetime.now(UTC),
        )
        return RequestMyDataPayload(request=MyDataRequest.of(info, request, None))
